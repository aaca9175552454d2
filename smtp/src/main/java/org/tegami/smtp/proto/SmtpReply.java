package org.tegami.smtp.proto;

import java.util.List;

/**
 * A reply: three-digit code, enhanced status code (RFC 3463; empty for the greeting, EHLO and 354) and one or
 * more text lines, encoded with {@code -} continuation (RFC 5321 §4.2.1).
 */
public record SmtpReply(int code, String enhanced, List<String> lines) {

    public SmtpReply {
        lines = List.copyOf(lines);
        if (lines.isEmpty()) throw new IllegalArgumentException("a reply has at least one line");
    }

    public static SmtpReply of(int code, String enhanced, String text) {
        return new SmtpReply(code, enhanced, List.of(text));
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isPermanent() {
        return code >= 500;
    }

    /** Wire form, every line CRLF-terminated; the enhanced code goes on each line (RFC 2034 §4). */
    public String encode() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (!enhanced.isEmpty()) sb.append(enhanced).append(' ');
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return encode().stripTrailing();
    }
}
