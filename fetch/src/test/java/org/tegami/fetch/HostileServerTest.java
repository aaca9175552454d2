package org.tegami.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.delivery.InboundPipeline;
import org.tegami.fetch.proto.FetchProtocolException;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.FetchSourceStore;
import org.tegami.store.FetchSourceStore.Source;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;

/**
 * The fetcher against servers that misbehave on purpose (a stranger's server is untrusted input): endless lines,
 * literals and messages past the size limit end the poll with a clear error, promptly, nothing stored and the seen
 * state not advanced. Plain sockets: the TLS part is FetchTest's.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostileServerTest {
    @TempDir
    Path dir;
    private Store store;
    private Account alice;
    private ServerSocket server;
    private Thread serving;

    @BeforeEach
    void open() throws Exception {
        store = EmbeddedStore.open(dir, InstantSource.system());
        store.accounts().addDomain("a.test");
        alice = store.accounts().addUser(EmailAddress.parse("alice@a.test").orElseThrow(), "$argon2id$test");
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws Exception {
        server.close();
        if (serving != null) serving.join(5000);
        store.close();
    }

    /** Serves one connection: the greeting, then for each client line what {@code answer} says (raw bytes). */
    private void serve(String greeting, Function<String, String> answer) {
        serving = Thread.ofVirtual().start(() -> {
            try (Socket s = server.accept()) {
                OutputStream out = s.getOutputStream();
                out.write(greeting.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                String line;
                while ((line = in.readLine()) != null) {
                    String a = answer.apply(line);
                    if (a == null) return;
                    out.write(a.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (Exception ignored) {
                // the client hung up on us, as it should
            }
        });
    }

    private Source source(FetchSourceStore.Protocol p) {
        return source(p, false);
    }

    private Source source(FetchSourceStore.Protocol p, boolean startTls) {
        return store.fetchSources().add(new FetchSourceStore.NewSource(alice.id(), p, "localhost", server.getLocalPort(), "alice",
                p == FetchSourceStore.Protocol.IMAP ? "INBOX" : "", true, startTls), java.time.Instant.now(), id -> new byte[] {0});
    }

    private MessageIntake intake() {
        return new MessageIntake(store, InboundPipeline.direct(), new org.tegami.delivery.LocalDelivery(store, null,
                a -> java.util.Set.of(), d -> false, InstantSource.system()), "mail.a.test", 1000, InstantSource.system());
    }

    private Wire connect() throws Exception {
        return Wire.connect("localhost", server.getLocalPort(), false, null);
    }

    private int stored() {
        var inbox = store.mail().mailbox(alice.id(), "INBOX").orElseThrow();
        return store.mail().messages(inbox.id()).size();
    }

    /** A scripted IMAP server up to the point where it offers message 1 (UID 7, announced as {@code size}). */
    private static Function<String, String> imap(long size, String body) {
        return line -> {
            String tag = line.substring(0, line.indexOf(' '));
            String cmd = line.substring(tag.length() + 1).toUpperCase(java.util.Locale.ROOT);
            if (cmd.startsWith("LOGIN")) return tag + " OK logged in\r\n";
            if (cmd.startsWith("CAPABILITY")) return "* CAPABILITY IMAP4rev1 UIDPLUS\r\n" + tag + " OK\r\n";
            if (cmd.startsWith("SELECT")) return "* 1 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n" + tag + " OK [READ-WRITE] selected\r\n";
            if (cmd.startsWith("UID FETCH 1:*")) return "* 1 FETCH (UID 7 RFC822.SIZE " + size + ")\r\n" + tag + " OK\r\n";
            if (cmd.startsWith("UID FETCH 7")) return body;
            if (cmd.startsWith("LOGOUT")) return "* BYE\r\n" + tag + " OK\r\n";
            return tag + " BAD what\r\n";
        };
    }

    @Test
    void noStartTlsNoPassword() throws Exception {
        var heard = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        serve("* OK hi\r\n", line -> {
            heard.add(line);
            return line.substring(0, line.indexOf(' ')) + " BAD STARTTLS unknown\r\n";
        });
        Source s = source(FetchSourceStore.Protocol.IMAP, true);
        try (Wire w = connect()) {
            FetchException e = assertThrows(FetchException.class, () -> new ImapFetch(w, store.fetchSources(), intake(), s, null).run("pw"));
            assertEquals("the IMAP server does not offer STARTTLS (STARTTLS unknown); not logging in without TLS", e.getMessage());
        }
        serving.join(5000);
        assertEquals(List.of("f1 STARTTLS"), List.copyOf(heard), "the password never went out");

        server.close();
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        heard.clear();
        serve("+OK hi\r\n", line -> {
            heard.add(line);
            return "-ERR no\r\n";
        });
        Source p = source(FetchSourceStore.Protocol.POP3, true);
        try (Wire w = connect()) {
            FetchException e = assertThrows(FetchException.class, () -> new Pop3Fetch(w, store.fetchSources(), intake(), p, null).run("pw"));
            assertEquals("the POP3 server does not offer STLS (-ERR no); not logging in without TLS", e.getMessage());
        }
        serving.join(5000);
        assertEquals(List.of("STLS"), List.copyOf(heard));
    }

    @Test
    void dataPipelinedBeforeTheHandshakeIsRefused() throws Exception {
        // the answer to STARTTLS and, behind it in the same write, a forged capability line (CVE-2011-0411 class)
        serve("* OK hi\r\n", line -> line.substring(0, line.indexOf(' ')) + " OK begin TLS\r\n* CAPABILITY IMAP4rev1 FORGED\r\n");
        Source s = source(FetchSourceStore.Protocol.IMAP, true);
        try (Wire w = connect()) {
            FetchException e = assertThrows(FetchException.class, () -> new ImapFetch(w, store.fetchSources(), intake(), s,
                    javax.net.ssl.SSLContext.getDefault()).run("pw"));
            assertEquals("the server sent data before the TLS handshake", e.getMessage());
        }
    }

    @Test
    void anEndlessLineEndsThePoll() throws Exception {
        serve("* OK " + "A".repeat(200_000), l -> null);
        Source s = source(FetchSourceStore.Protocol.IMAP);
        try (Wire w = connect()) {
            FetchProtocolException e = assertThrows(FetchProtocolException.class,
                    () -> new ImapFetch(w, store.fetchSources(), intake(), s, null).run("pw"));
            assertEquals("a response line is longer than 65536 bytes", e.getMessage());
        }
    }

    @Test
    void aLiteralPastTheSizeLimitIsNotRead() throws Exception {
        // the listing said 10 bytes; the body then claims a gigabyte
        serve("* OK hi\r\n", imap(10, "* 1 FETCH (UID 7 BODY[] {1000000000}\r\n"));
        Source s = source(FetchSourceStore.Protocol.IMAP);
        try (Wire w = connect()) {
            FetchProtocolException e = assertThrows(FetchProtocolException.class,
                    () -> new ImapFetch(w, store.fetchSources(), intake(), s, null).run("pw"));
            assertTrue(e.getMessage().contains("over the size limit"), e.getMessage());
        }
        assertEquals(0, stored());
        assertEquals(Optional.of(new FetchSourceStore.ImapState(42, 0)), store.fetchSources().imapState(s.id()), "not advanced");
    }

    @Test
    void anAnnouncedBigMessageIsSkippedAndTheNextOneTaken() throws Exception {
        serve("* OK hi\r\n", imap(5000, "unused"));
        Source s = source(FetchSourceStore.Protocol.IMAP);
        try (Wire w = connect()) {
            String note = new ImapFetch(w, store.fetchSources(), intake(), s, null).run("pw");
            assertEquals("skipped UID 7 (5000 bytes, over the size limit)", note);
        }
        assertEquals(0, stored());
        assertEquals(Optional.of(new FetchSourceStore.ImapState(42, 7)), store.fetchSources().imapState(s.id()));
    }

    @Test
    void aBatchAdvancesTheSeenStateOnlyOverWhatWasStoredInOrder() throws Exception {
        String msg = "Subject: eight\r\n\r\nbody\r\n";
        serve("* OK hi\r\n", line -> {
            String tag = line.substring(0, line.indexOf(' '));
            String cmd = line.substring(tag.length() + 1);
            if (cmd.startsWith("LOGIN")) return tag + " OK\r\n";
            if (cmd.startsWith("CAPABILITY")) return "* CAPABILITY IMAP4rev1\r\n" + tag + " OK\r\n";
            if (cmd.startsWith("SELECT")) return "* 2 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n" + tag + " OK\r\n";
            if (cmd.startsWith("UID FETCH 1:*")) {
                return "* 1 FETCH (UID 7 RFC822.SIZE 20)\r\n* 2 FETCH (UID 8 RFC822.SIZE 27)\r\n" + tag + " OK\r\n";
            }
            // UID 7 is not sent (expunged meanwhile, or a faulty server); UID 8 names itself after its body
            if (cmd.equals("UID FETCH 7,8 (UID BODY.PEEK[])")) {
                return "* 2 FETCH (BODY[] {" + msg.length() + "}\r\n" + msg + " UID 8)\r\n" + tag + " OK\r\n";
            }
            if (cmd.startsWith("LOGOUT")) return "* BYE\r\n" + tag + " OK\r\n";
            return tag + " BAD " + cmd + "\r\n";
        });
        Source s = source(FetchSourceStore.Protocol.IMAP);
        try (Wire w = connect()) {
            assertEquals("", new ImapFetch(w, store.fetchSources(), intake(), s, null).run("pw"));
        }
        assertEquals(1, stored(), "UID 8 is stored");
        assertEquals(Optional.of(new FetchSourceStore.ImapState(42, 0)), store.fetchSources().imapState(s.id()),
                "not past UID 7, which never came: asked for again (UID 8 then comes twice, never is 7 lost)");
    }

    @Test
    void aPop3MessageLongerThanAnnouncedIsRefusedWhileItStreams() throws Exception {
        String big = "Subject: x\r\n\r\n" + "y".repeat(5000) + "\r\n.\r\n";
        serve("+OK hi\r\n", line -> switch (line.split(" ")[0]) {
            case "USER", "PASS" -> "+OK\r\n";
            case "UIDL" -> "+OK\r\n1 abc\r\n.\r\n";
            case "LIST" -> "+OK\r\n1 20\r\n.\r\n";
            case "RETR" -> "+OK\r\n" + big;
            default -> "+OK\r\n";
        });
        Source s = source(FetchSourceStore.Protocol.POP3);
        try (Wire w = connect()) {
            FetchException e = assertThrows(FetchException.class, () -> new Pop3Fetch(w, store.fetchSources(), intake(), s, null).run("pw"));
            assertEquals("message abc is larger than the server announced and over the size limit; skipped", e.getMessage());
        }
        assertEquals(0, stored());
        assertEquals(Set.of("abc"), store.fetchSources().pop3Seen(s.id()), "not asked for again");
    }

    @Test
    void aMalformedUidlListingIsAProtocolError() throws Exception {
        serve("+OK hi\r\n", line -> switch (line.split(" ")[0]) {
            case "USER", "PASS" -> "+OK\r\n";
            case "UIDL" -> "+OK\r\n1 ab\u0001c\r\n.\r\n";
            default -> "+OK\r\n";
        });
        Source s = source(FetchSourceStore.Protocol.POP3);
        try (Wire w = connect()) {
            FetchProtocolException e = assertThrows(FetchProtocolException.class,
                    () -> new Pop3Fetch(w, store.fetchSources(), intake(), s, null).run("pw"));
            assertEquals("malformed unique-id: 1 ab?c", e.getMessage());
        }
    }
}
