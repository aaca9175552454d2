package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.S3TestServer;
import org.tegami.testkit.TestPostgres;

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

            try (Wire w = Wire.tls(nodeB.port("imaps"))) {
                assertTrue(w.line().startsWith("* OK"));
                assertTrue(w.command("a1 LOGIN alice@example.test alice-password").startsWith("a1 OK"));
                assertEquals("a2 OK [READ-WRITE] SELECT completed", w.command("a2 SELECT INBOX"));
                w.send("a3 IDLE");
                assertEquals("+ idling", w.line());

                long sent = System.nanoTime();
                Wire.smtp(nodeA.port("smtp"), message);
                w.timeout(5_000); // the issue asks for a second; a loaded test machine gets five
                assertEquals("* 1 EXISTS", w.line(), "node B's IDLE learns of node A's delivery");
                long wokeMillis = (System.nanoTime() - sent) / 1_000_000;
                System.out.println("TwoNodesTest: IDLE on node B woke " + wokeMillis + " ms after node A's SMTP transaction began");
                w.timeout(30_000);
                w.send("DONE");
                String r;
                do {
                    r = w.line();
                } while (r.startsWith("* "));
                assertEquals("a3 OK IDLE terminated", r);

                w.send("a4 FETCH 1 BODY.PEEK[]");
                byte[] whole = w.literal("* 1 FETCH (BODY[] {");
                assertEquals(")", w.line());
                assertEquals("a4 OK FETCH completed", w.line());
                assertArrayEquals(message, Arrays.copyOfRange(whole, whole.length - message.length, whole.length),
                        "node B reads what node A received");
                w.command("a5 LOGOUT");
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
}
