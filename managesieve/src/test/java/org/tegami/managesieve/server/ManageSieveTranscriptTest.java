package org.tegami.managesieve.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.TranscriptTests;

/** Replays every ManageSieve transcript against a fresh server over real TLS, under two locales. */
class ManageSieveTranscriptTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicNode> transcripts() {
        Path tls = tmp.resolve("tls");
        return TranscriptTests.fromResources("transcripts/managesieve", t -> {
            try (ManageSieveTestServer server = new ManageSieveTestServer(Files.createTempDirectory(tmp, "data"), tls)) {
                server.runner().run(t);
            }
        });
    }
}
