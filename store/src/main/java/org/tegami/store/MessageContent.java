package org.tegami.store;

/**
 * The bytes of one stored message as every reader must see them: its {@link HeaderPrefix} followed by its blob.
 * Two messages with the same blob and different prefixes are different content; read through
 * {@link BlobStore#open(MessageContent)}, never {@link BlobStore#open(BlobId)} with the blob alone.
 *
 * @param size prefix and blob together, in bytes (RFC822.SIZE, POP3 LIST)
 */
public record MessageContent(BlobId blob, HeaderPrefix prefix, long size) {}
