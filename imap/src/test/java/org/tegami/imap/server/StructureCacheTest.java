package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;

/** ENVELOPE/BODYSTRUCTURE are parsed once per blob and kept in the store's blob index. */
class StructureCacheTest {
    @TempDir
    Path dir;

    private static BlobId blob(Store store, String message) throws IOException {
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(message.getBytes(StandardCharsets.UTF_8));
            return w.commit();
        }
    }

    private static void awaitIndex(Store store, BlobId b) throws InterruptedException {
        for (int i = 0; i < 100 && store.blobs().index(b).isEmpty(); i++) Thread.sleep(20);
    }

    @Test
    void asciiSummaryIsStoredOnceAndReadBackAfterARestart() throws Exception {
        BlobId b;
        StructureCache.Summary first;
        try (Store store = EmbeddedStore.open(dir, InstantSource.fixed(Instant.EPOCH))) {
            b = blob(store, "Date: Fri, 3 Jan 2025 10:00:00 +0100\r\nSubject: Hi\r\nFrom: a@example.org\r\n\r\nbody\r\n");
            first = new StructureCache(store.blobs(), 10).summary(b, false);
            assertEquals("(\"Fri, 3 Jan 2025 10:00:00 +0100\" \"Hi\" ((NIL NIL \"a\" \"example.org\")) ((NIL NIL \"a\""
                    + " \"example.org\")) ((NIL NIL \"a\" \"example.org\")) NIL NIL NIL NIL NIL)", first.envelope());
            assertEquals(Optional.of(LocalDate.of(2025, 1, 3)), first.sentDate());
            awaitIndex(store, b);
            assertTrue(store.blobs().index(b).isPresent(), "written to the blob index");
        }
        try (Store store = EmbeddedStore.open(dir, InstantSource.fixed(Instant.EPOCH))) {
            String stored = store.blobs().index(b).orElseThrow();
            assertEquals(Optional.of(first), StructureCache.decode(stored));
            assertEquals(first, new StructureCache(store.blobs(), 10).summary(b, true), "same text for UTF-8 clients");
        }
    }

    @Test
    void rawUtf8HeadersAreNotStoredAndRenderPerClient() throws Exception {
        try (Store store = EmbeddedStore.open(dir, InstantSource.fixed(Instant.EPOCH))) {
            BlobId b = blob(store, "Subject: Grüße\r\n\r\nx\r\n");
            StructureCache cache = new StructureCache(store.blobs(), 10);
            assertTrue(cache.summary(b, true).envelope().startsWith("(NIL \"Grüße\" "), "quoted UTF-8 for IMAP4rev2");
            assertTrue(cache.summary(b, false).envelope().startsWith("(NIL {7}\r\nGrüße "), "a literal for IMAP4rev1");
            Thread.sleep(200);
            assertEquals(Optional.empty(), store.blobs().index(b));
        }
    }

    @Test
    void unknownFormatsAreRecomputed() {
        assertEquals(Optional.empty(), StructureCache.decode("imap1\n-\n()\n()\n()"));
        assertEquals(Optional.empty(), StructureCache.decode("garbage"));
    }
}
