package org.tegami.pop3.proto;

/** A command line that cannot be parsed; the message is the text after {@code -ERR }. */
public final class Pop3SyntaxException extends Exception {
    public Pop3SyntaxException(String message) {
        super(message, null, false, false);
    }
}
