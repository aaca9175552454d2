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

    public ImapSyntaxException(String tag, String text, boolean close) {
        super(tag + " BAD " + text, null, false, false);
        this.tag = tag;
        this.text = text;
        this.close = close;
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
        return tag + " BAD " + text;
    }

    ImapSyntaxException withTag(String newTag) {
        return new ImapSyntaxException(newTag, text, close);
    }
}
