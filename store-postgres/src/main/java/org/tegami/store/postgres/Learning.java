package org.tegami.store.postgres;

/** The shared rules ({@link org.tegami.store.jdbc.Learning}) under the name {@link PgMail} uses, until it moves to the shared layer. */
final class Learning extends org.tegami.store.jdbc.Learning {
    private Learning() {}
}
