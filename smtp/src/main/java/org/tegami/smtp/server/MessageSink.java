package org.tegami.smtp.server;

import java.io.IOException;
import java.util.Optional;
import org.tegami.mailauth.AuthResultsStripper;
import org.tegami.smtp.proto.SmtpReply;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore.BlobWriter;

/**
 * Receives message text (DATA lines or raw BDAT chunks), checks it and streams it into a blob. After the first
 * problem nothing more is written, but the caller keeps reading to the end of the data so the session stays in
 * step; memory use is bounded whatever the client sends.
 */
final class MessageSink implements AutoCloseable {

    enum Problem {
        TOO_BIG(SmtpReply.of(552, "5.3.4", "Message size exceeds fixed maximum message size")),
        // RFC 5321 §2.3.8: CR and LF only as CRLF. Accepting bare ones enables SMTP smuggling (CVE-2023-51764).
        BARE_LINE_ENDING(SmtpReply.of(554, "5.6.0", "Message refused: bare CR or LF found, lines must end with CRLF")),
        // RFC 5321 §4.5.3.1.9 names "500 Line too long"; the limit is ours (see Limits): the text is in failure()
        LINE_TOO_LONG(null);

        final SmtpReply reply;

        Problem(SmtpReply reply) {
            this.reply = reply;
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private final BlobWriter writer;
    /** The blob's stream behind the filter that removes Authentication-Results claiming our name (RFC 8601 §5). */
    private final AuthResultsStripper out;
    private final long maxSize;
    private final int maxLine;
    /** The header section being kept for the submission check; null when nobody needs it (port 25). */
    private final HeaderSection header;
    private long size;
    private int lineLen;
    private boolean prevCr;
    private Problem problem;

    /**
     * @param maxHeader  bytes of header section to keep for {@link #header()}, 0 to keep none
     * @param authservId our host name: Authentication-Results fields from outside that claim it are not stored
     */
    MessageSink(BlobWriter writer, long maxSize, int maxLine, int maxHeader, String authservId) {
        this.writer = writer;
        this.out = new AuthResultsStripper(writer.stream(), authservId);
        this.maxSize = maxSize;
        this.maxLine = maxLine;
        this.header = maxHeader > 0 ? new HeaderSection(maxHeader) : null;
    }

    /** Writes trace headers the server adds; they do not count against the client's size limit. */
    void prefix(byte[] header) throws IOException {
        out.write(header);
    }

    void fail(Problem p) {
        if (problem == null) problem = p;
    }

    /** One DATA line, dot-unstuffed, without its CRLF: {@code len} bytes from {@code off}. */
    void line(byte[] content, int off, int len, boolean bareCr) throws IOException {
        if (bareCr) fail(Problem.BARE_LINE_ENDING);
        size += len + 2;
        if (size > maxSize) fail(Problem.TOO_BIG);
        if (problem != null) return;
        if (header != null) header.line(content, off, len);
        out.write(content, off, len);
        out.write(CRLF);
    }

    /** A slice of a BDAT chunk: checked byte by byte for line endings and line length across chunk borders. */
    void raw(byte[] b, int off, int len) throws IOException {
        size += len;
        if (size > maxSize) fail(Problem.TOO_BIG);
        for (int i = off; i < off + len && problem == null; i++) {
            byte c = b[i];
            if (prevCr && c != '\n') fail(Problem.BARE_LINE_ENDING);
            if (c == '\n' && !prevCr) fail(Problem.BARE_LINE_ENDING);
            prevCr = c == '\r';
            lineLen = c == '\n' ? 0 : lineLen + 1;
            if (lineLen + 1 > maxLine) fail(Problem.LINE_TOO_LONG); // +1: the LF still to come
        }
        if (problem != null) return;
        if (header != null) header.raw(b, off, len);
        out.write(b, off, len);
    }

    /** Ends BDAT data: a trailing bare CR is refused; a last line without CRLF gets one (RFC 5322 §2.1). */
    void finishRaw() throws IOException {
        if (prevCr) fail(Problem.BARE_LINE_ENDING);
        if (problem == null && lineLen > 0) out.write(CRLF);
    }

    Optional<SmtpReply> failure() {
        if (problem == Problem.LINE_TOO_LONG) {
            return Optional.of(SmtpReply.of(500, "5.5.2", "Line too long: text lines are limited to " + maxLine
                    + " octets including CRLF"));
        }
        return Optional.ofNullable(problem).map(p -> p.reply);
    }

    /** The header section kept for the submission check; only when constructed with {@code maxHeader > 0}. */
    HeaderSection header() {
        return header;
    }

    /** Size of the client's message text (without the server's trace headers). */
    long size() {
        return size;
    }

    /** Makes the blob durable and returns its id; only when {@link #failure()} is empty. */
    BlobId commit() throws IOException {
        if (problem != null) throw new IllegalStateException("message has a problem: " + problem);
        out.finish();
        return writer.commit();
    }

    long blobSize() {
        return writer.size();
    }

    @Override
    public void close() {
        writer.close();
    }
}
