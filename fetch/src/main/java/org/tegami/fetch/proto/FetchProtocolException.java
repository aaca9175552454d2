package org.tegami.fetch.proto;

/** A remote server said something this client does not accept (malformed, over a limit, or out of order). */
public final class FetchProtocolException extends Exception {
    public FetchProtocolException(String message) {
        super(message);
    }
}
