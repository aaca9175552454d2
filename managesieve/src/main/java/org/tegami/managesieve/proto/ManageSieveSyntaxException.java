package org.tegami.managesieve.proto;

/** A command that cannot be parsed; the message is safe to send to the client in a {@code NO} response. */
public final class ManageSieveSyntaxException extends Exception {
    public ManageSieveSyntaxException(String message) {
        super(message, null, false, false);
    }
}
