package org.tegami.server.mbox;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes messages as mboxrd (LF line ends): a {@code From SENDER DATE} line with the envelope sender (the
 * message's {@code Return-Path}, else {@code MAILER-DAEMON}) and the internal date in UTC asctime form; lines of
 * the message that match {@code >*From } get one more {@code >}; flags as {@code Status} (R), {@code X-Status}
 * (A F T D) and {@code X-Keywords}, read back by {@link MboxReader}, mutt and Dovecot; an empty line after each.
 */
public final class MboxWriter {
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final Pattern RETURN_PATH = Pattern.compile("(?im)^Return-Path:[ \\t]*<([^<>\\s]+)>");
    private static final Set<String> OURS = Set.of("status", "x-status", "x-keywords", "x-uid", "x-imap", "x-imapbase",
            "content-length");

    private MboxWriter() {}

    /** Writes one message (CRLF or LF line ends) with its internal date and flags. */
    public static void write(OutputStream out, byte[] message, Instant date, Set<String> flags) throws IOException {
        out.write(("From " + sender(message) + " " + ASCTIME.format(date) + "\n").getBytes(StandardCharsets.US_ASCII));
        int pos = 0;
        boolean header = true;
        boolean dropping = false;
        while (pos < message.length) {
            int end = pos;
            while (end < message.length && message[end] != '\n') end++;
            int lineEnd = end > pos && message[end - 1] == '\r' ? end - 1 : end;
            if (header) {
                if (lineEnd == pos) {
                    writeStatus(out, flags);
                    header = false;
                    out.write('\n');
                    pos = end + 1;
                    continue;
                }
                boolean continuation = message[pos] == ' ' || message[pos] == '\t';
                if (!continuation) {
                    String line = new String(message, pos, Math.min(lineEnd - pos, 64), StandardCharsets.ISO_8859_1);
                    int colon = line.indexOf(':');
                    dropping = colon > 0 && OURS.contains(line.substring(0, colon).strip().toLowerCase(Locale.ROOT));
                }
                if (dropping) {
                    pos = end + 1;
                    continue;
                }
            } else if (quoted(message, pos, lineEnd)) {
                out.write('>'); // mboxrd
            }
            out.write(message, pos, lineEnd - pos);
            out.write('\n');
            pos = end + 1;
        }
        if (header) writeStatus(out, flags); // a message of header fields only
        out.write('\n');
    }

    private static boolean quoted(byte[] m, int from, int to) {
        int i = from;
        while (i < to && m[i] == '>') i++;
        return to - i >= 5 && m[i] == 'F' && m[i + 1] == 'r' && m[i + 2] == 'o' && m[i + 3] == 'm' && m[i + 4] == ' ';
    }

    private static void writeStatus(OutputStream out, Set<String> flags) throws IOException {
        StringBuilder sb = new StringBuilder("Status: ").append(flags.contains("\\Seen") ? "RO" : "O").append('\n');
        StringBuilder x = new StringBuilder();
        if (flags.contains("\\Answered")) x.append('A');
        if (flags.contains("\\Flagged")) x.append('F');
        if (flags.contains("\\Draft")) x.append('T');
        if (flags.contains("\\Deleted")) x.append('D');
        if (!x.isEmpty()) sb.append("X-Status: ").append(x).append('\n');
        String keywords = String.join(" ", flags.stream().filter(f -> !f.startsWith("\\")).sorted().toList());
        if (!keywords.isEmpty()) sb.append("X-Keywords: ").append(keywords).append('\n');
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The envelope sender from the first Return-Path field, else MAILER-DAEMON (the null sender, as mutt writes it). */
    static String sender(byte[] message) {
        String head = new String(message, 0, Math.min(message.length, 64 * 1024), StandardCharsets.ISO_8859_1);
        int blank = head.indexOf("\n\r\n");
        int lf = head.indexOf("\n\n");
        int end = blank < 0 ? lf : lf < 0 ? blank : Math.min(blank, lf);
        Matcher m = RETURN_PATH.matcher(end < 0 ? head : head.substring(0, end + 1)); // the header only
        if (m.find() && m.group(1).chars().allMatch(c -> c > 32 && c < 127)) return m.group(1);
        return "MAILER-DAEMON";
    }
}
