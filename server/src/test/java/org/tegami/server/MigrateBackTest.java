package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.server.MigrateFixture.appendGetsTheNextUid;
import static org.tegami.server.MigrateFixture.cli;
import static org.tegami.server.MigrateFixture.observe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.QueueEntry;
import org.tegami.testkit.S3TestServer;
import org.tegami.testkit.TestDnsServer;
import org.tegami.testkit.TestPostgres;

/**
 * {@code tegami migrate} the other way: a PostgreSQL + S3 node filled over the wire (SMTP, IMAP, ManageSieve,
 * submission), refused while it runs, stopped, copied into an empty embedded store with the copy interrupted and
 * resumed, and an embedded server on the new config answering exactly as the node did.
 */
class MigrateBackTest {
    @TempDir
    Path dir;

    @Test
    void postgresAndS3InstallationMovesBackToEmbeddedThroughAnInterruptionAndClientsSeeNoDifference() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        S3TestServer s3 = S3TestServer.get();
        String bucket = s3.newBucket();
        int closed = org.tegami.testkit.FreePort.pick(); // nothing listens here: the queued message stays queued
        Set<String> services = Set.of("smtp", "submission", "imaps", "managesieve");
        try (TestDnsServer dns = new TestDnsServer()) {
            dns.add("b.test. 300 IN MX 10 mx.b.test.").add("mx.b.test. 300 IN A 127.0.0.1");
            String common = "[inbound]\nverify = false\n[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n"
                    + "[outbound]\nmx_port = " + closed + "\n";
            String pgS3 = "[store]\nkind = \"postgresql\"\nurl = \"" + db.url() + "\"\nuser = \"" + db.user()
                    + "\"\npassword = \"" + db.password() + "\"\n[blobs]\nkind = \"s3\"\nendpoint = \"" + s3.endpoint()
                    + "\"\nbucket = \"" + bucket + "\"\nregion = \"us-east-1\"\naccess_key = \"" + S3TestServer.ACCESS_KEY
                    + "\"\nsecret_key = \"" + S3TestServer.SECRET_KEY + "\"\npath_style = true\n";
            Path oldCfg = TestConfigs.write(Files.createDirectory(dir.resolve("old")), services, common + pgS3);
            Path newCfg = TestConfigs.write(Files.createDirectory(dir.resolve("new")), services, common);

            byte[] large = ("From: <bob@example.org>\r\nSubject: large\r\n\r\n"
                    + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n".repeat(3000))
                    .getBytes(StandardCharsets.US_ASCII); // 198 KB: an object in the bucket, then a blob file
            List<String> before;
            List<QueueEntry> queuedBefore;
            try (TegamiServer old = TegamiServer.start(ConfigLoader.load(oldCfg), InstantSource.system())) {
                assertEquals("0", cli("", "domain", "add", "example.test", "--config", oldCfg.toString())[0]);
                assertEquals("0", cli("alice-password\n", "user", "add", "alice@example.test", "--password-stdin", "--config", oldCfg.toString())[0]);
                assertEquals("0", cli("bob-password\n", "user", "add", "bob@example.test", "--password-stdin", "--config", oldCfg.toString())[0]);
                assertEquals("0", cli("", "user", "quota", "alice@example.test", "--storage", "50M", "--messages", "1000", "--config", oldCfg.toString())[0]);
                assertEquals("0", cli("", "alias", "add", "postmaster@example.test", "alice@example.test", "--config", oldCfg.toString())[0]);
                new org.tegami.mailauth.dkim.DkimKeys(old.config().dataDir()).generate("example.test");

                queuedBefore = MigrateFixture.fillAndQueue(old, large);
                observe(old.port("imaps"), old.port("managesieve")); // claims \Recent, as a client would have
                before = observe(old.port("imaps"), old.port("managesieve"));

                // the node's connection pool is open: the database is in use
                String[] running = cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
                assertEquals("1", running[0]);
                assertTrue(running[2].startsWith("tegami: "), running[2]);
                assertTrue(running[2].contains(" other session(s) are connected to " + db.url() + " ("), running[2]);
                assertTrue(running[2].endsWith("): stop every node and admin command using it before migrating, so no"
                        + " change arrives that the copy would miss (--force copies anyway)\n"), running[2]);
                assertTrue(!Files.exists(dir.resolve("new/d/meta.db")), "nothing written");
                // --force goes ahead anyway, saying so (a dry run here: the after-copy comparison is the real guard)
                String[] forced = cli("", "migrate", "--force", "--dry-run", "--from", oldCfg.toString(), "--config", newCfg.toString());
                assertEquals("0", forced[0], forced[2]);
                assertTrue(forced[1].startsWith("migrate: --force: copying although "), forced[1]);
                assertTrue(forced[1].contains(" other session(s) are connected ("), forced[1]);
                assertTrue(forced[1].endsWith("; nothing changed\n"), forced[1]);
                assertTrue(!Files.exists(dir.resolve("new/d/meta.db")), "a dry run writes nothing");
            }

            String[] dry = cli("", "migrate", "--dry-run", "--from", oldCfg.toString(), "--config", newCfg.toString());
            assertEquals("0", dry[0], dry[2]);
            assertTrue(dry[1].contains("migrate:   messages 5\n"), dry[1]);
            assertTrue(dry[1].endsWith("migrate: dry run: the target is a data directory without Tegami's store"
                    + " (created when migrating); nothing changed\n"), dry[1]);

            // interrupted (as a kill would) after 8 committed batches of 2 rows: the blobs, then some of the tables
            String[] cut;
            System.setProperty("tegami.migrate.failAfterBatches", "8");
            System.setProperty("tegami.migrate.batchRows", "2");
            try {
                cut = cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
            } finally {
                System.clearProperty("tegami.migrate.failAfterBatches");
                System.clearProperty("tegami.migrate.batchRows");
            }
            assertEquals("1", cut[0], cut[1]);
            assertEquals("tegami: migration failed: stopped after 8 batches (tegami.migrate.failAfterBatches) (the target "
                    + dir.resolve("new/d") + "/meta.db is partial: run the same command again with --resume to continue)\n", cut[2]);
            long partialMailboxes = count(dir.resolve("new/d"), "mailboxes");
            assertTrue(partialMailboxes > 0 && partialMailboxes < 14, "stopped inside the mailboxes: " + partialMailboxes);

            String[] again = cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
            assertEquals("1", again[0]);
            assertTrue(again[2].startsWith("tegami: the target data directory " + dir.resolve("new/d") + " is not empty (blobs: 4 rows,"
                    + " domains: 1 row, accounts: 2 rows, aliases: 1 row, quotas: 1 row, mailboxes: " + partialMailboxes + " rows"), again[2]);
            assertTrue(again[2].endsWith("; tegami migrate copies into an empty store only: after an interrupted migration"
                    + " run it again with --resume; else start afresh\n"), again[2]);

            String[] done = cli("", "migrate", "--resume", "--from", oldCfg.toString(), "--config", newCfg.toString());
            assertEquals("0", done[0], done[2]);
            assertTrue(done[1].contains("\nmigrate: messages 5/5\n"), done[1]);
            assertTrue(done[1].contains("\nmigrate: mailboxes 14/14\n"), done[1]);
            assertTrue(done[1].contains("\nmigrate: blobs 5/5, "), done[1]);
            assertTrue(done[1].contains("\nmigrate: verified: row counts of 30 tables, mailbox and message counters,"
                    + " every named blob present, 5 blob(s) re-read with their SHA-256 checked\n"), done[1]);
            assertTrue(done[1].contains(" rows and blobs were there already\n"), done[1]);
            assertTrue(done[1].contains("\nmigrate: done; start the server on " + newCfg), done[1]);
            assertEquals(14, count(dir.resolve("new/d"), "mailboxes"));
            assertEquals(4, count(dir.resolve("new/d"), "blobs"), "the large message's bytes are a file, not a row");
            try (var files = Files.walk(dir.resolve("new/d/blobs"))) {
                assertEquals(1, files.filter(Files::isRegularFile).count(), "one blob file");
            }
            assertTrue(Files.isDirectory(dir.resolve("new/d/dkim")), "DKIM keys go along");

            try (TegamiServer next = TegamiServer.start(ConfigLoader.load(newCfg), InstantSource.system())) {
                List<String> after = observe(next.port("imaps"), next.port("managesieve"));
                assertEquals(String.join("\n", before), String.join("\n", after));
                List<QueueEntry> queuedAfter = next.store().queue().list();
                assertEquals(1, queuedAfter.size());
                QueueEntry q0 = queuedBefore.getFirst();
                QueueEntry q1 = queuedAfter.getFirst();
                assertEquals(List.of(q0.id(), q0.blob(), q0.size(), q0.sender(), q0.recipients(), q0.created(),
                        q0.submitter(), q0.dkimDomain(), q0.params()),
                        List.of(q1.id(), q1.blob(), q1.size(), q1.sender(), q1.recipients(), q1.created(),
                        q1.submitter(), q1.dkimDomain(), q1.params()));
                appendGetsTheNextUid(next.port("imaps"), before);
                var carl = next.store().accounts().addUser(org.tegami.mime.EmailAddress.parse("carl@example.test").orElseThrow(), "$argon2id$x");
                assertTrue(carl.id().value() > 2, "account ids after the copied sequence: " + carl.id());
            }
        }
    }

    private static long count(Path data, String table) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("meta.db"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
