package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.testkit.TestTls;

/**
 * COMPRESS=DEFLATE (RFC 4978) over 993, with a client built on the JDK's zlib (raw deflate, sync flush, as
 * Thunderbird's): responses and commands are compressed after the OK, and a decompression bomb is refused
 * without buffering it.
 */
class ImapCompressTest {
    @TempDir
    Path tmp;
    private ImapTestServer server;

    @BeforeEach
    void start() throws IOException {
        server = new ImapTestServer(Files.createDirectory(tmp.resolve("data")), tmp.resolve("tls"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /**
     * A logged-in connection that has just sent COMPRESS DEFLATE and read its OK in plain text. Lines are read byte
     * by byte: a Reader over an InflaterInputStream would block, since its available() always says 1.
     */
    private record Compressed(SSLSocket socket, java.io.InputStream raw, OutputStream out) {
        String readLine() throws IOException {
            return line(raw);
        }
    }

    private Compressed compress() throws IOException {
        SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory()
                .createSocket("127.0.0.1", server.port("imaps"));
        s.setSoTimeout(10_000);
        var plainIn = s.getInputStream();
        var plainOut = s.getOutputStream();
        assertTrue(line(plainIn).startsWith("* OK [CAPABILITY "));
        plainOut.write("a LOGIN alice@example.test alice-password\r\n".getBytes(StandardCharsets.US_ASCII));
        String ok = line(plainIn);
        assertTrue(ok.contains(" COMPRESS=DEFLATE"), ok);
        plainOut.write("b COMPRESS DEFLATE\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("b OK DEFLATE active", line(plainIn));
        var in = new InflaterInputStream(plainIn, new Inflater(true));
        OutputStream out = new DeflaterOutputStream(plainOut, new Deflater(Deflater.DEFAULT_COMPRESSION, true), true);
        return new Compressed(s, in, out);
    }

    /** Reads one line byte by byte, so nothing after it is consumed before compression starts. */
    private static String line(java.io.InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) throw new IOException("closed");
            if (b != '\r') sb.append((char) b);
        }
        return sb.toString();
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush(); // sync flush
    }

    @Test
    void commandsAndResponsesAreCompressed() throws Exception {
        Compressed c = compress();
        try (SSLSocket s = c.socket()) {
            send(c.out(), "c CAPABILITY\r\n");
            String caps = c.readLine();
            assertTrue(caps.startsWith("* CAPABILITY ") && !caps.contains("COMPRESS=DEFLATE"), "not offered twice: " + caps);
            assertEquals("c OK CAPABILITY completed", c.readLine());
            send(c.out(), "d COMPRESS DEFLATE\r\n");
            assertEquals("d NO [COMPRESSIONACTIVE] DEFLATE is already active", c.readLine());
            send(c.out(), "e EXAMINE INBOX\r\n");
            String l;
            while (!(l = c.readLine()).startsWith("e ")) assertTrue(l.startsWith("* "), l);
            assertEquals("e OK [READ-ONLY] EXAMINE completed", l);
            send(c.out(), "f FETCH 3 (BODY.PEEK[])\r\n");
            assertEquals("* 3 FETCH (BODY[] {72}", c.readLine());
            assertEquals("From: erin@example.org", c.readLine());
            assertEquals("Subject: Report", c.readLine());
            assertEquals("", c.readLine());
            assertEquals("Quarterly numbers attached.", c.readLine());
            assertEquals(")", c.readLine());
            assertEquals("f OK FETCH completed", c.readLine());
            send(c.out(), "g LOGOUT\r\n");
            assertEquals("* BYE mail.example.test logging out", c.readLine());
        }
    }

    @Test
    void decompressionBombIsCutAtTheLineLimit() throws Exception {
        Compressed c = compress();
        try (SSLSocket s = c.socket()) {
            // 50 MB of one byte deflate to about 50 KB; the server must not buffer the line it expands to
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 'a');
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    c.out().write("h NOOP ".getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 50; i++) c.out().write(chunk);
                    send(c.out(), "\r\n");
                } catch (IOException expected) {
                    // the server hangs up once the line is too long, long before all of it is sent
                }
            });
            assertEquals("* BAD Command line too long", c.readLine());
            assertEquals("* BYE Cannot recover from that command, closing connection", c.readLine());
            writer.join(10_000);
        }
    }
}
