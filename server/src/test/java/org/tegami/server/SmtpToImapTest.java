package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;

/** The whole server: mail received on 25 and submitted on 587 is read back over IMAP on 993 and 143. */
class SmtpToImapTest {
    @TempDir
    Path dir;

    @Test
    void mailFromPort25And587AppearsInImap() throws Exception {
        Path f = dir.resolve("tegami.toml");
        Files.writeString(f, """
                hostname = "mail.example.test"
                data_dir = "d"
                [listen]
                smtp = ["127.0.0.1:0"]
                submission = ["127.0.0.1:0"]
                submissions = []
                pop3 = []
                pop3s = []
                imap = ["127.0.0.1:0"]
                imaps = ["127.0.0.1:0"]
                managesieve = []
                metrics = []
                """);
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
            server.store().accounts().addDomain("example.test");
            server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                    new PasswordHasher().hash("alice-password".toCharArray()));

            Properties p = new Properties();
            p.put("mail.smtp.host", "127.0.0.1");
            p.put("mail.smtp.port", Integer.toString(server.port("smtp")));
            Session inbound = Session.getInstance(p);
            MimeMessage m = new MimeMessage(inbound);
            m.setFrom(new InternetAddress("bob@example.org"));
            m.setRecipient(Message.RecipientType.TO, new InternetAddress("alice@example.test"));
            m.setSubject("from the internet");
            m.setText("hello over port 25");
            Transport.send(m);

            Properties s = new Properties();
            s.put("mail.smtp.host", "127.0.0.1");
            s.put("mail.smtp.port", Integer.toString(server.port("submission")));
            s.put("mail.smtp.auth", "true");
            s.put("mail.smtp.starttls.enable", "true");
            s.put("mail.smtp.starttls.required", "true");
            s.put("mail.smtp.ssl.trust", "*");
            s.put("mail.smtp.ssl.checkserveridentity", "false");
            Session submission = Session.getInstance(s);
            MimeMessage own = new MimeMessage(submission);
            own.setFrom(new InternetAddress("alice@example.test"));
            own.setRecipient(Message.RecipientType.TO, new InternetAddress("alice@example.test"));
            own.setSubject("note to self");
            own.setText("hello over port 587");
            Transport.send(own, "alice@example.test", "alice-password");

            for (String protocol : new String[] {"imaps", "imap"}) {
                Properties i = new Properties();
                i.put("mail." + protocol + ".ssl.trust", "*");
                i.put("mail." + protocol + ".ssl.checkserveridentity", "false");
                i.put("mail.imap.starttls.enable", "true");
                i.put("mail.imap.starttls.required", "true");
                Store store = Session.getInstance(i).getStore(protocol);
                store.connect("127.0.0.1", server.port(protocol), "alice@example.test", "alice-password");
                try {
                    Folder inbox = store.getFolder("INBOX");
                    inbox.open(Folder.READ_ONLY);
                    assertEquals(2, inbox.getMessageCount(), protocol);
                    assertEquals("from the internet", inbox.getMessage(1).getSubject());
                    assertEquals("hello over port 25", ((String) inbox.getMessage(1).getContent()).trim());
                    assertTrue(inbox.getMessage(1).getHeader("Received")[0].contains("mail.example.test"));
                    assertEquals("note to self", inbox.getMessage(2).getSubject());
                    assertEquals("hello over port 587", ((String) inbox.getMessage(2).getContent()).trim());
                    inbox.close(false);
                } finally {
                    store.close();
                }
            }
        }
    }

    /** Reads one (possibly multi-line) SMTP reply and returns its last line. */
    private static String reply(java.io.BufferedReader in) throws java.io.IOException {
        String line;
        do {
            line = in.readLine();
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    @Test
    void quotaIsEnforcedAtRcptAndAtTheEndOfData() throws Exception {
        Path f = TestConfigs.write(dir, java.util.Set.of("smtp"), "");
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
            server.store().accounts().addDomain("example.test");
            var alice = server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(), "x");
            server.store().accounts().setQuota(alice.id(), java.util.OptionalLong.of(2), java.util.OptionalLong.of(1));
            try (var sock = new java.net.Socket("127.0.0.1", server.port("smtp"))) {
                sock.setSoTimeout(5000);
                var in = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream(),
                        java.nio.charset.StandardCharsets.US_ASCII));
                var out = sock.getOutputStream();
                reply(in);
                java.util.function.Function<String, String> cmd = line -> {
                    try {
                        out.write((line + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        out.flush();
                        return reply(in);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                };
                cmd.apply("EHLO client.test");
                cmd.apply("MAIL FROM:<bob@example.org>");
                assertEquals("250 2.1.5 Recipient OK", cmd.apply("RCPT TO:<alice@example.test>"));
                cmd.apply("DATA");
                // 3 KiB: more than the 2 KiB storage quota, which only the end of DATA can know
                assertEquals("552 5.2.2 Mailbox full: this message exceeds the recipient's quota",
                        cmd.apply("Subject: big\r\n\r\n" + ("x".repeat(70) + "\r\n").repeat(45) + "."));
                cmd.apply("MAIL FROM:<bob@example.org>");
                cmd.apply("RCPT TO:<alice@example.test>");
                cmd.apply("DATA");
                assertTrue(cmd.apply("Subject: small\r\n\r\nhi\r\n.").startsWith("250 2.0.0 OK"));
                cmd.apply("MAIL FROM:<bob@example.org>");
                // the 1-message quota is now reached: refused at RCPT, temporarily
                assertEquals("452 4.2.2 Mailbox full, try again later", cmd.apply("RCPT TO:<alice@example.test>"));
            }
            assertEquals(1, server.store().accounts().quota(alice.id()).orElseThrow().usedMessages());
        }
    }
}
