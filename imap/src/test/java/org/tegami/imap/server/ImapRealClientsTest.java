package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.angus.mail.imap.AppendUID;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.Processes;
import org.tegami.store.MessageMeta;

/** Real IMAP clients against a live server: Angus Mail (993 and STARTTLS), Python's imaplib, mbsync. */
class ImapRealClientsTest {
    @TempDir
    Path tmp;
    private ImapTestServer server;

    @BeforeEach
    void start() throws IOException {
        server = new ImapTestServer(Files.createDirectory(tmp.resolve("data")), tmp.resolve("tls"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Store angus(String protocol, Properties p) throws Exception {
        p.put("mail." + protocol + ".ssl.trust", "*");
        p.put("mail." + protocol + ".ssl.checkserveridentity", "false");
        p.put("mail." + protocol + ".connectiontimeout", "5000");
        p.put("mail." + protocol + ".timeout", "10000");
        Store store = Session.getInstance(p).getStore(protocol);
        store.connect("127.0.0.1", server.port(protocol), ImapTestServer.ALICE, ImapTestServer.ALICE_PASSWORD);
        return store;
    }

    @Test
    void angusReadsPartsOverImplicitTls() throws Exception {
        Store store = angus("imaps", new Properties());
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertEquals(3, inbox.getMessageCount());
            Message m = inbox.getMessage(2);
            assertEquals("Grüße", m.getSubject(), "decoded from the ENVELOPE's encoded word");
            Multipart mp = (Multipart) m.getContent(); // BODYSTRUCTURE, then BODY[1] and BODY[2]
            assertEquals(2, mp.getCount());
            assertEquals("Hallo Welt", mp.getBodyPart(0).getContent());
            assertEquals("a.pdf", mp.getBodyPart(1).getFileName());
            assertEquals("%PDF-1.4\n", new String(mp.getBodyPart(1).getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            List<String> folders = Stream.of(store.getDefaultFolder().list("*")).map(Folder::getFullName).toList();
            assertEquals(List.of("INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"), folders);
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    @Test
    void angusOverStartTlsMovesAndAppendsWithUidplus() throws Exception {
        Properties p = new Properties();
        p.put("mail.imap.starttls.enable", "true");
        p.put("mail.imap.starttls.required", "true");
        Store store = angus("imap", p);
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            IMAPFolder archive = (IMAPFolder) store.getFolder("Archive");
            inbox.open(Folder.READ_WRITE);
            Message lunch = inbox.getMessage(1);
            inbox.moveMessages(new Message[] {lunch}, archive); // MOVE, as MOVE is advertised
            assertTrue(lunch.isExpunged(), "the EXPUNGE after MOVE reached the client");
            MimeMessage draft = new MimeMessage(Session.getInstance(new Properties()));
            draft.setSubject("draft");
            draft.setText("body");
            draft.saveChanges();
            AppendUID[] uids = archive.appendUIDMessages(new Message[] {draft});
            assertEquals(2, uids[0].uid, "APPENDUID: after the moved message");
            inbox.getMessage(2).setFlags(new Flags(Flags.Flag.FLAGGED), true); // message 1 is the moved one, still counted by Angus
            inbox.close(false);
        } finally {
            store.close();
        }
        assertEquals(List.of("Lunch", "draft"), server.messages(ImapTestServer.ALICE, "Archive").stream()
                .map(m -> subject(m)).toList());
        assertTrue(server.messages(ImapTestServer.ALICE, "INBOX").getFirst().flags().contains("\\Flagged"));
    }

    private String subject(MessageMeta m) {
        try (var in = server.store().blobs().open(m.blob())) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.lines().filter(l -> l.startsWith("Subject: ")).findFirst().orElse("").substring(9);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void angusIdleIsToldOfNewMail() throws Exception {
        Store store = angus("imaps", new Properties());
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            CountDownLatch added = new CountDownLatch(1);
            inbox.addMessageCountListener(new MessageCountAdapter() {
                @Override
                public void messagesAdded(MessageCountEvent e) {
                    added.countDown();
                }
            });
            Thread idler = Thread.ofVirtual().start(() -> {
                try {
                    while (added.getCount() > 0) inbox.idle(true);
                } catch (jakarta.mail.MessagingException e) {
                    // folder closed at the end
                }
            });
            Thread.sleep(300); // let IDLE start (if it starts later, its catch-up reports the delivery as well)
            server.deliver(server.account(ImapTestServer.ALICE), "Subject: ping\r\n\r\nnew\r\n");
            assertTrue(added.await(30, TimeUnit.SECONDS), "IDLE reported the delivery");
            assertEquals(4, inbox.getMessageCount());
            idler.join(30_000);
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    @Test
    void pythonImaplibStartTlsSearchFetchStoreExpungeAppend() throws Exception {
        String script = """
                import imaplib, ssl, sys
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
                try:
                    m.login("alice@example.test", "alice-password")
                    print("plain-login-refused")
                except imaplib.IMAP4.error as e:
                    print("refused:", e)
                m.starttls(ssl_context=ctx)
                print(m.login("alice@example.test", "alice-password")[0])
                print(m.select("INBOX"))
                print(m.search(None, "SUBJECT", "report"))
                typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                print(data[0][1])
                print(m.store("1", "+FLAGS", "(\\\\Deleted)"))
                print(m.expunge())
                print(m.append("Drafts", "(\\\\Draft)", None, b"Subject: from python\\r\\n\\r\\nhi\\r\\n"))
                print(m.logout()[0])
                """;
        String out = Processes.run(tmp, "python3", "-c", script, Integer.toString(server.port("imap")));
        assertTrue(out.contains("refused: ") && out.contains("[PRIVACYREQUIRED]"), "no login before STARTTLS: " + out);
        assertEquals(2, out.split("\\('OK', \\[b'3'\\]\\)", -1).length - 1, "SELECT: 3 messages, SEARCH: message 3: " + out);
        assertTrue(out.contains("b'Subject: Lunch\\r\\n\\r\\n'"), out);
        assertTrue(out.contains("('OK', [b'1'])"), "EXPUNGE reported message 1: " + out);
        assertTrue(out.contains("APPENDUID"), out);
        assertEquals(List.of(2L, 3L), server.messages(ImapTestServer.ALICE, "INBOX").stream().map(m -> m.uid().value()).toList());
        assertEquals(List.of(java.util.Set.of("\\Draft")),
                server.messages(ImapTestServer.ALICE, "Drafts").stream().map(MessageMeta::flags).toList());
    }

    @Test
    void pythonImaplibSharesAFolderWithAcl() throws Exception {
        // imaplib's own ACL and NAMESPACE calls (RFC 4314, RFC 2342): alice shares Archive with bob, bob reads it
        String script = """
                import imaplib, ssl, sys
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                a = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
                a.login("alice@example.test", "alice-password")
                print("append", a.append("Archive", None, None, b"Subject: shared\\r\\n\\r\\nfor bob\\r\\n")[0])
                print("setacl", a.setacl("Archive", "bob@example.test", "lrs"))
                print("getacl", a.getacl("Archive"))
                b = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
                b.login("bob@example.test", "bob-password")
                print("namespace", b.namespace())
                print("list", b.list('"Other Users/"', "*"))
                box = '"Other Users/alice@example.test/Archive"'
                print("myrights", b.myrights(box))
                print("select", b.select(box))
                typ, data = b.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                print("fetch", data[0][1])
                print("store", b.store("1", "+FLAGS", "(\\\\Flagged)"))
                print("inbox", b.select('"Other Users/alice@example.test/INBOX"'))
                b.logout(); a.logout()
                """;
        String out = Processes.run(tmp, "python3", "-c", script, Integer.toString(server.port("imaps")));
        assertTrue(out.contains("setacl ('OK', [b'SETACL completed'])"), out);
        assertTrue(out.contains("getacl ('OK', [b'Archive alice@example.test lrswipkxteancd bob@example.test lrs'])"), out);
        assertTrue(out.contains("namespace ('OK', [b'((\"\" \"/\")) ((\"Other Users/\" \"/\")) NIL'])"), out);
        assertTrue(out.contains("b'(\\\\HasNoChildren) \"/\" \"Other Users/alice@example.test/Archive\"'"), out);
        assertTrue(out.contains("myrights ('OK', [b'\"Other Users/alice@example.test/Archive\" lrs'])"), out);
        assertTrue(out.contains("select ('OK', [b'1'])"), out);
        assertTrue(out.contains("fetch b'Subject: shared\\r\\n\\r\\n'"), out);
        assertTrue(out.contains("store ('NO', [b'[NOPERM]"), "bob may not set \\Flagged with lrs: " + out);
        assertTrue(out.contains("inbox ('NO', [b'[NONEXISTENT] No such mailbox'])"), "alice's INBOX is not shared: " + out);
    }

    @Test
    void mbsyncTwoWaySync() throws Exception {
        Path mail = Files.createDirectory(tmp.resolve("mail"));
        Path rc = tmp.resolve("mbsyncrc");
        Files.writeString(rc, """
                IMAPAccount tegami
                Host 127.0.0.1
                Port %d
                User alice@example.test
                Pass alice-password
                SSLType IMAPS
                CertificateFile %s
                AuthMechs LOGIN PLAIN

                IMAPStore remote
                Account tegami

                MaildirStore local
                Path %s/
                Inbox %s/INBOX
                SubFolders Verbatim

                Channel sync
                Far :remote:
                Near :local:
                Patterns *
                Create Both
                Expunge Both
                SyncState *
                """.formatted(server.port("imaps"), tmp.resolve("tls").resolve("tls").resolve("selfsigned-cert.pem"),
                mail, mail));
        // pull
        Processes.run(tmp, "mbsync", "-c", rc.toString(), "-a");
        List<Path> local = maildir(mail.resolve("INBOX"));
        assertEquals(3, local.size(), "pulled the three messages: " + local);
        assertTrue(Files.isDirectory(mail.resolve("Archive")), "folders created locally");

        // local changes: mark one seen, delete another, add a new message to Archive
        Path lunch = local.stream().filter(f -> read(f).contains("Subject: Lunch")).findFirst().orElseThrow();
        Path report = local.stream().filter(f -> read(f).contains("Subject: Report")).findFirst().orElseThrow();
        Files.move(lunch, lunch.resolveSibling("../cur/" + lunch.getFileName().toString().split(":")[0] + ":2,S").normalize());
        Files.delete(report);
        Files.writeString(mail.resolve("Archive/new/1700000000.local.host"), "Subject: pushed\r\n\r\nfrom the maildir\r\n");
        // remote change: flag the second message
        var inbox = server.store().mail().mailbox(server.account(ImapTestServer.ALICE).id(), "INBOX").orElseThrow();
        server.store().mail().setFlags(inbox.id(), java.util.Set.of(new org.tegami.store.Uid(2)),
                org.tegami.store.MailStore.FlagMode.ADD, java.util.Set.of("\\Flagged"), java.util.Optional.empty());

        Processes.run(tmp, "mbsync", "-c", rc.toString(), "-a");
        List<MessageMeta> remote = server.messages(ImapTestServer.ALICE, "INBOX");
        assertEquals(List.of(1L, 2L), remote.stream().map(m -> m.uid().value()).toList(), "the deleted one was expunged");
        assertTrue(remote.get(0).flags().contains("\\Seen"), "\\Seen pushed: " + remote.get(0).flags());
        assertEquals(List.of("pushed"), server.messages(ImapTestServer.ALICE, "Archive").stream().map(this::subject).toList());
        Path gruss = maildir(mail.resolve("INBOX")).stream().filter(f -> read(f).contains("Gr=C3=BC")).findFirst().orElseThrow();
        assertTrue(gruss.getFileName().toString().endsWith(",F"), "\\Flagged pulled: " + gruss);
    }

    private static List<Path> maildir(Path dir) throws IOException {
        try (Stream<Path> a = Files.list(dir.resolve("cur")); Stream<Path> b = Files.list(dir.resolve("new"))) {
            return Stream.concat(a, b).toList();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
