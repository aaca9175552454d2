package org.tegami.smtp.server;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.Transcript;

/** Issue 5: a per-user submission rate; over it, MAIL gets a clear 4xx and nothing is accepted. */
class SmtpRateLimitTest {
    @TempDir
    Path tmp;

    @Test
    void secondMessageInTheHourIsDeferred() throws Exception {
        try (var server = new SmtpTestServer(Files.createDirectory(tmp.resolve("d")), tmp.resolve("tls"),
                SmtpTestServer.LIMITS.withMessagesPerHour(1))) {
            server.runner().run(Transcript.parse("rate-limit", """
                    # port: submissions
                    S: 220 mail.example.test ESMTP Tegami
                    C: EHLO client.test
                    S~ 250-.*
                    S~ 250-.*
                    S~ 250-.*
                    S~ 250-.*
                    S~ 250-.*
                    S~ 250-.*
                    S~ 250-.*
                    S~ 250-.*
                    S~ 250-.*
                    S: 250 AUTH PLAIN LOGIN
                    C: AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZC0x
                    S: 235 2.7.0 Authentication successful
                    C: MAIL FROM:<alice@example.test>
                    S: 250 2.1.0 Sender OK
                    C: RCPT TO:<bob@example.test>
                    S: 250 2.1.5 Recipient OK
                    C: DATA
                    S: 354 End data with <CR><LF>.<CR><LF>
                    C: From: <alice@example.test>
                    C: Subject: one
                    C:
                    C: .
                    S~ 250 2\\.0\\.0 OK queued as \\w+
                    C: MAIL FROM:<alice@example.test>
                    S: 450 4.7.1 Sending limit of 1 messages per hour reached, try again later
                    C: QUIT
                    S: 221 2.0.0 mail.example.test closing connection
                    """));
        }
    }
}
