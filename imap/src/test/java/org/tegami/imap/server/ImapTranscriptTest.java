package org.tegami.imap.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.TranscriptTests;

/**
 * Replays every IMAP transcript against a fresh server (fresh mailboxes), under two locales. A transcript whose
 * header says {@code progress: immediate} gets a server that reports RFC 9585 progress after every message.
 */
class ImapTranscriptTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicNode> transcripts() {
        Path tls = tmp.resolve("tls");
        return TranscriptTests.fromResources("transcripts/imap", t -> {
            boolean immediate = t.sourceLines().stream().takeWhile(l -> l.startsWith("#"))
                    .anyMatch(l -> l.contains("progress: immediate"));
            Duration progress = immediate ? Duration.ZERO : ImapEnvironment.PROGRESS_INTERVAL;
            try (ImapTestServer server = new ImapTestServer(Files.createTempDirectory(tmp, "data"), tls, progress)) {
                server.runner().run(t);
            }
        });
    }
}
