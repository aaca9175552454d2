package org.tegami.pop3.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.embedded.FileObjects;
import org.tegami.store.postgres.PostgresStore;
import org.tegami.testkit.TestPostgres;
import org.tegami.testkit.Transcript;
import org.tegami.testkit.TranscriptTests;

/**
 * Replays every POP3 transcript against a server on the PostgreSQL store (a fresh database schema per transcript,
 * large blobs in a temporary directory). Under {@code Locale.ROOT} only: {@link Pop3TranscriptTest} runs them under
 * both locales on the embedded store, and the IMAP transcripts on PostgreSQL run the store's calls under both.
 */
class Pop3PostgresTranscriptTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> transcripts() {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        return TranscriptTests.load("transcripts/pop3").stream().map(t ->
                DynamicTest.dynamicTest(t.name(), () -> TranscriptTests.runIn(Locale.ROOT, t, this::replay)));
    }

    private void replay(Transcript t) throws IOException {
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        Path objects = Files.createTempDirectory(tmp, "objects");
        try (Pop3TestServer server = new Pop3TestServer(tmp.resolve("tls"), clock -> {
            try {
                return PostgresStore.open(db.url(), db.user(), db.password(), FileObjects.directory(objects), clock);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })) {
            server.runner().run(t);
        }
    }
}
