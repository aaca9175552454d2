package org.tegami.imap.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * Replays every IMAP transcript against a server on the PostgreSQL store (a fresh database schema per transcript,
 * large blobs in a temporary directory), under the same two locales as {@link ImapTranscriptTest}: protocol code must
 * not notice which backend it runs on.
 */
class ImapPostgresTranscriptTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicNode> transcripts() {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        Path tls = tmp.resolve("tls");
        return TranscriptTests.fromResources("transcripts/imap", t -> {
            boolean immediate = t.sourceLines().stream().takeWhile(l -> l.startsWith("#"))
                    .anyMatch(l -> l.contains("progress: immediate"));
            Duration progress = immediate ? Duration.ZERO : ImapEnvironment.PROGRESS_INTERVAL;
            TestPostgres.Database db = TestPostgres.get().newDatabase();
            Path objects = Files.createTempDirectory(tmp, "objects");
            try (ImapTestServer server = new ImapTestServer(tls, progress, clock -> {
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
