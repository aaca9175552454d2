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

    /** A stand-in connection that records whether the limiter closed (evicted) it. */
    private static final class Held implements java.io.Closeable {
        boolean closed;

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void limiterCapsTotalAndPerAddressAndIpv6Prefix() throws Exception {
        ConnectionLimiter l = new ConnectionLimiter(3, 2);
        InetAddress a = InetAddress.getByName("127.0.0.1");
        InetAddress b = InetAddress.getByName("127.0.0.2");
        var a1 = l.tryAcquire("imaps", a, new Held()).orElseThrow();
        a1.authenticated();
        l.tryAcquire("imaps", a, new Held()).orElseThrow().authenticated();
        assertTrue(l.tryAcquire("imaps", a, new Held()).isEmpty(), "per-IP cap, loopback included");
        l.tryAcquire("imaps", b, new Held()).orElseThrow().authenticated();
        assertTrue(l.tryAcquire("imaps", InetAddress.getByName("127.0.0.3"), new Held()).isEmpty(),
                "total cap, and every connection is logged in so none may be evicted");
        a1.release();
        a1.release(); // a second release changes nothing
        assertTrue(l.tryAcquire("imaps", InetAddress.getByName("127.0.0.3"), new Held()).isPresent());
        assertEquals(3, l.open());
        ConnectionLimiter v6 = new ConnectionLimiter(10, 1);
        assertTrue(v6.tryAcquire("imaps", InetAddress.getByName("2001:db8::1"), new Held()).isPresent());
        assertTrue(v6.tryAcquire("imaps", InetAddress.getByName("2001:db8::2"), new Held()).isEmpty(), "same /64");
        assertTrue(v6.tryAcquire("imaps", InetAddress.getByName("2001:db8:0:1::1"), new Held()).isPresent());
    }

    @Test
    void aFullServerEvictsTheOldestConnectionThatHasNotLoggedInNeverALoggedInOne() throws Exception {
        ConnectionLimiter l = new ConnectionLimiter(4, 10).limitService("smtp", 2);
        InetAddress attacker = InetAddress.getByName("127.0.0.9");
        Held user = new Held();
        l.tryAcquire("imaps", InetAddress.getByName("127.0.0.1"), user).orElseThrow().authenticated();
        Held mx1 = new Held();
        Held mx2 = new Held();
        l.tryAcquire("smtp", attacker, mx1).orElseThrow();
        l.tryAcquire("smtp", attacker, mx2).orElseThrow();
        // port 25 is at its own cap: a third port-25 connection replaces the oldest idle one there
        Held mx3 = new Held();
        assertTrue(l.tryAcquire("smtp", attacker, mx3).isPresent());
        assertTrue(mx1.closed && !mx2.closed, "the oldest port-25 connection goes first");
        Held pre = new Held();
        l.tryAcquire("imaps", attacker, pre).orElseThrow(); // 4 of 4: user, mx2, mx3, pre
        Held newcomer = new Held();
        var admitted = l.tryAcquire("submission", InetAddress.getByName("127.0.0.2"), newcomer);
        assertTrue(admitted.isPresent(), "a full server still admits a user");
        assertTrue(mx2.closed, "the oldest connection that never logged in made room");
        assertFalse(user.closed, "a logged-in session is never evicted");
        assertEquals(4, l.open());
        admitted.get().authenticated();
        Held more = new Held();
        l.tryAcquire("imaps", attacker, more).orElseThrow(); // evicts mx3
        l.tryAcquire("imaps", attacker, new Held()).orElseThrow(); // evicts pre
        assertTrue(mx3.closed && pre.closed);
        assertTrue(l.tryAcquire("imaps", attacker, new Held()).isPresent(), "evicts the attacker's own oldest");
        assertTrue(more.closed);
        assertFalse(user.closed || newcomer.closed);
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

    @Test
    void compressionSendsNothingUntilThereIsSomethingToSay() throws Exception {
        // RFC 4978: the OK that starts COMPRESS is followed by nothing but the next response; an empty sync-flush
        // block right behind it reached Thunderbird in the same read as the OK and was taken for plain text
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), ss.getLocalPort());
             Connection c = new Connection(ss.accept())) {
            c.write("1 OK DEFLATE active\r\n");
            c.startCompression();
            c.flush();
            c.flush();
            c.write("* ID NIL\r\n");
            c.flush();
            client.setSoTimeout(5000);
            var in = client.getInputStream();
            byte[] ok = in.readNBytes("1 OK DEFLATE active\r\n".length());
            assertEquals("1 OK DEFLATE active\r\n", new String(ok, StandardCharsets.US_ASCII));
            java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
            byte[] raw = new byte[256];
            int n = in.read(raw);
            inflater.setInput(raw, 0, n);
            byte[] plain = new byte[256];
            int m = inflater.inflate(plain);
            assertEquals("* ID NIL\r\n", new String(plain, 0, m, StandardCharsets.US_ASCII));
            assertTrue(raw[0] != 0 || raw[1] != 0 || raw[2] != 0,
                    "the compressed stream starts with the response, not an empty stored block");
            inflater.end();
        }
    }
}
