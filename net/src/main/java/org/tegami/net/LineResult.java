package org.tegami.net;

import java.nio.charset.StandardCharsets;

/** One line read by {@link Connection#readLine(int)}. */
public sealed interface LineResult {

    /** A line that ended in CRLF; {@code bytes} excludes the CRLF. {@code bareCr} marks a CR not followed by LF. */
    record Line(byte[] bytes, boolean bareCr) implements LineResult {
        public String ascii() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }

        public boolean hasNul() {
            for (byte b : bytes) if (b == 0) return true;
            return false;
        }
    }

    /** A line that ended in a bare LF (RFC 5321 §2.3.8 forbids it); {@code bytes} excludes the LF. */
    record BareLf(byte[] bytes) implements LineResult {}

    /**
     * The line exceeded the limit; it was read and discarded up to and including its LF. {@code crlf} tells
     * whether that LF was preceded by CR, which SMTP needs to know where the data may end.
     */
    record TooLong(boolean crlf) implements LineResult {}

    /** The peer closed the connection (possibly mid-line). */
    record Eof() implements LineResult {}
}
