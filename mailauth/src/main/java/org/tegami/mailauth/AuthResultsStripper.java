package org.tegami.mailauth;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Removes, while a message streams through it, every {@code Authentication-Results} header field that claims our
 * authserv-id (RFC 8601 §5: such a field from outside was not written by us and MUST be removed or renamed before
 * delivery, or a forger could claim our verdicts). Everything else passes through unchanged and at once: only an
 * Authentication-Results field is held, whole, until its end tells whether it is ours; the body is not looked at.
 *
 * <p>Limits: a held field is at most {@link #MAX_FIELD} bytes; a longer one (no honest Authentication-Results is
 * that long, and a long leading comment could hide our id from a bounded look) is dropped too. Input is CRLF text
 * (SMTP checked the line endings); a bare LF also ends a line here, so nothing can slip through on one.
 */
public final class AuthResultsStripper extends FilterOutputStream {
    /** The longest Authentication-Results field held to be judged; longer ones are dropped. */
    public static final int MAX_FIELD = AuthResults.MAX_LENGTH + 1024;
    private static final byte[] NAME = "authentication-results:".getBytes(StandardCharsets.US_ASCII);

    private enum Mode { NEW, UNDECIDED, PASS, HOLD }

    private final String authservId;
    /** The start of the current line, held until it tells whether it begins an Authentication-Results field. */
    private final byte[] start = new byte[NAME.length];
    private int startLen;
    private Mode mode = Mode.NEW;
    /** The current line has had nothing but CR or LF so far. */
    private boolean emptyLine;
    /** The Authentication-Results field being held, or null. */
    private ByteArrayOutputStream held;
    private boolean heldTooLong;
    private boolean inBody;
    private int removed;

    public AuthResultsStripper(OutputStream out, String authservId) {
        super(out);
        this.authservId = authservId;
    }

    /** How many fields were removed so far. */
    public int removed() {
        return removed;
    }

    @Override
    public void write(int b) throws IOException {
        if (inBody) {
            out.write(b);
            return;
        }
        if (mode == Mode.NEW) {
            if (b == ' ' || b == '\t') { // a continuation line: part of the field before it (RFC 5322 §2.2.3)
                mode = held != null ? Mode.HOLD : Mode.PASS;
            } else {
                judgeHeld(); // the held field, if any, ended with the previous line
                emptyLine = b == '\r' || b == '\n';
                mode = emptyLine ? Mode.PASS : Mode.UNDECIDED;
            }
        } else if (b != '\r' && b != '\n') {
            emptyLine = false;
        }
        switch (mode) {
            case UNDECIDED -> {
                start[startLen++] = (byte) b;
                if (Character.toLowerCase((char) (b & 0xff)) != NAME[startLen - 1]) {
                    mode = Mode.PASS; // not an Authentication-Results field: what was held of the line goes out
                    out.write(start, 0, startLen);
                } else if (startLen == NAME.length) {
                    mode = Mode.HOLD;
                    held = new ByteArrayOutputStream(256);
                    heldTooLong = false;
                    held.write(start, 0, startLen);
                }
            }
            case PASS -> out.write(b);
            case HOLD -> {
                if (held.size() < MAX_FIELD) held.write(b);
                else heldTooLong = true;
            }
            case NEW -> throw new IllegalStateException();
        }
        if (b == '\n') {
            if (emptyLine) inBody = true; // the empty line ends the header section (RFC 5322 §2.1)
            mode = Mode.NEW;
            startLen = 0;
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) {
            if (inBody) {
                out.write(b, i, off + len - i);
                return;
            }
            write(b[i] & 0xff);
        }
    }

    /** Decides on the held field: ours (or too long to judge) is dropped, anyone else's written out. */
    private void judgeHeld() throws IOException {
        if (held == null) return;
        String field = held.toString(StandardCharsets.ISO_8859_1);
        boolean drop = heldTooLong || AuthResults.isOurs(field.stripTrailing(), authservId);
        if (drop) removed++;
        else held.writeTo(out);
        held = null;
    }

    /** Call at the end of the message: a field still held (a message that is all header) is judged. */
    public void finish() throws IOException {
        judgeHeld();
        if (mode == Mode.UNDECIDED) out.write(start, 0, startLen);
        startLen = 0;
        mode = Mode.NEW;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        finish();
        super.close();
    }

    /** For logs: what the id is compared with. */
    @Override
    public String toString() {
        return "AuthResultsStripper[" + authservId.toLowerCase(Locale.ROOT) + "]";
    }
}
