package org.tegami.smtp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.Limits;
import org.tegami.store.MessageMeta;
import org.tegami.testkit.Transcript;

/**
 * Issue 12: long text lines on port 25 (kept byte-exact up to 64 KiB), the header section cap on submission, and
 * memory: DATA is read through one reused line buffer, not an array per line.
 */
class SmtpDataLinesTest {
    private static final String EHLO_25 = SmtpTestServer.GREETING_AND_EHLO_25 + """
            C: MAIL FROM:<sender@remote.test>
            S: 250 2.1.0 Sender OK
            C: RCPT TO:<alice@example.test>
            S: 250 2.1.5 Recipient OK
            """;
    private static final Limits BIG = SmtpTestServer.LIMITS.withMessageSize(64L * 1024 * 1024);

    @TempDir
    Path tmp;

    private SmtpTestServer server() throws Exception {
        return new SmtpTestServer(Files.createDirectory(tmp.resolve("d")), tmp.resolve("tls"), BIG);
    }

    @Test
    void port25KeepsLinesUpTo64KiBByteExact() throws Exception {
        String a = "a".repeat(5_000);
        String b = "b".repeat(65_533); // with its stuffed dot and CRLF: 65,536 octets on the wire, the most
        try (var server = server()) {
            server.runner().run(Transcript.parse("long-lines", "# port: smtp\n" + EHLO_25 + """
                    C: DATA
                    S: 354 End data with <CR><LF>.<CR><LF>
                    C: Subject: long lines
                    C:
                    C: %s
                    C: .%s
                    C: .
                    S~ 250 2\\.0\\.0 OK queued as \\w+
                    """.formatted(a, b)));
            List<MessageMeta> inbox = server.inbox(SmtpTestServer.ALICE);
            assertEquals(1, inbox.size());
            String stored = new String(server.blob(inbox.getFirst()), StandardCharsets.US_ASCII);
            assertTrue(stored.endsWith("\r\nSubject: long lines\r\n\r\n" + a + "\r\n" + b + "\r\n"), "byte-exact, unstuffed");
        }
    }

    @Test
    void port25RefusesALineOver64KiB() throws Exception {
        try (var server = server()) {
            server.runner().run(Transcript.parse("too-long", "# port: smtp\n" + EHLO_25 + """
                    C: DATA
                    S: 354 End data with <CR><LF>.<CR><LF>
                    C: Subject: too long
                    C:
                    C: %s
                    C: after
                    C: .
                    S: 500 5.5.2 Line too long: text lines are limited to 65536 octets including CRLF
                    C: NOOP
                    S: 250 2.0.0 OK
                    """.formatted("c".repeat(65_535))));
            assertEquals(List.of(), server.inbox(SmtpTestServer.ALICE));
        }
    }

    @Test
    void submissionRefusesAHeaderSectionOver256KiB() throws Exception {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 4_000; i++) fields.append("C: X-Filler-").append(i).append(": ").append("x".repeat(60)).append('\n');
        try (var server = server()) {
            server.runner().run(Transcript.parse("big-header", """
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
                    """ + fields + """
                    C: From: <alice@example.test>
                    C:
                    C: body
                    C: .
                    S: 552 5.3.4 Header section exceeds 262144 octets
                    """));
            assertEquals(List.of(), server.inbox(SmtpTestServer.BOB));
        }
    }

    /** Bytes allocated by every thread of this JVM (virtual threads count on their carriers). */
    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    @Test
    void a50MiBDataAllocatesFarLessThanTheMessage() throws Exception {
        // 76 octets of text and CRLF per line, as base64 bodies have; one 1 MiB block written 50 times.
        byte[] line = ("x".repeat(76) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] block = new byte[1024 * 1024 / line.length * line.length];
        for (int i = 0; i < block.length; i += line.length) System.arraycopy(line, 0, block, i, line.length);
        int blocks = 50 * 1024 * 1024 / block.length;
        try (var server = server(); Socket s = new Socket("127.0.0.1", server.port("smtp"))) {
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            in.readLine();
            out.write("HELO client.test\r\nMAIL FROM:<sender@remote.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 4; i++) in.readLine();
            byte[] end = "\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] head = "Subject: big\r\n".getBytes(StandardCharsets.US_ASCII);
            long before = allocated();
            out.write(head);
            for (int i = 0; i < blocks; i++) out.write(block);
            out.write(end);
            String reply = in.readLine();
            long used = allocated() - before;
            assertTrue(reply.startsWith("250 2.0.0 OK queued as "), reply);
            long size = (long) blocks * block.length;
            System.out.printf("DATA of %d MiB: %.1f MiB allocated%n", size >> 20, used / 1048576.0);
            assertTrue(used < size / 10, "allocated " + used + " bytes for a " + size + "-byte message");
            assertTrue(server.inbox(SmtpTestServer.ALICE).getFirst().size() > size, "stored");
        }
    }
}
