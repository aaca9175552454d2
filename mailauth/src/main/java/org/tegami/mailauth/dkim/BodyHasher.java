package org.tegami.mailauth.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Canonicalizes a body as it streams by (RFC 6376 §3.4.3 simple, §3.4.4 relaxed) and hashes it with SHA-256,
 * holding no more than a counter of trailing empty lines: a 50 MiB body, or one line of 50 MiB, costs no memory.
 * With a length limit (the {@code l=} tag, §3.5) only that many canonical octets are hashed, and
 * {@link #canonicalLength()} tells how many there were in all.
 */
public final class BodyHasher {
    private static final byte[] CRLF = {'\r', '\n'};
    private final Canonicalization canon;
    private final long limit;
    private final MessageDigest md;
    private long length;
    private long pendingEmpty;
    private boolean pendingCr;
    private boolean pendingWsp;
    private boolean lineHasContent;
    private boolean anyContent;
    private byte[] result;

    /** @param limit octets to hash, or -1 for all */
    public BodyHasher(Canonicalization canon, long limit) {
        this.canon = canon;
        this.limit = limit;
        try {
            this.md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hashes a whole stream. */
    public static byte[] hash(Canonicalization canon, InputStream body) throws IOException {
        BodyHasher h = new BodyHasher(canon, -1);
        byte[] buf = new byte[16 * 1024];
        for (int n; (n = body.read(buf)) > 0; ) h.update(buf, 0, n);
        return h.digest();
    }

    private void emit(byte[] b, int off, int len) {
        if (limit < 0 || length < limit) {
            int n = limit < 0 ? len : (int) Math.min(len, limit - length);
            md.update(b, off, n);
        }
        length += len;
    }

    private void emit(int b) {
        if (limit < 0 || length < limit) md.update((byte) b);
        length++;
    }

    private void startContent() {
        if (!lineHasContent) {
            for (; pendingEmpty > 0; pendingEmpty--) emit(CRLF, 0, 2);
            lineHasContent = true;
            anyContent = true;
        }
    }

    private void endLine() {
        if (lineHasContent) {
            emit(CRLF, 0, 2);
        } else {
            pendingEmpty++; // RFC 6376 §3.4.3/§3.4.4: empty lines at the end are dropped, so hold them back
        }
        lineHasContent = false;
        pendingWsp = false;
    }

    public void update(byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            int b = buf[i] & 0xff;
            if (pendingCr) {
                pendingCr = false;
                if (b == '\n') {
                    endLine();
                    continue;
                }
                content('\r');
            }
            if (b == '\r') {
                pendingCr = true;
            } else {
                content(b);
            }
        }
    }

    private void content(int b) {
        if (canon == Canonicalization.RELAXED) {
            if (b == ' ' || b == '\t') {
                pendingWsp = true; // RFC 6376 §3.4.4: WSP runs become one SP, trailing WSP goes
                return;
            }
            startContent();
            if (pendingWsp) emit(' ');
            pendingWsp = false;
            emit(b);
        } else {
            startContent();
            emit(b);
        }
    }

    /** Finishes the body and returns the hash; idempotent. */
    public byte[] digest() {
        if (result == null) {
            if (pendingCr) content('\r');
            pendingCr = false;
            if (lineHasContent) emit(CRLF, 0, 2); // a last line without CRLF gets one
            // RFC 6376 §3.4.3: a simple empty body is one CRLF; §3.4.4: a relaxed one is empty.
            if (!anyContent && canon == Canonicalization.SIMPLE) emit(CRLF, 0, 2);
            result = md.digest();
        }
        return result.clone();
    }

    /** Canonical octets seen in all (after {@link #digest()}), hashed or not. */
    public long canonicalLength() {
        return length;
    }
}
