package org.tegami.server.mbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads messages from an mbox file (mboxrd as Tegami, mutt and Dovecot write it; mboxo read alike), streaming, one
 * message at a time, with CRLF line ends. A message starts at a {@code From } line that follows an empty line (or
 * begins the file) and looks like a From_ line: sender, then an asctime date; so an unquoted {@code From } in a body
 * that is not preceded by an empty line, or not followed by a date, stays text. {@code >From }, {@code >>From } lose
 * one {@code >} (mboxrd). The {@code Status}, {@code X-Status} and {@code X-Keywords} fields become flags and are
 * removed, as are Dovecot's {@code X-UID}, {@code X-IMAP}, {@code X-IMAPbase} and {@code Content-Length}.
 *
 * <p>Limits: a message over {@code maxMessage} bytes is skipped (its size is reported), a line is examined for a
 * From_ separator only in its first {@value #CHUNK} bytes, and memory stays within one message plus one chunk.
 */
public final class MboxReader {
    /** Bytes read at a time; longer lines are read in pieces (only a line's first piece can be a separator). */
    static final int CHUNK = 8192;
    /** Keywords longer than this, or with characters outside an IMAP atom's safe subset, are dropped. */
    static final int MAX_KEYWORD = 64;
    private static final Pattern FROM_LINE = Pattern.compile(
            "From \\S+ +((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\\d{1,2}"
                    + " \\d{1,2}:\\d{2}(?::\\d{2})?)(?: +[A-Za-z+\\-0-9]{1,6})? +(\\d{4})(?: .*)?\r?\n?");
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM d H:mm[:ss] yyyy", Locale.ROOT);
    private static final Pattern KEYWORD = Pattern.compile("[A-Za-z0-9_$.\\-]{1," + MAX_KEYWORD + "}");

    /** One message: content with CRLF line ends, the date of its From_ line (if it parsed), its flags. */
    public record Message(byte[] content, Optional<Instant> date, Set<String> flags) {}

    /** A message left out: over the size limit. */
    public record Skipped(long size) {}

    private final InputStream in;
    private final long maxMessage;
    private final byte[] buf = new byte[CHUNK];
    private int bufLen;
    private int bufPos;
    private boolean eof;
    private boolean atLineStart = true;
    private boolean previousBlank = true; // the start of the file counts as after an empty line
    private byte[] pendingFromLine;
    private long skipped;

    public MboxReader(InputStream in, long maxMessage) {
        this.in = in;
        this.maxMessage = maxMessage;
    }

    /** Messages skipped so far for being over the limit. */
    public long skipped() {
        return skipped;
    }

    /** The next message, or empty at the end of the file; messages over the limit are skipped and counted. */
    public Optional<Message> next() throws IOException {
        while (true) {
            if (pendingFromLine == null && !findFirstFromLine()) return Optional.empty();
            byte[] from = pendingFromLine;
            pendingFromLine = null;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            long size = 0;
            boolean tooBig = false;
            byte[] chunk;
            while ((chunk = chunk()) != null) {
                boolean lineStart = chunkStartsLine;
                if (lineStart && previousBlankBeforeChunk && isFromLine(chunk)) {
                    pendingFromLine = chunk;
                    break;
                }
                byte[] out = lineStart ? unquote(chunk) : chunk;
                size += out.length + 1;
                if (size > maxMessage) tooBig = true;
                if (!tooBig) writeCrlf(body, out);
            }
            if (tooBig) {
                skipped++;
                continue;
            }
            byte[] content = body.toByteArray();
            // The empty line before the next From_ (or at the end) separates messages; it is not the message's.
            if (endsWith(content, "\r\n\r\n")) content = java.util.Arrays.copyOf(content, content.length - 2);
            return Optional.of(withFlags(content, dateOf(from)));
        }
    }

    private boolean chunkStartsLine;
    private boolean previousBlankBeforeChunk;

    /** Reads up to the end of a line or {@link #CHUNK} bytes; null at EOF. Tracks line starts and empty lines. */
    private byte[] chunk() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        chunkStartsLine = atLineStart;
        previousBlankBeforeChunk = previousBlank;
        while (line.size() < CHUNK) {
            if (bufPos == bufLen) {
                if (eof) break;
                bufLen = in.read(buf);
                bufPos = 0;
                if (bufLen <= 0) {
                    bufLen = 0;
                    eof = true;
                    break;
                }
            }
            byte b = buf[bufPos++];
            line.write(b);
            if (b == '\n') break;
        }
        if (line.size() == 0) return null;
        byte[] bytes = line.toByteArray();
        boolean endsLine = bytes[bytes.length - 1] == '\n';
        if (chunkStartsLine) {
            previousBlank = endsLine && (bytes.length == 1 || (bytes.length == 2 && bytes[0] == '\r'));
        } else if (endsLine) {
            previousBlank = false;
        }
        atLineStart = endsLine;
        return bytes;
    }

    /** Skips anything before the first From_ line (a file not starting with one has a preamble we ignore). */
    private boolean findFirstFromLine() throws IOException {
        byte[] chunk;
        while ((chunk = chunk()) != null) {
            if (chunkStartsLine && previousBlankBeforeChunk && isFromLine(chunk)) {
                pendingFromLine = chunk;
                return true;
            }
        }
        return false;
    }

    static boolean isFromLine(byte[] line) {
        if (line.length < 5 || line[0] != 'F' || line[1] != 'r' || line[2] != 'o' || line[3] != 'm' || line[4] != ' ') return false;
        return FROM_LINE.matcher(new String(line, StandardCharsets.ISO_8859_1)).matches();
    }

    private static Optional<Instant> dateOf(byte[] fromLine) {
        Matcher m = FROM_LINE.matcher(new String(fromLine, StandardCharsets.ISO_8859_1));
        if (!m.matches()) return Optional.empty();
        try {
            // asctime has no zone: UTC, as Tegami writes it (mutt and Dovecot write local time; off by hours at most)
            return Optional.of(LocalDateTime.parse(m.group(1).replaceAll(" +", " ") + " " + m.group(2), ASCTIME)
                    .toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** mboxrd: a line of one or more {@code >} then {@code From } loses one {@code >}. */
    private static byte[] unquote(byte[] line) {
        int i = 0;
        while (i < line.length && line[i] == '>') i++;
        if (i > 0 && line.length - i >= 5 && line[i] == 'F' && line[i + 1] == 'r' && line[i + 2] == 'o' && line[i + 3] == 'm'
                && line[i + 4] == ' ') {
            return java.util.Arrays.copyOfRange(line, 1, line.length);
        }
        return line;
    }

    /** Appends with CRLF for a bare LF (mbox files are usually LF; a CRLF file stays CRLF). */
    private static void writeCrlf(ByteArrayOutputStream out, byte[] chunk) {
        int n = chunk.length;
        if (n > 0 && chunk[n - 1] == '\n' && (n < 2 || chunk[n - 2] != '\r')) {
            out.write(chunk, 0, n - 1);
            out.write('\r');
            out.write('\n');
        } else {
            out.write(chunk, 0, n);
        }
    }

    private static boolean endsWith(byte[] b, String s) {
        if (b.length < s.length()) return false;
        for (int i = 0; i < s.length(); i++) if (b[b.length - s.length() + i] != s.charAt(i)) return false;
        return true;
    }

    /** Takes the mbox status fields out of the header and turns them into flags. */
    static Message withFlags(byte[] content, Optional<Instant> date) {
        Set<String> flags = new TreeSet<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length);
        int pos = 0;
        boolean dropping = false;
        while (pos < content.length) {
            int end = pos;
            while (end < content.length && content[end] != '\n') end++;
            int next = Math.min(end + 1, content.length);
            boolean blank = end - pos == 0 || (end - pos == 1 && content[pos] == '\r');
            if (blank) {
                out.write(content, pos, content.length - pos); // the body, untouched
                break;
            }
            String line = new String(content, pos, end - pos, StandardCharsets.ISO_8859_1).stripTrailing();
            boolean continuation = line.startsWith(" ") || line.startsWith("\t");
            if (!continuation) {
                int colon = line.indexOf(':');
                String name = colon > 0 ? line.substring(0, colon).strip().toLowerCase(Locale.ROOT) : "";
                String value = colon > 0 ? line.substring(colon + 1).strip() : "";
                dropping = switch (name) {
                    case "status" -> {
                        if (value.indexOf('R') >= 0) flags.add("\\Seen");
                        yield true;
                    }
                    case "x-status" -> {
                        if (value.indexOf('A') >= 0) flags.add("\\Answered");
                        if (value.indexOf('F') >= 0) flags.add("\\Flagged");
                        if (value.indexOf('T') >= 0) flags.add("\\Draft");
                        if (value.indexOf('D') >= 0) flags.add("\\Deleted");
                        yield true;
                    }
                    case "x-keywords" -> {
                        for (String k : value.split("[ ,]+")) if (KEYWORD.matcher(k).matches()) flags.add(k);
                        yield true;
                    }
                    case "x-uid", "x-imap", "x-imapbase", "content-length" -> true;
                    default -> false;
                };
            }
            if (!dropping) out.write(content, pos, next - pos);
            pos = next;
        }
        return new Message(out.toByteArray(), date, flags);
    }
}
