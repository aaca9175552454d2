package org.tegami.imap.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tegami.imap.message.MessageStructure;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;

/**
 * Parsed MIME structures by blob. Blobs are immutable and content-addressed, so an entry never goes stale; the
 * cache is bounded (least recently used out) and shared by every session, so each message is parsed once while
 * it is being read.
 */
public final class StructureCache {
    public static final int DEFAULT_ENTRIES = 5_000;

    private final BlobStore blobs;
    private final Map<BlobId, MessageStructure> cache;

    public StructureCache(BlobStore blobs, int entries) {
        this.blobs = blobs;
        this.cache = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<BlobId, MessageStructure> eldest) {
                return size() > entries;
            }
        };
    }

    public MessageStructure get(BlobId blob) throws IOException {
        synchronized (cache) {
            MessageStructure s = cache.get(blob);
            if (s != null) return s;
        }
        MessageStructure s = MessageStructure.parse(read(blob));
        synchronized (cache) {
            cache.put(blob, s);
        }
        return s;
    }

    /** The raw message; messages are bounded by the message size limit. */
    public byte[] read(BlobId blob) throws IOException {
        try (InputStream in = blobs.open(blob)) {
            return in.readAllBytes();
        }
    }
}
