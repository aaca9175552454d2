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

    /**
     * Opens {@code length} bytes of a committed blob from {@code offset} ({@code length} -1: to the end), for
     * partial reads such as IMAP's {@code BODY[]<offset.length>}; a store whose blobs are remote fetches only that
     * range. The default skips over the whole stream.
     */
    default InputStream open(BlobId id, long offset, long length) throws IOException {
        InputStream in = open(id);
        try {
            in.skipNBytes(offset);
        } catch (java.io.EOFException e) {
            // past the end: nothing to read
        }
        return length < 0 ? in : limited(in, length);
    }

    /**
     * A range of a stored message's bytes (its header prefix, then its blob), reading from the blob only the part
     * the range covers.
     */
    default InputStream open(MessageContent message, long offset, long length) throws IOException {
        byte[] prefix = message.prefix().bytes();
        long end = length < 0 ? Long.MAX_VALUE : offset + length;
        if (offset >= prefix.length) return open(message.blob(), offset - prefix.length, length);
        java.io.ByteArrayInputStream head = new java.io.ByteArrayInputStream(prefix, (int) offset,
                (int) (Math.min(end, prefix.length) - offset));
        if (end <= prefix.length) return head;
        return new java.io.SequenceInputStream(head,
                open(message.blob(), 0, length < 0 ? -1 : end - prefix.length));
    }

    /** {@code length} bytes of {@code data} from {@code offset} (-1: to the end), cut at its end: a range of an inline blob. */
    static InputStream slice(byte[] data, long offset, long length) {
        int from = (int) Math.min(offset, data.length);
        int n = length < 0 ? data.length - from : (int) Math.min(length, data.length - from);
        return new java.io.ByteArrayInputStream(data, from, n);
    }

    private static InputStream limited(InputStream in, long length) {
        return new java.io.FilterInputStream(in) {
            private long remaining = length;

            @Override
            public int read() throws IOException {
                if (remaining <= 0) return -1;
                int b = super.read();
                if (b >= 0) remaining--;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining <= 0) return -1;
                int n = super.read(b, off, (int) Math.min(len, remaining));
                if (n > 0) remaining -= n;
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long s = super.skip(Math.min(n, remaining));
                remaining -= s;
                return s;
            }

            @Override
            public boolean markSupported() {
                return false;
            }
        };
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
