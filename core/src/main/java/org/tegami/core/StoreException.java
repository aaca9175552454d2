package org.tegami.core;

/** The store could not complete an operation (I/O, database); protocol code answers with a temporary error. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
