package org.tegami.store;

/** The store's roles, opened together on one data directory. */
public interface Store extends AutoCloseable {

    AccountStore accounts();

    MailStore mail();

    BlobStore blobs();

    QueueStore queue();

    @Override
    void close();
}
