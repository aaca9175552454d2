package org.tegami.net;

/**
 * A reusable line for {@link Connection#readLine(LineBuffer, int)}: message data is read line by line into one
 * array that grows to the longest line seen (never past the caller's limit), so a 50 MiB DATA allocates nothing
 * per line. Mutable on purpose, unlike {@link LineResult}: it is what keeps DATA from allocating. One reader at a
 * time.
 */
public final class LineBuffer {

    /** How the last line ended. */
    public enum End {
        /** CRLF; the content excludes it. */
        CRLF,
        /** A bare LF (RFC 5321 §2.3.8 forbids it); the content excludes it. */
        BARE_LF,
        /** Over the limit and ending in CRLF: read and discarded, the content is empty. */
        TOO_LONG_CRLF,
        /** Over the limit and ending in a bare LF: read and discarded. */
        TOO_LONG_BARE_LF,
        /** The peer closed the connection (possibly mid-line). */
        EOF
    }

    byte[] bytes;
    int length;
    boolean bareCr;

    public LineBuffer() {
        this(1024);
    }

    public LineBuffer(int initialCapacity) {
        bytes = new byte[initialCapacity];
    }

    /** The array holding the line; valid from 0 to {@link #length()}, until the next read. */
    public byte[] bytes() {
        return bytes;
    }

    public int length() {
        return length;
    }

    /** Whether the content has a CR not followed by LF (a CRLF line only). */
    public boolean bareCr() {
        return bareCr;
    }
}
