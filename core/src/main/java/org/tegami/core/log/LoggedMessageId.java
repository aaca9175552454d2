package org.tegami.core.log;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Finds a message's Message-ID for the log lines about it, from the first bytes of the stored message. A sender
 * writes those bytes, so the search is bounded ({@link #HEAD} bytes, an id of at most {@link #MAX_ID} characters)
 * and the result holds only visible ASCII other than quote and backslash: it can go into a text or JSON log line
 * as it is. Not a header parser: a message whose Message-ID does not fit gets no id in the log, nothing else.
 */
public final class LoggedMessageId {
    /** Bytes of the message searched for the field. */
    public static final int HEAD = 16 * 1024;
    /** Longest id logged; RFC 5322 §2.1.1 lines are at most 998 characters, real ids far shorter. */
    public static final int MAX_ID = 250;

    private static final byte[] NAME = "message-id:".getBytes(StandardCharsets.US_ASCII);

    private LoggedMessageId() {}

    /** The Message-ID field's {@code <...>} value in {@code head}, when there is one that fits. */
    public static Optional<String> find(byte[] head) {
        int n = Math.min(head.length, HEAD);
        int line = 0;
        while (line < n) {
            int end = line;
            while (end < n && head[end] != '\n') end++;
            int len = end - line - (end > line && head[end - 1] == '\r' ? 1 : 0);
            if (len == 0) return Optional.empty(); // RFC 5322 §2.1: the empty line ends the header section
            if (startsWithName(head, line, len)) return value(head, line + NAME.length, n);
            line = end + 1;
        }
        return Optional.empty();
    }

    private static boolean startsWithName(byte[] b, int at, int len) {
        if (len < NAME.length) return false;
        for (int i = 0; i < NAME.length; i++) {
            int c = b[at + i];
            if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
            if (c != NAME[i]) return false;
        }
        return true;
    }

    /** RFC 5322 §3.6.4: msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]; folding may come before the id. */
    private static Optional<String> value(byte[] b, int from, int n) {
        int i = from;
        while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
            // a line break is only folding when the next line starts with white space (RFC 5322 §2.2.3)
            if (b[i] == '\n' && (i + 1 >= n || (b[i + 1] != ' ' && b[i + 1] != '\t'))) return Optional.empty();
            i++;
        }
        if (i >= n || b[i] != '<') return Optional.empty();
        StringBuilder id = new StringBuilder();
        for (int j = i; j < n && id.length() <= MAX_ID; j++) {
            int c = b[j] & 0xff;
            id.append((char) c);
            if (c == '>') return id.length() > 2 ? Optional.of(id.toString()) : Optional.empty();
            if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || (c == '<' && j > i)) return Optional.empty();
        }
        return Optional.empty();
    }

}
