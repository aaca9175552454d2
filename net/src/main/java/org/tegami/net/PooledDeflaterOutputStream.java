package org.tegami.net;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.Deflater;

/**
 * Raw DEFLATE (RFC 1951) for one connection's output, with a {@link Deflater} borrowed from a process-wide pool
 * only while a flush is compressed. A Deflater holds about 260 KiB of native memory (zlib's window, hash chains and
 * pending buffer at windowBits 15, memLevel 8, which {@code java.util.zip} does not let us lower); kept per
 * connection that was ~300 KiB for every idle COMPRESS=DEFLATE session (issue 14). Here an idle connection holds
 * none: each flush (at most {@link #CHUNK} bytes) is compressed on its own, from a reset Deflater, and ends with a
 * sync flush. A reset compressor simply refers to nothing before it, so the concatenation is one valid raw DEFLATE
 * stream (RFC 1951 §3.2.3: a stream is a sequence of blocks; none is final here) that any inflater reads; what is
 * lost is matching across flushes, little for IMAP where large responses are flushed as a whole.
 *
 * <p>Not thread-safe, like any stream; the pool is.
 */
final class PooledDeflaterOutputStream extends OutputStream {
    /** The most bytes compressed in one piece: the buffer a busy connection holds while writing. */
    static final int CHUNK = 64 * 1024;
    private static final int INITIAL = 4 * 1024;
    /** Deflaters kept for reuse; more than this at once (a burst of flushes) are ended after use. */
    static final int KEEP = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    private static final ConcurrentLinkedQueue<Deflater> POOL = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger POOLED = new AtomicInteger();

    private final OutputStream out;
    private final int level;
    private byte[] buf;
    private int count;

    PooledDeflaterOutputStream(OutputStream out, int level) {
        this.out = out;
        this.level = level;
    }

    @Override
    public void write(int b) throws IOException {
        room(1);
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            room(Math.min(len, CHUNK));
            int n = Math.min(len, buf.length - count);
            System.arraycopy(b, off, buf, count, n);
            count += n;
            off += n;
            len -= n;
        }
    }

    /** Makes room for {@code n} more bytes (n ≤ CHUNK): grows the buffer up to CHUNK, then compresses what it has. */
    private void room(int n) throws IOException {
        if (buf == null) buf = new byte[Math.max(INITIAL, Integer.highestOneBit(Math.max(1, n - 1)) << 1)];
        if (count + n <= buf.length) return;
        if (buf.length < CHUNK) {
            int size = buf.length;
            while (size < count + n && size < CHUNK) size <<= 1;
            buf = java.util.Arrays.copyOf(buf, Math.min(size, CHUNK));
            if (count + n <= buf.length) return;
        }
        deflate();
    }

    @Override
    public void flush() throws IOException {
        deflate();
        out.flush();
        buf = null; // an idle connection keeps no buffer
    }

    private void deflate() throws IOException {
        if (count == 0) return;
        Deflater d = borrow();
        try {
            d.setInput(buf, 0, count);
            byte[] o = new byte[Math.min(CHUNK, count + 64)];
            while (true) {
                // SYNC_FLUSH: everything so far is output, ending on a byte boundary (RFC 4978 §4)
                int n = d.deflate(o, 0, o.length, Deflater.SYNC_FLUSH);
                out.write(o, 0, n);
                if (n < o.length && d.needsInput()) break;
            }
        } finally {
            count = 0;
            giveBack(d);
        }
    }

    private Deflater borrow() {
        Deflater d = POOL.poll();
        if (d == null) return new Deflater(level, true);
        POOLED.decrementAndGet();
        d.setLevel(level);
        return d;
    }

    private static void giveBack(Deflater d) {
        d.reset(); // forget this connection's bytes before anyone else compresses with it
        if (POOLED.incrementAndGet() <= KEEP) {
            POOL.add(d);
        } else {
            POOLED.decrementAndGet();
            d.end();
        }
    }

    @Override
    public void close() throws IOException {
        flush();
        out.close();
    }
}
