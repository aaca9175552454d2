package org.tegami.imap.proto;

/**
 * A command that cannot be parsed: carries the tag (or {@code *} when none could be read), the text for the
 * tagged {@code BAD} response, and whether the server must close the connection afterwards because the client
 * may already be sending bytes that can no longer be framed (an unread non-synchronizing literal).
 */
public final class ImapSyntaxException extends Exception {
    private final String tag;
    private final String text;
    private final boolean close;
    /** A refusal found while parsing (a literal over a command's own limit), answered NO rather than BAD. */
    private final boolean no;

    public ImapSyntaxException(String tag, String text, boolean close) {
        this(tag, text, close, false);
    }

    private ImapSyntaxException(String tag, String text, boolean close, boolean no) {
        super(tag + (no ? " NO " : " BAD ") + text, null, false, false);
        this.tag = tag;
        this.text = text;
        this.close = close;
        this.no = no;
    }

    /** A tagged NO found while parsing, e.g. {@code [METADATA MAXSIZE n]} before a literal's "+". */
    static ImapSyntaxException no(String tag, String text, boolean close) {
        return new ImapSyntaxException(tag, text, close, true);
    }

    /**
     * A command that is well-formed but refused (tagged NO, RFC 9051 §7.1.2), e.g. a mailbox name that is not valid
     * modified UTF-7; {@code close} as for a syntax error.
     */
    public static ImapSyntaxException refused(String tag, String text, boolean close) {
        return new ImapSyntaxException(tag, text, close, true);
    }

    /** Whether this is a refusal (NO), not a syntax error (BAD). */
    public boolean refusal() {
        return no;
    }

    public String tag() {
        return tag;
    }

    /** The text after {@code BAD }, possibly starting with a response code such as {@code [TOOBIG]}. */
    public String text() {
        return text;
    }

    public boolean close() {
        return close;
    }

    /** The response line to send, without CRLF. */
    public String line() {
        return tag + (no ? " NO " : " BAD ") + text;
    }

    ImapSyntaxException withTag(String newTag) {
        return new ImapSyntaxException(newTag, text, close, no);
    }
}
