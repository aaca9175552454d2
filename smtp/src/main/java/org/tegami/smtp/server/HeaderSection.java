package org.tegami.smtp.server;

import java.util.Arrays;

/**
 * The header section of a message being received (RFC 5322 §2.1: up to the first empty line), kept while the data
 * streams into the blob so that submission can check its From: and Sender: fields; bounded by
 * {@link org.tegami.core.Limits#headerSection()}. Lines arrive with CRLF (the sink refuses anything else).
 */
final class HeaderSection {
    private final int max;
    private byte[] bytes = new byte[4 * 1024];
    private int length;
    private boolean complete;
    private boolean overflow;

    HeaderSection(int max) {
        this.max = max;
    }

    /** One DATA line without its CRLF, dot-unstuffed. */
    void line(byte[] b, int off, int len) {
        if (complete) return;
        if (len == 0) {
            complete = true;
            return;
        }
        append(b, off, len);
        append(CRLF, 0, 2);
    }

    /** Raw BDAT octets: everything up to the CRLF CRLF (or a leading CRLF) that ends the header section. */
    void raw(byte[] b, int off, int len) {
        for (int i = off; i < off + len && !complete; i++) {
            byte c = b[i];
            append(b, i, 1);
            matched = c == END[matched] ? matched + 1 : c == '\r' ? 1 : 0;
            if (matched == END.length) {
                complete = true;
                if (!overflow) length -= 2; // the empty line is not part of the section
            }
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END = {'\r', '\n', '\r', '\n'};
    /** How much of {@link #END} the last octets match; 2 at first, as a message may start with its empty line. */
    private int matched = 2;

    private void append(byte[] b, int off, int len) {
        if (overflow) return;
        if (length + len > max) {
            overflow = true;
            return;
        }
        if (length + len > bytes.length) bytes = Arrays.copyOf(bytes, Math.min(max, Math.max(bytes.length * 2, length + len)));
        System.arraycopy(b, off, bytes, length, len);
        length += len;
    }

    /**
     * Whether the section has a {@code TLS-Required: No} field (RFC 8689 §3; field name and value case-insensitive,
     * folding and surrounding white space allowed).
     */
    boolean tlsRequiredNo() {
        String h = new String(bytes, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replaceAll("\r\n(?=[ \t])", ""); // RFC 5322 §2.2.3: unfold
        for (String line : h.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("TLS-Required")
                    && line.substring(colon + 1).strip().equalsIgnoreCase("No")) {
                return true;
            }
        }
        return false;
    }

    /** True when the section was over the limit (then {@link #bytes()} holds only its start). */
    boolean overflow() {
        return overflow;
    }

    byte[] bytes() {
        return bytes;
    }

    int length() {
        return length;
    }
}
