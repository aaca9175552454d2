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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.core.TegamiException;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.S3TestServer;
import org.tegami.testkit.TestTls;

/**
 * The whole server with {@code [blobs] kind = "s3"} against a real S3-compatible server on loopback: a large
 * message received over SMTP is an object in the bucket, reads back whole and in part over IMAP, and is deleted
 * from the bucket once expunged and collected.
 */
class S3BlobsServerTest {
    @TempDir
    Path dir;

    private static String blobsToml(S3TestServer s3, String bucket) {
        return "[inbound]\nverify = false\n[blobs]\nkind = \"s3\"\nendpoint = \"" + s3.endpoint() + "\"\nbucket = \"" + bucket
                + "\"\nregion = \"us-east-1\"\naccess_key = \"" + S3TestServer.ACCESS_KEY + "\"\nsecret_key = \""
                + S3TestServer.SECRET_KEY + "\"\npath_style = true\n";
    }

    @Test
    void largeMessageGoesToTheBucketReadsBackInPartsAndIsCollected() throws Exception {
        S3TestServer s3 = S3TestServer.get();
        String bucket = s3.newBucket();
        Path f = TestConfigs.write(dir, Set.of("smtp", "imaps"), blobsToml(s3, bucket));
        // about 6 MiB of distinct lines, so that a range at a wrong offset cannot match
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < 6 * 1024 * 1024; i++) body.append(String.format("line %08d of the large message%n", i).replace("\n", "\r\n"));
        byte[] message = ("From: <bob@example.org>\r\nTo: <alice@example.test>\r\nSubject: large\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
            server.store().accounts().addDomain("example.test");
            server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                    new PasswordHasher().hash("alice-password".toCharArray()));
            assertEquals(List.of(), s3.keys(bucket));

            smtp(server.port("smtp"), message);

            var account = server.store().accounts().user(EmailAddress.parse("alice@example.test").orElseThrow()).orElseThrow();
            var inbox = server.store().mail().mailbox(account.id(), "INBOX").orElseThrow();
            String hex = server.store().mail().messages(inbox.id()).getFirst().blob().hex();
            assertEquals(List.of("blobs/" + hex.substring(0, 2) + "/" + hex.substring(2)), s3.keys(bucket), "the blob is an object");
            assertTrue(Files.notExists(dir.resolve("d/blobs")) || isEmpty(dir.resolve("d/blobs")), "and not a file");

            try (SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                    .createSocket("127.0.0.1", server.port("imaps"))) {
                s.setSoTimeout(30_000);
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                assertTrue(line(in).startsWith("* OK"));
                assertTrue(command(in, out, "a1 LOGIN alice@example.test alice-password").startsWith("a1 OK"));
                assertEquals("a2 OK [READ-WRITE] SELECT completed", command(in, out, "a2 SELECT INBOX"));

                send(out, "a3 FETCH 1 BODY.PEEK[]");
                byte[] whole = literal(in, "* 1 FETCH (BODY[] {");
                assertEquals(")", line(in));
                assertEquals("a3 OK FETCH completed", line(in));
                // what was sent, after the header fields the server put in front (Received, ...)
                assertArrayEquals(message, Arrays.copyOfRange(whole, whole.length - message.length, whole.length));

                send(out, "a4 FETCH 1 (RFC822.SIZE BODY.PEEK[]<5000000.100>)");
                String head = "* 1 FETCH (RFC822.SIZE " + whole.length + " BODY[]<5000000> {";
                byte[] part = literal(in, head);
                assertEquals(")", line(in));
                assertEquals("a4 OK FETCH completed", line(in));
                assertArrayEquals(Arrays.copyOfRange(whole, 5_000_000, 5_000_100), part);

                // a range that runs past the end stops there; one that starts past it is empty (RFC 9051 §6.4.5)
                send(out, "a5 FETCH 1 BODY.PEEK[]<" + (whole.length - 10) + ".100>");
                assertArrayEquals(Arrays.copyOfRange(whole, whole.length - 10, whole.length),
                        literal(in, "* 1 FETCH (BODY[]<" + (whole.length - 10) + "> {"));
                assertEquals(")", line(in));
                assertEquals("a5 OK FETCH completed", line(in));
                send(out, "a6 FETCH 1 BODY.PEEK[]<" + (whole.length + 5) + ".100>");
                assertEquals(0, literal(in, "* 1 FETCH (BODY[]<" + (whole.length + 5) + "> {").length);
                assertEquals(")", line(in));
                assertEquals("a6 OK FETCH completed", line(in));

                assertEquals("a7 OK STORE completed", command(in, out, "a7 STORE 1 +FLAGS.SILENT (\\Deleted)"));
                assertEquals("a8 OK EXPUNGE completed", command(in, out, "a8 EXPUNGE"));
                command(in, out, "a9 LOGOUT");
            }
            assertEquals(1, server.store().blobs().collect());
            assertEquals(List.of(), s3.keys(bucket), "collected: the object is gone from the bucket");
        }
    }

    @Test
    void aMissingBucketStopsTheServerWithHowToFixIt() throws Exception {
        S3TestServer s3 = S3TestServer.get();
        Path f = TestConfigs.write(dir, Set.of("smtp"), blobsToml(s3, "no-such-bucket"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(TegamiException.class,
                () -> TegamiServer.start(ConfigLoader.load(f), InstantSource.system()).close());
        assertTrue(e.getMessage().startsWith("[blobs] the S3 bucket \"no-such-bucket\" does not exist at " + s3.endpoint()
                + ": create it"), e.getMessage());
        assertTrue(!e.getMessage().contains(S3TestServer.SECRET_KEY), "the secret is never shown");
    }

    private static boolean isEmpty(Path d) throws IOException {
        try (var files = Files.walk(d)) {
            return files.noneMatch(Files::isRegularFile);
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
            assertTrue(reply(in).startsWith("250 "));
            send(out, "RCPT TO:<alice@example.test>");
            assertEquals("250 2.1.5 Recipient OK", reply(in));
            send(out, "DATA");
            assertTrue(reply(in).startsWith("354 "));
            out.write(message); // no line starts with a dot: no stuffing needed
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

    /** Sends a command and returns its tagged response line, skipping untagged ones. */
    private static String command(InputStream in, OutputStream out, String line) throws IOException {
        send(out, line);
        String tag = line.substring(0, line.indexOf(' ') + 1);
        String r;
        do {
            r = line(in);
        } while (!r.startsWith(tag));
        return r;
    }

    /** Reads a line that must be {@code head} + {@code n}} and then the n bytes of the literal. */
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
