package org.tegami.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bounded line reading over a real loopback socket, with input split at every byte. */
class ConnectionTest {

    /** Sends {@code input} in two writes split at {@code split}, then closes, and reads lines with {@code max}. */
    private static java.util.List<LineResult> lines(String input, int split, int max) throws IOException {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
             Connection c = new Connection(ss.accept())) {
            OutputStream out = client.getOutputStream();
            out.write(bytes, 0, split);
            out.flush();
            out.write(bytes, split, bytes.length - split);
            client.shutdownOutput();
            var result = new java.util.ArrayList<LineResult>();
            LineResult r;
            do {
                r = c.readLine(max);
                result.add(r);
            } while (!(r instanceof LineResult.Eof));
            return result;
        }
    }

    private static String text(LineResult r) {
        return switch (r) {
            case LineResult.Line l -> "LINE(" + l.ascii() + (l.bareCr() ? ",bareCR" : "") + ")";
            case LineResult.BareLf b -> "BARELF(" + new String(b.bytes(), StandardCharsets.ISO_8859_1) + ")";
            case LineResult.TooLong t -> t.crlf() ? "TOOLONG" : "TOOLONG(LF)";
            case LineResult.Eof e -> "EOF";
        };
    }

    @Test
    void classifiesLineEndingsAtEverySplit() throws IOException {
        String input = "EHLO a\r\nbare\nx\ry\r\n" + "z".repeat(20) + "\r\n" + "w".repeat(20) + "\nok\r\npartial";
        String expected = "[LINE(EHLO a), BARELF(bare), LINE(x\ry,bareCR), TOOLONG, TOOLONG(LF), LINE(ok), EOF]";
        for (int split = 0; split <= input.length(); split++) {
            assertEquals(expected, lines(input, split, 16).stream().map(ConnectionTest::text).toList().toString(),
                    "split at " + split);
        }
    }

    @Test
    void limitCountsTheCrlf() throws IOException {
        // max 8: "123456\r\n" (8 octets) fits, "1234567\r\n" (9) does not.
        assertEquals("[LINE(123456), TOOLONG, EOF]",
                lines("123456\r\n1234567\r\n", 3, 8).stream().map(ConnectionTest::text).toList().toString());
    }

    @Test
    void readExactlyAndBufferedCount() throws IOException {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
             Connection c = new Connection(ss.accept())) {
            client.getOutputStream().write("BDAT 3\r\nabcNOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            assertInstanceOf(LineResult.Line.class, c.readLine(512));
            var sink = new java.io.ByteArrayOutputStream();
            assertTrue(c.readExactly(3, sink));
            assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), sink.toByteArray());
            assertEquals(6, c.buffered());
            client.shutdownOutput();
            assertEquals("LINE(NOOP)", text(c.readLine(512)));
            assertFalse(c.readExactly(1, sink));
        }
    }

    @Test
    void limiterCapsTotalAndPerAddressAndIpv6Prefix() throws Exception {
        ConnectionLimiter l = new ConnectionLimiter(3, 2);
        InetAddress a = InetAddress.getByName("127.0.0.1");
        InetAddress b = InetAddress.getByName("127.0.0.2");
        assertTrue(l.tryAcquire(a));
        assertTrue(l.tryAcquire(a));
        assertFalse(l.tryAcquire(a), "per-IP cap, loopback included");
        assertTrue(l.tryAcquire(b));
        assertFalse(l.tryAcquire(InetAddress.getByName("127.0.0.3")), "total cap");
        l.release(a);
        assertTrue(l.tryAcquire(InetAddress.getByName("127.0.0.3")));
        assertEquals(3, l.open());
        ConnectionLimiter v6 = new ConnectionLimiter(10, 1);
        assertTrue(v6.tryAcquire(InetAddress.getByName("2001:db8::1")));
        assertFalse(v6.tryAcquire(InetAddress.getByName("2001:db8::2")), "same /64");
        assertTrue(v6.tryAcquire(InetAddress.getByName("2001:db8:0:1::1")));
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // without the deadline the write would block for ever
    void aPeerThatStopsReadingIsCutOffAfterTheWriteDeadline() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
             Connection c = new Connection(ss.accept())) {
            c.setWriteDeadline(java.time.Duration.ofMillis(500));
            byte[] chunk = new byte[64 * 1024];
            long start = System.nanoTime();
            IOException failed = null;
            try {
                for (int i = 0; i < 100_000; i++) c.output().write(chunk); // 6 GB: far beyond any socket buffer
            } catch (IOException e) {
                failed = e;
            }
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertTrue(failed != null, "the blocked write must fail, not hang");
            assertTrue(seconds < 30, "cut off after about the deadline, took " + seconds + " s");
            assertEquals(-1, drain(client), "the client sees the connection end");
        }
    }

    /** Reads until the end of stream; -1 once there. */
    private static int drain(Socket client) throws IOException {
        byte[] b = new byte[1 << 20];
        while (client.getInputStream().read(b) >= 0) {
            // the server's buffered bytes, then the end
        }
        return -1;
    }
}
