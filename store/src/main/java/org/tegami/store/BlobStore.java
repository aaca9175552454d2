package org.tegami.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Immutable, content-addressed message bytes. A blob is durable (fsync'd file and directory) when
 * {@link BlobWriter#commit()} returns, and before any metadata refers to it.
 *
 * <p>Thread-safe.
 */
public interface BlobStore {

    /** Starts a new blob; the caller streams bytes into it and commits or closes (abandons) it. */
    BlobWriter create() throws IOException;

    /** Opens a committed blob for reading. */
    InputStream open(BlobId id) throws IOException;

    /** Size in bytes of a committed blob. */
    long size(BlobId id) throws IOException;

    boolean exists(BlobId id);

    /** A blob being written. Not thread-safe; one writer per message. */
    interface BlobWriter extends AutoCloseable {
        /** Where to write the bytes; do not close it, call {@link #commit()} or {@link #close()}. */
        OutputStream stream();

        /** Bytes written so far. */
        long size();

        /** Fsyncs, moves into place under its digest (a no-op if it already exists) and returns its id. */
        BlobId commit() throws IOException;

        /** Abandons an uncommitted blob and deletes its temporary file; no-op after commit. */
        @Override
        void close();
    }
}
