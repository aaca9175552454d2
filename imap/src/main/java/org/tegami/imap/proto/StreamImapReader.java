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

    private final InputStream in;
    private final Continuation continuation;
    private final int maxLine;
    private final byte[] buf = new byte[4096];
    private int pos;
    private int end;

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
        byte[] out = new byte[size];
        try (InputStream s = openLiteral(size, nonSync)) {
            int n = s.readNBytes(out, 0, size);
            if (n < size) throw new EOFException("connection closed inside a literal");
        }
        return out;
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
