package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.S3TestServer;
import org.tegami.testkit.TestPostgres;
import org.tegami.testkit.TestTls;

/**
 * Two nodes on one PostgreSQL database and one S3 bucket (issue 18's shared setup), each with its own data directory
 * and listeners: a user added through node A's CLI logs in on node B; a message delivered over SMTP to node A wakes
 * the user's IDLE on node B within seconds, and node B reads its bytes from the bucket.
 */
class TwoNodesTest {
    @TempDir
    Path dir;

    @Test
    void mailDeliveredOnOneNodeWakesIdleOnTheOtherAndReadsFromTheBucket() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        S3TestServer s3 = S3TestServer.get();
        String bucket = s3.newBucket();
        String shared = "[inbound]\nverify = false\n[store]\nkind = \"postgresql\"\nurl = \"" + db.url() + "\"\nuser = \""
                + db.user() + "\"\npassword = \"" + db.password() + "\"\n[blobs]\nkind = \"s3\"\nendpoint = \"" + s3.endpoint()
                + "\"\nbucket = \"" + bucket + "\"\nregion = \"us-east-1\"\naccess_key = \"" + S3TestServer.ACCESS_KEY
                + "\"\nsecret_key = \"" + S3TestServer.SECRET_KEY + "\"\npath_style = true\n";
        Path a = TestConfigs.write(Files.createDirectory(dir.resolve("a")), Set.of("smtp"), shared);
        Path b = TestConfigs.write(Files.createDirectory(dir.resolve("b")), Set.of("imaps"), shared);
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < 300_000; i++) body.append(String.format("line %06d of a message for two nodes\r\n", i));
        byte[] message = ("From: <bob@example.org>\r\nTo: <alice@example.test>\r\nSubject: across nodes\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII); // above the inline limit: an object in the bucket
        try (TegamiServer nodeA = TegamiServer.start(ConfigLoader.load(a), InstantSource.system());
             TegamiServer nodeB = TegamiServer.start(ConfigLoader.load(b), InstantSource.system())) {
            assertEquals(0, org.tegami.server.cli.Cli.commandLine(new Main()).execute("domain", "add", "example.test", "--config", a.toString()));
            var cl = org.tegami.server.cli.Cli.commandLine(new Main());
            java.io.InputStream stdin = System.in;
            try {
                System.setIn(new java.io.ByteArrayInputStream("alice-password\n".getBytes(StandardCharsets.UTF_8)));
                assertEquals(0, cl.execute("user", "add", "alice@example.test", "--password-stdin", "--config", a.toString()));
            } finally {
                System.setIn(stdin);
            }
            assertTrue(nodeB.store().accounts().user(EmailAddress.parse("alice@example.test").orElseThrow()).isPresent(),
                    "node B sees the account node A's CLI added");

            try (SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                    .createSocket("127.0.0.1", nodeB.port("imaps"))) {
                s.setSoTimeout(30_000);
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                assertTrue(line(in).startsWith("* OK"));
                assertTrue(command(in, out, "a1 LOGIN alice@example.test alice-password").startsWith("a1 OK"));
                assertEquals("a2 OK [READ-WRITE] SELECT completed", command(in, out, "a2 SELECT INBOX"));
                send(out, "a3 IDLE");
                assertEquals("+ idling", line(in));

                long sent = System.nanoTime();
                smtp(nodeA.port("smtp"), message);
                s.setSoTimeout(5_000); // the issue asks for a second; a loaded test machine gets five
                assertEquals("* 1 EXISTS", line(in), "node B's IDLE learns of node A's delivery");
                long wokeMillis = (System.nanoTime() - sent) / 1_000_000;
                System.out.println("TwoNodesTest: IDLE on node B woke " + wokeMillis + " ms after node A's SMTP transaction began");
                s.setSoTimeout(30_000);
                send(out, "DONE");
                String r;
                do {
                    r = line(in);
                } while (r.startsWith("* "));
                assertEquals("a3 OK IDLE terminated", r);

                send(out, "a4 FETCH 1 BODY.PEEK[]");
                byte[] whole = literal(in, "* 1 FETCH (BODY[] {");
                assertEquals(")", line(in));
                assertEquals("a4 OK FETCH completed", line(in));
                assertArrayEquals(message, Arrays.copyOfRange(whole, whole.length - message.length, whole.length),
                        "node B reads what node A received");
                command(in, out, "a5 LOGOUT");
            }
            var account = nodeB.store().accounts().user(EmailAddress.parse("alice@example.test").orElseThrow()).orElseThrow();
            var inbox = nodeB.store().mail().mailbox(account.id(), "INBOX").orElseThrow();
            String hex = nodeB.store().mail().messages(inbox.id()).getFirst().blob().hex();
            assertEquals(List.of("blobs/" + hex.substring(0, 2) + "/" + hex.substring(2)), s3.keys(bucket),
                    "the message's bytes are one object in the shared bucket");
            for (String node : List.of("a", "b")) {
                assertTrue(Files.notExists(dir.resolve(node).resolve("d/meta.db")), "no embedded store on node " + node);
            }
        }
    }

    private static void smtp(int port, byte[] message) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            assertTrue(reply(in).startsWith("220 "));
            send(out, "EHLO client.example.org");
            assertTrue(reply(in).startsWith("250 "));
            send(out, "MAIL FROM:<bob@example.org>");
            assertEquals("250 2.1.0 Sender OK", reply(in));
            send(out, "RCPT TO:<alice@example.test>");
            assertEquals("250 2.1.5 Recipient OK", reply(in));
            send(out, "DATA");
            assertTrue(reply(in).startsWith("354 "));
            out.write(message); // no line starts with a dot
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String ok = reply(in);
            assertTrue(ok.startsWith("250 2.0.0"), ok);
            send(out, "QUIT");
            reply(in);
        }
    }

    private static String reply(InputStream in) throws IOException {
        String l;
        do {
            l = line(in);
        } while (l.length() > 3 && l.charAt(3) == '-');
        return l;
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String command(InputStream in, OutputStream out, String line) throws IOException {
        send(out, line);
        String tag = line.substring(0, line.indexOf(' ') + 1);
        String r;
        do {
            r = line(in);
        } while (!r.startsWith(tag));
        return r;
    }

    private static byte[] literal(InputStream in, String head) throws IOException {
        String l = line(in);
        Matcher m = Pattern.compile(Pattern.quote(head) + "(\\d+)}").matcher(l);
        assertTrue(m.matches(), l);
        return in.readNBytes(Integer.parseInt(m.group(1)));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new IOException("connection closed after " + b);
            b.write(c);
        }
        String s = b.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
