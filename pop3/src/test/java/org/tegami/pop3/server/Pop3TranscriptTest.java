package org.tegami.pop3.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.TranscriptTests;

/** Replays every POP3 transcript against a fresh server (fresh maildrops), under two locales. */
class Pop3TranscriptTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicNode> transcripts() {
        Path tls = tmp.resolve("tls");
        return TranscriptTests.fromResources("transcripts/pop3", t -> {
            try (Pop3TestServer server = new Pop3TestServer(Files.createTempDirectory(tmp, "data"), tls)) {
                server.runner().run(t);
            }
        });
    }
}
