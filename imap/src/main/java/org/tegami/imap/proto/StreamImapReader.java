package org.tegami.imap.proto;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * An {@link ImapReader} over a blocking stream with its own bounded buffer, so that bytes read ahead stay
 * available to the APPEND message stream and to the next command. Not thread-safe: one connection thread.
 */
public final class StreamImapReader implements ImapReader {

    /** Sends the continuation request ({@code + Ready}) and flushes; called before a synchronizing literal. */
    @FunctionalInterface
    public interface Continuation {
        void send() throws IOException;
    }

    /**
     * Literal octets that may be held in memory at once, shared by connections (issue 12: eighteen connections
     * that each declared a large literal took a 1 GiB heap down).
     */
    public interface Budget {
        /** Claims {@code octets}; false, claiming nothing, when that would exceed the budget. */
        boolean take(long octets);

        /** Returns octets claimed earlier. */
        void give(long octets);

        /** No limit but the parser's own (tests of the parser alone). */
        Budget UNLIMITED = new Budget() {
            @Override
            public boolean take(long octets) {
                return true;
            }

            @Override
            public void give(long octets) {
            }
        };
    }

    /** The first buffer for a literal; it doubles as octets arrive, up to the declared size. */
    private static final int FIRST_LITERAL_BUFFER = 8 * 1024;

    private final InputStream in;
    private final Continuation continuation;
    private final int maxLine;
    private final byte[] buf = new byte[4096];
    private int pos;
    private int end;
    private Budget budget = Budget.UNLIMITED;
    /** Octets claimed from {@link #budget} by the command being read or run. */
    private long held;

    public StreamImapReader(InputStream in, Continuation continuation, int maxLine) {
        this.in = in;
        this.continuation = continuation;
        this.maxLine = maxLine;
    }

    @Override
    public byte[] line() throws IOException, ImapSyntaxException {
        byte[] out = new byte[Math.min(256, maxLine + 2)];
        int n = 0;
        while (true) {
            if (pos == end && !fill()) throw new EOFException("connection closed inside a command line");
            byte b = buf[pos++];
            if (b == '\n') {
                // RFC 9051 §2.2: lines end with CRLF; a bare LF is not a line end we can trust
                if (n == 0 || out[n - 1] != '\r') throw new ImapSyntaxException("*", "Line must end with CRLF", false);
                return Arrays.copyOf(out, n - 1);
            }
            // the CR of the CRLF may still follow, hence +1
            if (n >= maxLine + 1) throw new ImapSyntaxException("*", "Command line too long", true);
            if (n == out.length) out = Arrays.copyOf(out, Math.min(out.length * 2, maxLine + 2));
            out[n++] = b;
        }
    }

    @Override
    public byte[] literal(int size, boolean nonSync) throws IOException {
        byte[] out = new byte[Math.min(size, FIRST_LITERAL_BUFFER)];
        int n = 0;
        try (InputStream s = openLiteral(size, nonSync)) {
            while (n < size) {
                if (n == out.length) out = Arrays.copyOf(out, (int) Math.min(size, 2L * out.length));
                int r = s.read(out, n, out.length - n);
                if (r < 0) throw new EOFException("connection closed inside a literal");
                n += r;
            }
        }
        return out;
    }

    @Override
    public boolean reserve(long octets) {
        if (!budget.take(octets)) return false;
        held += octets;
        return true;
    }

    /** Gives back what the last command claimed; the session calls it once a command is done. */
    public void release() {
        if (held > 0) budget.give(held);
        held = 0;
    }

    /** Claims literal room from {@code b} from now on (it changes at login and UNAUTHENTICATE). */
    public void budget(Budget b) {
        release();
        budget = b;
    }

    /**
     * Streams a literal of {@code size} octets (the APPEND message) after sending the continuation request for a
     * synchronizing literal; the caller must read it to its end before reading the next line.
     */
    public InputStream openLiteral(long size, boolean nonSync) throws IOException {
        if (!nonSync) continuation.send();
        return new InputStream() {
            private long left = size;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left == 0) return -1;
                if (len == 0) return 0;
                if (pos == end && !fill()) throw new EOFException("connection closed inside a literal");
                int n = (int) Math.min(Math.min(len, end - pos), left);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                left -= n;
                return n;
            }
        };
    }

    private boolean fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) return false;
        pos = 0;
        end = n;
        return true;
    }
}
