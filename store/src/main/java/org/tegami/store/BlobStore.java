package org.tegami.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Immutable, content-addressed message bytes. A blob is durable before any metadata that refers to it: either
 * when {@link BlobWriter#commit()} returns, or — for small blobs a store keeps beside its metadata — in the same
 * transaction as the first {@link MailStore#deliver} that names it while the writer is still open, and at the
 * latest when the writer is closed.
 *
 * <p>Thread-safe.
 */
public interface BlobStore {

    /** Starts a new blob; the caller streams bytes into it and commits or closes (abandons) it. */
    BlobWriter create() throws IOException;

    /** Opens a committed blob for reading. */
    InputStream open(BlobId id) throws IOException;

    /**
     * Opens a stored message's bytes: its header prefix, then its blob. Every reader of a message (IMAP FETCH,
     * POP3 RETR, learning) goes through here, so none forgets the prefix.
     */
    default InputStream open(MessageContent message) throws IOException {
        InputStream blob = open(message.blob());
        return message.prefix().isEmpty() ? blob : new java.io.SequenceInputStream(message.prefix().stream(), blob);
    }

    /** Size in bytes of a committed blob. */
    long size(BlobId id) throws IOException;

    boolean exists(BlobId id);

    /**
     * Data derived from a blob's bytes and kept beside it, such as IMAP's ENVELOPE and BODYSTRUCTURE: computed once
     * per blob instead of per read. Derived data can always be recomputed, so {@link #putIndex} need not be waited
     * for by anyone; blobs are immutable, so an entry never goes stale.
     */
    java.util.Optional<String> index(BlobId id);

    /** The derived data of many blobs at once (those that have some), for a SORT over a whole mailbox. */
    default java.util.Map<BlobId, String> index(java.util.Collection<BlobId> ids) {
        java.util.Map<BlobId, String> out = new java.util.HashMap<>();
        for (BlobId id : ids) index(id).ifPresent(d -> out.put(id, d));
        return out;
    }

    /** Stores derived data for a blob, replacing what was there (a newer format, say). Durable when it returns. */
    default void putIndex(BlobId id, String data) {
        putIndex(java.util.Map.of(id, data));
    }

    /** Stores derived data for many blobs in one transaction (a first SORT over a large mailbox derives thousands). */
    void putIndex(java.util.Map<BlobId, String> entries);

    /**
     * Deletes every blob that no message and no queue entry names any more: expunged and moved-away mail, removed
     * users' mail, delivered queue entries, and blobs committed for writes that were then refused. A blob named
     * again while the collector runs is kept. Only the serving process calls this (periodically); returns how many
     * blobs were deleted.
     */
    long collect() throws IOException;

    /** A blob being written. Not thread-safe; one writer per message. */
    interface BlobWriter extends AutoCloseable {
        /** Where to write the bytes; do not close it, call {@link #commit()} or {@link #close()}. */
        OutputStream stream();

        /** Bytes written so far. */
        long size();

        /** Fsyncs, moves into place under its digest (a no-op if it already exists) and returns its id. */
        BlobId commit() throws IOException;

        /**
         * Abandons an uncommitted blob and deletes its temporary file. After commit, makes the blob durable if no
         * delivery has done so yet.
         */
        @Override
        void close();
    }
}
