package org.tegami.core;

/**
 * A failure an operator can act on: the message says what went wrong and how to fix it, and is printed
 * without a stack trace by the command line.
 */
public class TegamiException extends RuntimeException {
    public TegamiException(String message) {
        super(message);
    }

    public TegamiException(String message, Throwable cause) {
        super(message, cause);
    }
}
