package org.tegami.smtp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.smtp.server.SmtpTestServer.ALICE;
import static org.tegami.smtp.server.SmtpTestServer.ALICE_PASSWORD;
import static org.tegami.smtp.server.SmtpTestServer.BOB;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.MessageMeta;

/** Real SMTP clients against the server: Angus Mail (Jakarta Mail) and Python's smtplib. */
class RealClientsTest {

    @TempDir
    static Path dir;
    static SmtpTestServer server;

    @BeforeAll
    static void start() {
        server = new SmtpTestServer(dir.resolve("data"), dir.resolve("tls"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Session angus(String port, boolean implicitTls) {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", String.valueOf(server.port(port)));
        p.put("mail.smtp.localhost", "angus.example.test");
        p.put("mail.smtp.auth", "true");
        // Test use only: trust the self-signed certificate and ignore that it names mail.example.test, not 127.0.0.1.
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "5000");
        if (implicitTls) {
            p.put("mail.smtp.ssl.enable", "true");
        } else {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
        }
        return Session.getInstance(p);
    }

    private static MimeMessage message(Session session, String subject, String to) throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(ALICE));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
        m.setSubject(subject);
        m.setText("Sent by a real client.\n.leading dot survives\n");
        return m;
    }

    private static String bodyOfLastMessage(String user, String subject) {
        List<MessageMeta> inbox = server.inbox(user);
        for (MessageMeta m : inbox.reversed()) {
            String text = new String(server.blob(m), StandardCharsets.UTF_8);
            if (text.contains("\r\nSubject: " + subject + "\r\n")) {
                return text;
            }
        }
        throw new AssertionError("no message with subject " + subject + " in " + user + "'s INBOX (" + inbox.size() + " messages)");
    }

    @Test
    void angusSubmissionWithStartTlsAndAuth() throws Exception {
        Session s = angus("submission", false);
        Transport.send(message(s, "angus 587", BOB), ALICE, ALICE_PASSWORD);
        String text = bodyOfLastMessage(BOB, "angus 587");
        assertTrue(text.startsWith("Return-Path: <alice@example.test>\r\nReceived: from angus.example.test ([127.0.0.1])\r\n"
                + "\tby mail.example.test (Tegami) with ESMTPSA (TLSv1.3 "), text);
        assertTrue(text.contains("\r\n\r\nSent by a real client.\r\n.leading dot survives\r\n"), text);
    }

    @Test
    void angusSubmissionsOverImplicitTls() throws Exception {
        Session s = angus("submissions", true);
        Transport.send(message(s, "angus 465", ALICE), ALICE, ALICE_PASSWORD);
        String text = bodyOfLastMessage(ALICE, "angus 465");
        assertTrue(text.contains(" with ESMTPSA (TLSv1.3 "), text);
    }

    @Test
    void angusWrongPasswordIsRefused() {
        Session s = angus("submission", false);
        var e = assertThrows(AuthenticationFailedException.class,
                () -> Transport.send(message(s, "never", BOB), ALICE, "not-the-password"));
        assertTrue(String.valueOf(e.getMessage()).contains("535 5.7.8"), e.getMessage());
    }

    @Test
    void pythonSmtplibStartTlsLoginSendmail() throws Exception {
        String script = """
                import smtplib, ssl, sys
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="python.example.test", timeout=10) as s:
                    s.starttls(context=ctx)
                    s.login("alice@example.test", sys.argv[2])
                    refused = s.sendmail("alice@example.test", ["bob@example.test", "alice@example.test"],
                                         b"From: <alice@example.test>\\r\\nSubject: python smtplib\\r\\n\\r\\nHello from smtplib.\\r\\n")
                    print("refused", refused)
                """;
        Process p = new ProcessBuilder("python3", "-c", script, String.valueOf(server.port("submission")), ALICE_PASSWORD)
                .redirectErrorStream(true).start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertTrue(done, "python did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        assertEquals("refused {}\n", out);
        for (String user : List.of(ALICE, BOB)) {
            String text = bodyOfLastMessage(user, "python smtplib");
            assertTrue(text.startsWith("Return-Path: <alice@example.test>\r\nReceived: from python.example.test ([127.0.0.1])\r\n"), text);
            assertTrue(text.endsWith("\r\nFrom: <alice@example.test>\r\nSubject: python smtplib\r\n\r\nHello from smtplib.\r\n"), text);
        }
    }
}
