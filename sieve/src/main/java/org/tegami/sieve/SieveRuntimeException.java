package org.tegami.sieve;

/** A runtime error or exceeded runtime limit inside the interpreter; it ends the evaluation (RFC 5228 §2.10.6). */
final class SieveRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SieveRuntimeException(String message) {
        super(message, null, false, false);
    }
}
