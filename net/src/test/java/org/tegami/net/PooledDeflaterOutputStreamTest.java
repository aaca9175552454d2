package org.tegami.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/** Flushes compressed apart, with deflaters shared between streams, still make one raw DEFLATE stream per connection. */
class PooledDeflaterOutputStreamTest {

    @Test
    void interleavedConnectionsSharingThePoolEachInflateToWhatWasWritten() throws Exception {
        Random r = new Random(14);
        ByteArrayOutputStream wireA = new ByteArrayOutputStream();
        ByteArrayOutputStream wireB = new ByteArrayOutputStream();
        ByteArrayOutputStream plainA = new ByteArrayOutputStream();
        ByteArrayOutputStream plainB = new ByteArrayOutputStream();
        var a = new PooledDeflaterOutputStream(wireA, Deflater.BEST_SPEED);
        var b = new PooledDeflaterOutputStream(wireB, Deflater.BEST_SPEED);
        for (int i = 0; i < 200; i++) {
            boolean toA = r.nextBoolean();
            var s = toA ? a : b;
            var plain = toA ? plainA : plainB;
            byte[] chunk = switch (r.nextInt(4)) {
                case 0 -> ("* " + i + " FETCH (FLAGS (\\Seen))\r\n").getBytes(StandardCharsets.US_ASCII);
                case 1 -> randomBytes(r, 1 + r.nextInt(300_000)); // over several CHUNKs, incompressible
                case 2 -> "text ".repeat(r.nextInt(40_000)).getBytes(StandardCharsets.US_ASCII);
                default -> new byte[] {(byte) r.nextInt()};
            };
            if (chunk.length == 1) s.write(chunk[0]);
            else s.write(chunk, 0, chunk.length);
            plain.write(chunk);
            if (r.nextInt(3) == 0) s.flush();
        }
        a.flush();
        b.flush();
        assertArrayEquals(plainA.toByteArray(), inflate(wireA.toByteArray()));
        assertArrayEquals(plainB.toByteArray(), inflate(wireB.toByteArray()));
        assertTrue(wireA.size() < plainA.size(), "compressed at all");
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** One inflater for the whole wire, as the client has: a flush must end on a byte boundary with all output. */
    private static byte[] inflate(byte[] wire) throws Exception {
        Inflater inf = new Inflater(true);
        inf.setInput(wire);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        while (true) {
            int n = inf.inflate(buf);
            out.write(buf, 0, n);
            if (n == 0 && (inf.needsInput() || inf.finished())) break;
        }
        assertTrue(!inf.finished(), "no final block: the stream goes on");
        inf.end();
        return out.toByteArray();
    }
}
