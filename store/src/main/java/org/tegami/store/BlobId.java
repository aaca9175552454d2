package org.tegami.store;

import java.util.HexFormat;

/** A blob's name: the lower-case hex SHA-256 of its bytes, so equal messages are stored once. */
public record BlobId(String hex) {
    public BlobId {
        // a plain loop: ids are built for every message row read, so this runs 100,000 times per large SELECT
        boolean ok = hex.length() == 64;
        for (int i = 0; ok && i < 64; i++) {
            char c = hex.charAt(i);
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }
        if (!ok) throw new IllegalArgumentException("not a SHA-256 hex digest: " + hex);
    }

    public static BlobId of(byte[] sha256) {
        return new BlobId(HexFormat.of().formatHex(sha256));
    }

    @Override
    public String toString() {
        return hex;
    }
}
