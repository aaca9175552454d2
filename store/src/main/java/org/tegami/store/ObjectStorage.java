package org.tegami.store;

/**
 * Where the bytes of blobs too large to keep beside the metadata live: files under the data directory
 * (embedded), or objects in an S3 bucket that several nodes share. Keys are blob ids in lowercase hex (content
 * addresses), so the bytes under a key never change. Thread-safe.
 */
public interface ObjectStorage extends AutoCloseable {
    /**
     * Takes a finished, fsync'd temporary file (created under {@link #tempDirectory()}) and stores its bytes under
     * key: moved into place (files) or uploaded and then deleted (S3). Durable when it returns. Storing a key that
     * exists already is harmless (the file is deleted).
     */
    void put(String key, java.nio.file.Path file) throws java.io.IOException;

    /** Where writers create temporary files for {@link #put} (same file system as the objects for files). */
    java.nio.file.Path tempDirectory();

    /** Streams length bytes from offset (length -1: to the end); {@link java.nio.file.NoSuchFileException} when absent. */
    java.io.InputStream get(String key, long offset, long length) throws java.io.IOException;

    /** Size in bytes, or -1 when absent. */
    long size(String key) throws java.io.IOException;

    /** Deletes the object; an absent key is not an error. */
    void delete(String key) throws java.io.IOException;

    /** Up to limit keys in ascending order after {@code after} ("" for the first), for scans of what is stored. */
    java.util.List<String> list(String after, int limit) throws java.io.IOException;

    @Override
    void close();
}
