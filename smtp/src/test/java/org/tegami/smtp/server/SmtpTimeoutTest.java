package org.tegami.smtp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 5321 §4.5.3.2: idle clients are dropped with 421, in command and in data state. */
class SmtpTimeoutTest {
    @TempDir
    Path tmp;

    @Test
    void idleClientGets421InCommandAndDataState() throws Exception {
        var limits = SmtpTestServer.LIMITS.withTimeouts(Duration.ofMillis(700), Duration.ofMillis(700));
        try (var server = new SmtpTestServer(Files.createDirectory(tmp.resolve("d")), tmp.resolve("tls"), limits)) {
            try (Socket s = new Socket("127.0.0.1", server.port("smtp"))) {
                s.setSoTimeout(5000);
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertEquals("220 mail.example.test ESMTP Tegami", in.readLine());
                assertEquals("421 4.4.2 mail.example.test Timeout, closing connection", in.readLine());
                assertNull(in.readLine());
            }
            try (Socket s = new Socket("127.0.0.1", server.port("smtp"))) {
                s.setSoTimeout(5000);
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                in.readLine();
                out.write("HELO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubject: half\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertEquals("250 mail.example.test", in.readLine());
                assertEquals("250 2.1.0 Sender OK", in.readLine());
                assertEquals("250 2.1.5 Recipient OK", in.readLine());
                assertEquals("354 End data with <CR><LF>.<CR><LF>", in.readLine());
                assertEquals("421 4.4.2 mail.example.test Timeout, closing connection", in.readLine());
                assertNull(in.readLine());
            }
            assertEquals(0, server.inbox(SmtpTestServer.ALICE).size(), "a message cut short is not kept");
        }
    }
}
