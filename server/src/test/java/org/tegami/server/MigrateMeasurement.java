package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.Store;
import org.tegami.testkit.TestPostgres;

/**
 * How fast {@code tegami migrate} copies: an embedded store of 20 accounts × 5 mailboxes × 200 messages (20,000 of
 * 4 KiB, one in 100 of 200 KiB, so a blob file), into PostgreSQL with blob files under data_dir/objects, then back
 * into an empty embedded store, then that again with {@code --resume} (nothing left to copy). Off unless
 * {@code -Dtegami.measure=true}:
 * {@code mvn -o -pl server -am verify -Dtest=MigrateMeasurement -Dtegami.measure=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "tegami.measure", matches = "true")
class MigrateMeasurement {
    @TempDir
    Path dir;

    @Test
    void migrateTwentyThousandMessages() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        Path oldCfg = TestConfigs.write(Files.createDirectory(dir.resolve("old")), Set.of(), "");
        Path newCfg = TestConfigs.write(Files.createDirectory(dir.resolve("new")), Set.of(), "[store]\nkind = \"postgresql\"\n"
                + "url = \"" + db.url() + "\"\nuser = \"" + db.user() + "\"\npassword = \"" + db.password() + "\"\n");
        long fill = System.nanoTime();
        long bytes = 0;
        int messages = 0;
        try (Store s = Stores.openEmbedded(dir.resolve("old/d"), InstantSource.system(), l -> { })) {
            s.accounts().addDomain("example.test");
            String hash = new PasswordHasher().hash("pw".toCharArray());
            for (int a = 0; a < 20; a++) {
                Account acc = s.accounts().addUser(EmailAddress.parse("user" + a + "@example.test").orElseThrow(), hash);
                for (int m = 0; m < 5; m++) {
                    var box = s.mail().createMailbox(acc.id(), "Box" + m, java.util.Optional.empty()).id();
                    for (int i = 0; i < 200; i++) {
                        int size = (i % 100 == 0) ? 200 * 1024 : 4096;
                        byte[] body = message(a, m, i, size);
                        BlobId id;
                        try (BlobStore.BlobWriter w = s.blobs().create()) {
                            w.stream().write(body);
                            id = w.commit();
                            s.mail().append(box, id, body.length, Instant.now(), i % 3 == 0 ? Set.of("\\Seen") : Set.of());
                        }
                        bytes += body.length;
                        messages++;
                    }
                }
            }
        }
        double fillSeconds = (System.nanoTime() - fill) / 1e9;
        long start = System.nanoTime();
        String[] r = MigrateFixture.cli("", "migrate", "--from", oldCfg.toString(), "--config", newCfg.toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("migrate: done"), r[1]);
        System.out.printf("MEASURED migrate: %,d messages (%,d bytes) in %.1f s: %.0f msgs/s, %.1f MiB/s (filling the"
                + " embedded store took %.1f s)%n", messages, bytes, seconds, messages / seconds, bytes / seconds / 1048576.0, fillSeconds);
        System.out.println(r[1]);

        // and back: PostgreSQL (+ files under data_dir/objects) into an empty embedded store
        Path backCfg = TestConfigs.write(Files.createDirectory(dir.resolve("back")), Set.of(), "");
        start = System.nanoTime();
        r = MigrateFixture.cli("", "migrate", "--from", newCfg.toString(), "--config", backCfg.toString());
        seconds = (System.nanoTime() - start) / 1e9;
        assertEquals("0", r[0], r[2]);
        System.out.printf("MEASURED migrate back: %,d messages in %.1f s: %.0f msgs/s, %.1f MiB/s%n", messages, seconds,
                messages / seconds, bytes / seconds / 1048576.0);
        // a resume of the finished copy: every row and blob found in place (blobs re-read and hash-checked)
        start = System.nanoTime();
        r = MigrateFixture.cli("", "migrate", "--resume", "--from", newCfg.toString(), "--config", backCfg.toString());
        seconds = (System.nanoTime() - start) / 1e9;
        assertEquals("0", r[0], r[2]);
        System.out.printf("MEASURED migrate back --resume with everything in place: %.1f s%n", seconds);
        System.out.println(r[1]);
    }

    private static byte[] message(int a, int m, int i, int size) {
        StringBuilder sb = new StringBuilder("From: <someone@example.org>\r\nSubject: message " + a + "/" + m + "/" + i + "\r\n\r\n");
        while (sb.length() < size) sb.append("line of text for the migration measurement ").append(sb.length()).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
