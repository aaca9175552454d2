package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.AccountId;
import org.tegami.store.ClassifierStore;

/**
 * The classifier learns from what a user does over IMAP: spam moved into Junk and ham archived out of the INBOX
 * teach alice's model; then new, similar spam arriving on port 25 lands in Junk with the verdict header, and ham in
 * the INBOX (ADR 0008).
 */
class SpamLearningTest {
    @TempDir
    Path dir;

    private static final String[] SPAM_WORDS = {"cheap", "pills", "discount", "pharmacy", "viagra", "offer", "winner",
            "casino", "bonus", "unsubscribe", "limited", "click"};
    private static final String[] HAM_WORDS = {"meeting", "agenda", "project", "budget", "review", "thursday", "notes",
            "quarterly", "draft", "schedule", "minutes", "team"};

    private static String text(String[] words, int i) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < 40; k++) sb.append(words[(i * 7 + k * 5) % words.length]).append(k % 9 == 8 ? ".\n" : " ");
        return sb.toString();
    }

    private static void send(Session smtp, String from, String subject, String body) throws Exception {
        MimeMessage m = new MimeMessage(smtp);
        m.setFrom(new InternetAddress(from));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("alice@example.test"));
        m.setSubject(subject);
        m.setText(body);
        Transport.send(m);
    }

    private static void spam(Session smtp, int i) throws Exception {
        send(smtp, "deals" + i + "@offers.example", "Cheap pills discount " + i,
                text(SPAM_WORDS, i) + "\nhttp://pills" + i + ".shop.example/buy\n");
    }

    private static void ham(Session smtp, int i) throws Exception {
        send(smtp, "bob@example.org", "Project meeting notes " + i, "Hi Alice,\n" + text(HAM_WORDS, i) + "\nBob\n");
    }

    @Test
    void spamMovedToJunkTeachesTheFilterAndNewSpamLandsInJunk() throws Exception {
        Path f = dir.resolve("tegami.toml");
        Files.writeString(f, """
                hostname = "mail.example.test"
                data_dir = "d"
                [listen]
                smtp = ["127.0.0.1:0"]
                submission = []
                submissions = []
                pop3 = []
                pop3s = []
                imap = ["127.0.0.1:0"]
                imaps = []
                [spam]
                junk_score = 0.9
                learning = true
                [inbound]
                verify = false
                """);
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
            server.store().accounts().addDomain("example.test");
            AccountId alice = server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                    new PasswordHasher().hash("alice-password".toCharArray())).id();
            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", Integer.toString(server.port("smtp")));
            Session smtp = Session.getInstance(p);
            for (int i = 0; i < 8; i++) {
                spam(smtp, i);
                ham(smtp, i);
            }
            Properties ip = new Properties();
            ip.put("mail.imap.starttls.enable", "true");
            ip.put("mail.imap.starttls.required", "true");
            ip.put("mail.imap.ssl.trust", "*");
            ip.put("mail.imap.ssl.checkserveridentity", "false");
            Store imap = Session.getInstance(ip).getStore("imap");
            imap.connect("127.0.0.1", server.port("imap"), "alice@example.test", "alice-password");
            try {
                Folder inbox = imap.getFolder("INBOX");
                inbox.open(Folder.READ_WRITE);
                Message[] all = inbox.getMessages();
                assertEquals(16, all.length, "nothing learned yet: everything in the INBOX");
                assertEquals(null, all[0].getHeader("X-Spam-Status"), "no model, no verdict");
                java.util.List<Message> spam = new java.util.ArrayList<>();
                java.util.List<Message> ham = new java.util.ArrayList<>();
                for (Message m : all) (m.getSubject().startsWith("Cheap") ? spam : ham).add(m);
                // the user's junk button: spam into Junk; read ham is archived
                inbox.copyMessages(spam.toArray(Message[]::new), imap.getFolder("Junk"));
                inbox.copyMessages(ham.toArray(Message[]::new), imap.getFolder("Archive"));
                inbox.setFlags(all, new Flags(Flags.Flag.DELETED), true);
                inbox.expunge();
                inbox.close(false);

                long deadline = System.nanoTime() + 30_000_000_000L;
                ClassifierStore.Totals t;
                do {
                    Thread.sleep(100);
                    t = server.store().classifier().totals(Optional.of(alice));
                } while ((t.spam() < 8 || t.ham() < 8) && System.nanoTime() < deadline);
                assertEquals(new ClassifierStore.Totals(8, 8), t, "learned in the background, each message once");

                spam(smtp, 100);
                ham(smtp, 100);

                Folder junk = imap.getFolder("Junk");
                junk.open(Folder.READ_ONLY);
                assertEquals(9, junk.getMessageCount());
                Message newSpam = junk.getMessage(9);
                assertEquals("Cheap pills discount 100", newSpam.getSubject());
                String status = newSpam.getHeader("X-Spam-Status")[0];
                assertTrue(status.startsWith("Yes, score="), status);
                assertTrue(status.contains("model=user"), status);
                assertTrue(newSpam.getFlags().contains("$Junk"));
                // RFC822.SIZE counts the prefix: it is the number of bytes a full fetch returns
                java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
                newSpam.writeTo(raw);
                assertEquals(raw.size(), newSpam.getSize());
                assertTrue(raw.toString(java.nio.charset.StandardCharsets.UTF_8).startsWith("X-Spam-Status: Yes"));
                junk.close(false);

                inbox = imap.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                assertEquals(1, inbox.getMessageCount(), "the new ham stays in the INBOX");
                assertEquals("Project meeting notes 100", inbox.getMessage(1).getSubject());
                assertTrue(inbox.getMessage(1).getHeader("X-Spam-Status")[0].startsWith("No, score="));
                inbox.close(false);

                // moving a message out of Junk reverses its verdict: unlearned as spam, learned as ham
                junk.open(Folder.READ_WRITE);
                junk.copyMessages(new Message[] {junk.getMessage(1)}, imap.getFolder("INBOX"));
                junk.close(false);
                deadline = System.nanoTime() + 30_000_000_000L;
                do {
                    Thread.sleep(100);
                    t = server.store().classifier().totals(Optional.of(alice));
                } while (t.ham() < 9 && System.nanoTime() < deadline);
                assertEquals(new ClassifierStore.Totals(7, 9), t);
            } finally {
                imap.close();
            }
        }
    }
}
