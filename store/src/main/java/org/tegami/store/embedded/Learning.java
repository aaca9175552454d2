package org.tegami.store.embedded;

/** The shared rules ({@link org.tegami.store.jdbc.Learning}) under the name {@link SqlMail} uses, until it moves to the shared layer. */
final class Learning extends org.tegami.store.jdbc.Learning {
    private Learning() {}
}
