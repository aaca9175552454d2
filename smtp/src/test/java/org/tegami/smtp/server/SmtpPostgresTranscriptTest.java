package org.tegami.smtp.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.embedded.FileObjects;
import org.tegami.store.postgres.PostgresStore;
import org.tegami.testkit.TestPostgres;
import org.tegami.testkit.TranscriptTests;

/**
 * Replays every SMTP transcript against a server on the PostgreSQL store (a fresh database schema per transcript),
 * under Locale.ROOT and tr-TR, as {@link SmtpTranscriptTest} does on the embedded store.
 */
class SmtpPostgresTranscriptTest {
    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicNode> transcripts() {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        Path tls = dir.resolve("tls");
        return TranscriptTests.fromResources("transcripts/smtp", t -> {
            TestPostgres.Database db = TestPostgres.get().newDatabase();
            Path objects = Files.createTempDirectory(dir, "objects");
            try (var server = new SmtpTestServer(tls, clock -> {
                try {
                    return PostgresStore.open(db.url(), db.user(), db.password(), FileObjects.directory(objects), clock);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            })) {
                server.runner().run(t);
            }
        });
    }
}
