package org.tegami.smtp.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.TranscriptTests;

/** Replays every transcript in {@code transcripts/smtp/} against a fresh server, under Locale.ROOT and tr-TR. */
class SmtpTranscriptTest {

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicNode> transcripts() {
        // A fresh store per run keeps transcripts independent (login throttling, delivered mail); the certificate
        // directory is shared so the key is generated once.
        Path tls = dir.resolve("tls");
        return TranscriptTests.fromResources("transcripts/smtp", t -> {
            try (var server = new SmtpTestServer(Files.createTempDirectory(dir, t.name()), tls)) {
                server.runner().run(t);
            }
        });
    }
}
