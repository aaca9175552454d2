package org.tegami.store;

import java.util.HexFormat;

/** A blob's name: the lower-case hex SHA-256 of its bytes, so equal messages are stored once. */
public record BlobId(String hex) {
    public BlobId {
        if (hex.length() != 64 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not a SHA-256 hex digest: " + hex);
        }
    }

    public static BlobId of(byte[] sha256) {
        return new BlobId(HexFormat.of().formatHex(sha256));
    }

    @Override
    public String toString() {
        return hex;
    }
}
