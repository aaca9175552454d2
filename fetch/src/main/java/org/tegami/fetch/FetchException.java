package org.tegami.fetch;

/**
 * Why one poll of a source failed, in words for {@code tegami fetch list} (never a password).
 *
 * @see #authentication()
 */
public final class FetchException extends Exception {
    private final boolean authentication;

    public FetchException(String message, boolean authentication) {
        super(message);
        this.authentication = authentication;
    }

    /** Whether the server refused the login (five in a row disable the source). */
    public boolean authentication() {
        return authentication;
    }
}
