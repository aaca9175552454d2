package org.tegami.store;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Header lines stored with one message and read in front of its blob: what the inbound pipeline added for one
 * recipient (Authentication-Results, X-Spam-Status), so that the shared, content-addressed blob is never copied per
 * recipient. Immutable; at most {@value #MAX_BYTES} bytes of complete header fields, each ending in CRLF.
 *
 * <p>A prefix never holds a field that ENVELOPE, BODYSTRUCTURE or the SORT keys read (see {@link #STRUCTURAL}): what
 * is derived from a blob once ({@link BlobStore#index}) stays true for every message that has that blob, whatever
 * its prefix.
 */
public final class HeaderPrefix {
    /** The most bytes a prefix may hold. */
    public static final int MAX_BYTES = 8 * 1024;

    /** Fields a prefix must not hold: those the blob's derived data (envelope, structure, sort keys) reads. */
    public static final Set<String> STRUCTURAL = Set.of("date", "subject", "from", "sender", "reply-to", "to", "cc",
            "bcc", "in-reply-to", "message-id", "references", "mime-version", "return-path");

    /** No added lines. */
    public static final HeaderPrefix NONE = new HeaderPrefix(new byte[0]);

    private final byte[] bytes;

    private HeaderPrefix(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * A prefix of complete header fields ({@code "Name: value"}, folded with CRLF + WSP where long); CRLF is added
     * after each. Values may be UTF-8 (RFC 6532).
     *
     * @throws IllegalArgumentException when a field is malformed or structural, or the prefix is too long
     */
    public static HeaderPrefix of(List<String> fields) {
        if (fields.isEmpty()) return NONE;
        StringBuilder sb = new StringBuilder();
        for (String f : fields) sb.append(f).append("\r\n");
        return of(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The prefix with these bytes, checked as {@link #of(List)} checks fields. */
    public static HeaderPrefix of(byte[] raw) {
        if (raw.length == 0) return NONE;
        check(raw);
        return new HeaderPrefix(raw.clone());
    }

    /** This prefix followed by {@code more}'s lines. */
    public HeaderPrefix plus(HeaderPrefix more) {
        if (more.bytes.length == 0) return this;
        if (bytes.length == 0) return more;
        byte[] b = Arrays.copyOf(bytes, bytes.length + more.bytes.length);
        System.arraycopy(more.bytes, 0, b, bytes.length, more.bytes.length);
        return of(b);
    }

    // RFC 5322 §2.2: field-name = 1*ftext (printable US-ASCII but ':'); a field ends in CRLF and continues on lines
    // that start with WSP (§2.2.3)
    private static void check(byte[] b) {
        if (b.length > MAX_BYTES) throw new IllegalArgumentException("header prefix longer than " + MAX_BYTES + " bytes");
        int i = 0;
        while (i < b.length) {
            int nameStart = i;
            while (i < b.length && b[i] > 32 && b[i] < 127 && b[i] != ':') i++;
            if (i == nameStart || i >= b.length || b[i] != ':') throw new IllegalArgumentException("malformed header field");
            String name = new String(b, nameStart, i - nameStart, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
            if (STRUCTURAL.contains(name) || name.startsWith("content-")) {
                throw new IllegalArgumentException("a header prefix may not hold " + name);
            }
            // to the CRLF that is not followed by WSP
            while (true) {
                while (i < b.length && b[i] != '\r' && b[i] != '\n' && b[i] != 0) i++;
                if (i + 1 >= b.length || b[i] != '\r' || b[i + 1] != '\n') {
                    throw new IllegalArgumentException("header field not ended by CRLF");
                }
                i += 2;
                if (i < b.length && (b[i] == ' ' || b[i] == '\t')) continue;
                break;
            }
        }
    }

    /** From the store's own column: already checked when it was written. */
    public static HeaderPrefix stored(byte[] raw) {
        return raw == null || raw.length == 0 ? NONE : new HeaderPrefix(raw.clone());
    }

    public int length() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public InputStream stream() {
        return new ByteArrayInputStream(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderPrefix p && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
