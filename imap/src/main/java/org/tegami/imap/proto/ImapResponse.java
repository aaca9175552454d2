package org.tegami.imap.proto;

import java.util.Optional;

/**
 * A status response (RFC 9051 §7.1): tagged, or untagged with tag {@code *}, optionally carrying a response code
 * such as {@code TOOBIG} or {@code UIDVALIDITY 42}.
 */
public record ImapResponse(String tag, Status status, Optional<ResponseCode> code, String text) {

    /** RFC 9051 §7.1 status conditions. */
    public enum Status { OK, NO, BAD, PREAUTH, BYE }

    public static final String UNTAGGED = "*";

    public ImapResponse {
        if (tag.isEmpty() || !tag.chars().allMatch(c -> ImapLexer.astringChar(c) && c != '+') && !tag.equals(UNTAGGED)) {
            throw new IllegalArgumentException("invalid tag");
        }
        if (code.isPresent() && !printable(code.get().wire())) throw new IllegalArgumentException("invalid response code");
        // text goes on one line: a CR or LF would let client-supplied text inject responses
        if (!printable(text)) throw new IllegalArgumentException("response text must be one line");
    }

    public static ImapResponse tagged(String tag, Status status, String text) {
        return new ImapResponse(tag, status, Optional.empty(), text);
    }

    public static ImapResponse tagged(String tag, Status status, ResponseCode code, String text) {
        return new ImapResponse(tag, status, Optional.of(code), text);
    }

    public static ImapResponse untagged(Status status, String text) {
        return new ImapResponse(UNTAGGED, status, Optional.empty(), text);
    }

    public static ImapResponse untagged(Status status, ResponseCode code, String text) {
        return new ImapResponse(UNTAGGED, status, Optional.of(code), text);
    }

    /** The response for a syntax error: {@code tag BAD text}. */
    public static ImapResponse of(ImapSyntaxException e) {
        return new ImapResponse(e.tag(), Status.BAD, Optional.empty(), e.text());
    }

    /** The wire form with CRLF. */
    public String encode() {
        StringBuilder sb = new StringBuilder().append(tag).append(' ').append(status);
        code.ifPresent(c -> sb.append(" [").append(c.wire()).append(']'));
        if (!text.isEmpty()) sb.append(' ').append(text);
        return sb.append("\r\n").toString();
    }

    private static boolean printable(String s) {
        return s.indexOf('\r') < 0 && s.indexOf('\n') < 0 && s.indexOf('\0') < 0;
    }
}
