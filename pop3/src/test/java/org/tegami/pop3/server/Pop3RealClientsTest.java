package org.tegami.pop3.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.Processes;

/** Real POP3 clients against a live server: Angus Mail (995 and STLS on 110), Python's poplib, fetchmail. */
class Pop3RealClientsTest {
    @TempDir
    Path tmp;
    private Pop3TestServer server;

    @BeforeEach
    void start() throws IOException {
        server = new Pop3TestServer(Files.createDirectory(tmp.resolve("data")), tmp.resolve("tls"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private int port(String name) {
        return server.ports().get(name).getPort();
    }

    private List<String> angusSubjects(String protocol, Properties p) throws Exception {
        p.put("mail." + protocol + ".ssl.trust", "*");
        p.put("mail." + protocol + ".ssl.checkserveridentity", "false");
        p.put("mail." + protocol + ".connectiontimeout", "5000");
        p.put("mail." + protocol + ".timeout", "5000");
        Store store = Session.getInstance(p).getStore(protocol);
        store.connect("127.0.0.1", port(protocol), Pop3TestServer.ALICE, Pop3TestServer.ALICE_PASSWORD);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            List<String> subjects = Stream.of(inbox.getMessages()).map(m -> {
                try {
                    return m.getSubject() + "/" + m.getSize();
                } catch (jakarta.mail.MessagingException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
            Message first = inbox.getMessage(1);
            assertEquals("Hello\r\n.dot line\r\n", new String(first.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            inbox.close(false);
            return subjects;
        } finally {
            store.close();
        }
    }

    @Test
    void angusOverImplicitTls() throws Exception {
        assertEquals(List.of("one/18", "two/21"), angusSubjects("pop3s", new Properties()));
    }

    @Test
    void angusOverStls() throws Exception {
        Properties p = new Properties();
        p.put("mail.pop3.starttls.enable", "true");
        p.put("mail.pop3.starttls.required", "true");
        assertEquals(List.of("one/18", "two/21"), angusSubjects("pop3", p));
    }

    @Test
    void pythonPoplibStlsDeletesAtQuit() throws Exception {
        String script = """
                import poplib, ssl, sys
                ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
                p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
                p.stls(context=ctx)
                p.user("alice@example.test"); p.pass_("alice-password")
                print(p.stat())
                print(p.retr(2)[1])
                p.dele(1)
                print(p.quit())
                """;
        String out = Processes.run(tmp, "python3", "-c", script, Integer.toString(port("pop3")));
        assertTrue(out.contains("(2, 92)"), out);
        assertTrue(out.contains("[b'Subject: two', b'', b'line1', b'line2', b'line3']"), out);
        assertEquals(List.of(2L), server.inbox(Pop3TestServer.ALICE).stream().map(m -> m.uid().value()).toList());
    }

    @Test
    void fetchmailKeepThenDeleteMode() throws Exception {
        Path out = Files.createDirectory(tmp.resolve("out"));
        Path mda = tmp.resolve("mda.sh");
        Files.writeString(mda, "#!/bin/sh\ncat > \"" + out + "/msg.$$\"\n");
        mda.toFile().setExecutable(true);
        String common = "poll 127.0.0.1 with proto POP3 service " + port("pop3s") + "\n"
                + "  user \"alice@example.test\" there with password \"alice-password\" is \"" + System.getProperty("user.name")
                + "\" here\n  options ssl no sslcertck mda \"" + mda + "\"";
        for (String mode : new String[] {"keep", "fetchall"}) {
            Path rc = tmp.resolve("fetchmailrc-" + mode);
            Files.writeString(rc, "set no bouncemail\n" + common + " " + mode + "\n");
            Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
            Processes.run(tmp, "fetchmail", "-f", rc.toString(), "--idfile", tmp.resolve("ids").toString(),
                    "--pidfile", tmp.resolve("pid").toString(), "--nodetach", "--nosyslog");
            if (mode.equals("keep")) {
                assertEquals(2, server.inbox(Pop3TestServer.ALICE).size(), "keep mode leaves the mail on the server");
            }
        }
        assertEquals(0, server.inbox(Pop3TestServer.ALICE).size(), "delete mode removes it at QUIT");
        try (Stream<Path> files = Files.list(out)) {
            List<String> got = files.map(f -> {
                try {
                    return Files.readString(f);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
            assertEquals(4, got.size(), "two messages fetched in each mode");
            assertTrue(got.stream().anyMatch(s -> s.contains("Subject: one") && s.contains(".dot line")), got.toString());
        }
    }
}
