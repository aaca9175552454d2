package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.core.TegamiException;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.S3TestServer;

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

            Wire.smtp(server.port("smtp"), message);

            var account = server.store().accounts().user(EmailAddress.parse("alice@example.test").orElseThrow()).orElseThrow();
            var inbox = server.store().mail().mailbox(account.id(), "INBOX").orElseThrow();
            String hex = server.store().mail().messages(inbox.id()).getFirst().blob().hex();
            assertEquals(List.of("blobs/" + hex.substring(0, 2) + "/" + hex.substring(2)), s3.keys(bucket), "the blob is an object");
            assertTrue(Files.notExists(dir.resolve("d/blobs")) || isEmpty(dir.resolve("d/blobs")), "and not a file");

            try (Wire w = Wire.tls(server.port("imaps"))) {
                assertTrue(w.line().startsWith("* OK"));
                assertTrue(w.command("a1 LOGIN alice@example.test alice-password").startsWith("a1 OK"));
                assertEquals("a2 OK [READ-WRITE] SELECT completed", w.command("a2 SELECT INBOX"));

                w.send("a3 FETCH 1 BODY.PEEK[]");
                byte[] whole = w.literal("* 1 FETCH (BODY[] {");
                assertEquals(")", w.line());
                assertEquals("a3 OK FETCH completed", w.line());
                // what was sent, after the header fields the server put in front (Received, ...)
                assertArrayEquals(message, Arrays.copyOfRange(whole, whole.length - message.length, whole.length));

                w.send("a4 FETCH 1 (RFC822.SIZE BODY.PEEK[]<5000000.100>)");
                String head = "* 1 FETCH (RFC822.SIZE " + whole.length + " BODY[]<5000000> {";
                byte[] part = w.literal(head);
                assertEquals(")", w.line());
                assertEquals("a4 OK FETCH completed", w.line());
                assertArrayEquals(Arrays.copyOfRange(whole, 5_000_000, 5_000_100), part);

                // a range that runs past the end stops there; one that starts past it is empty (RFC 9051 §6.4.5)
                w.send("a5 FETCH 1 BODY.PEEK[]<" + (whole.length - 10) + ".100>");
                assertArrayEquals(Arrays.copyOfRange(whole, whole.length - 10, whole.length),
                        w.literal("* 1 FETCH (BODY[]<" + (whole.length - 10) + "> {"));
                assertEquals(")", w.line());
                assertEquals("a5 OK FETCH completed", w.line());
                w.send("a6 FETCH 1 BODY.PEEK[]<" + (whole.length + 5) + ".100>");
                assertEquals(0, w.literal("* 1 FETCH (BODY[]<" + (whole.length + 5) + "> {").length);
                assertEquals(")", w.line());
                assertEquals("a6 OK FETCH completed", w.line());

                assertEquals("a7 OK STORE completed", w.command("a7 STORE 1 +FLAGS.SILENT (\\Deleted)"));
                assertEquals("a8 OK EXPUNGE completed", w.command("a8 EXPUNGE"));
                w.command("a9 LOGOUT");
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
}
