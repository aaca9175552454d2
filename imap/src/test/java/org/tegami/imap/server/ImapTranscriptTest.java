package org.tegami.imap.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.TranscriptTests;

/** Replays every IMAP transcript against a fresh server (fresh mailboxes), under two locales. */
class ImapTranscriptTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicNode> transcripts() {
        Path tls = tmp.resolve("tls");
        return TranscriptTests.fromResources("transcripts/imap", t -> {
            try (ImapTestServer server = new ImapTestServer(Files.createTempDirectory(tmp, "data"), tls)) {
                server.runner().run(t);
            }
        });
    }
}
