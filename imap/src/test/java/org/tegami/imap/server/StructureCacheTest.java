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
        // written in the background: up to 30 s for a loaded machine (it was 2 s)
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && store.blobs().index(b).isEmpty()) Thread.sleep(20);
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
    void rawUtf8SummariesAreNotStoredAndRenderPerClient() throws Exception {
        try (Store store = EmbeddedStore.open(dir, InstantSource.fixed(Instant.EPOCH))) {
            BlobId b = blob(store, "Subject: Grüße\r\n\r\nx\r\n");
            StructureCache cache = new StructureCache(store.blobs(), 10);
            assertTrue(cache.summary(b, true).envelope().startsWith("(NIL \"Grüße\" "), "quoted UTF-8 for IMAP4rev2");
            assertTrue(cache.summary(b, false).envelope().startsWith("(NIL {7}\r\nGrüße "), "a literal for IMAP4rev1");
            awaitIndex(store, b);
            var stored = StructureCache.decodeStored(store.blobs().index(b).orElseThrow()).orElseThrow();
            assertEquals(Optional.empty(), stored.summary(), "only the sort keys are stored");
            assertEquals("GRU\u0308ßE", stored.keys().orElseThrow().subject()); // i;unicode-casemap: titlecased, NFKD
        }
    }

    /** The store's blobs, counting how often a message's bytes are read. */
    private static BlobStore counting(BlobStore blobs, java.util.concurrent.atomic.AtomicInteger opens) {
        return (BlobStore) java.lang.reflect.Proxy.newProxyInstance(BlobStore.class.getClassLoader(),
                new Class<?>[] {BlobStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("open")) opens.incrementAndGet();
                    try {
                        return method.invoke(blobs, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void sortKeysAreStoredAndAFirstSortAfterARestartReadsNoMessage() throws Exception {
        String message = "Date: Fri, 3 Jan 2025 10:00:00 +0100\r\nSubject: Re: Grüße\\ aus\r\n Köln\r\n"
                + "From: \"Zoë\" <zoe@example.org>\r\nMessage-ID: <1@x>\r\nReferences: <0@x> <a\\b@x>\r\n\r\nbody\r\n";
        BlobId b;
        org.tegami.imap.message.SortKeys first;
        try (Store store = EmbeddedStore.open(dir, InstantSource.fixed(Instant.EPOCH))) {
            b = blob(store, message);
            first = new StructureCache(store.blobs(), 10).sortKeys(b);
            assertEquals("GRU\u0308ßE\\ AUS KO\u0308LN", first.subject(), "base subject, unfolded, i;unicode-casemap");
            assertTrue(first.replyOrForward());
            awaitIndex(store, b);
        }
        try (Store store = EmbeddedStore.open(dir, InstantSource.fixed(Instant.EPOCH))) {
            var opens = new java.util.concurrent.atomic.AtomicInteger();
            StructureCache cache = new StructureCache(counting(store.blobs(), opens), 10);
            assertEquals(first, cache.sortKeys(b), "the same keys, escapes and all");
            assertEquals(0, opens.get(), "read from the blob index, not parsed again");
            cache.summary(b, false);
            assertEquals(1, opens.get(), "a non-ASCII summary is still rendered from the message");
        }
    }

    @Test
    void anOlderEntryGivesItsSummaryAndIsUpgradedWithTheSortKeys() throws Exception {
        try (Store store = EmbeddedStore.open(dir, InstantSource.fixed(Instant.EPOCH))) {
            BlobId b = blob(store, "Subject: Hi\r\n\r\nbody\r\n");
            store.blobs().putIndex(b, "imap2\n-\n(NIL \"Hi\")\n(b)\n(bs)");
            StructureCache cache = new StructureCache(store.blobs(), 10);
            assertEquals("(NIL \"Hi\")", cache.summary(b, false).envelope(), "the old entry is used as it is");
            assertEquals("HI", new StructureCache(store.blobs(), 10).sortKeys(b).subject());
            long deadline = System.nanoTime() + 30_000_000_000L; // upgraded in the background
            while (System.nanoTime() < deadline && store.blobs().index(b).orElseThrow().startsWith("imap2")) Thread.sleep(20);
            var upgraded = StructureCache.decodeStored(store.blobs().index(b).orElseThrow()).orElseThrow();
            assertEquals("(NIL \"Hi\")", upgraded.summary().orElseThrow().envelope(), "the summary is kept");
            assertEquals("HI", upgraded.keys().orElseThrow().subject());
        }
    }

    @Test
    void unknownFormatsAreRecomputed() {
        assertEquals(Optional.empty(), StructureCache.decode("imap1\n-\n()\n()\n()"));
        assertEquals(Optional.empty(), StructureCache.decode("garbage"));
    }

    @Test
    void messagesWithOneBlobAndDifferentPrefixesShareNoStructure() throws Exception {
        try (Store store = EmbeddedStore.open(dir, InstantSource.fixed(Instant.EPOCH))) {
            String body = "Subject: Hi\r\n\r\nbody\r\n";
            BlobId b = blob(store, body);
            StructureCache cache = new StructureCache(store.blobs(), 10);
            var yes = org.tegami.store.HeaderPrefix.of(java.util.List.of("X-Spam-Status: Yes"));
            var no = org.tegami.store.HeaderPrefix.of(java.util.List.of("X-Spam-Status: No, score=0.01"));
            var a = new org.tegami.store.MessageContent(b, yes, body.length() + yes.length());
            var c = new org.tegami.store.MessageContent(b, no, body.length() + no.length());
            java.util.List<Integer> top = java.util.List.of();
            String headerA = new String(cache.get(a).section(cache.read(a), top, "HEADER", java.util.List.of()).orElseThrow(),
                    StandardCharsets.UTF_8);
            String headerC = new String(cache.get(c).section(cache.read(c), top, "HEADER", java.util.List.of()).orElseThrow(),
                    StandardCharsets.UTF_8);
            assertEquals("X-Spam-Status: Yes\r\nSubject: Hi\r\n\r\n", headerA);
            assertEquals("X-Spam-Status: No, score=0.01\r\nSubject: Hi\r\n\r\n", headerC);
            assertEquals("body\r\n", new String(cache.get(c).section(cache.read(c), top, "TEXT", java.util.List.of())
                    .orElseThrow(), StandardCharsets.UTF_8));
            assertEquals(cache.summary(b, false), cache.summary(b, false), "the summary is the blob's, whatever the prefix");
        }
    }
    @Test
    void headerTextIsDecodedOnceAndSearchesLikeTheWholeMessage() throws Exception {
        try (Store store = EmbeddedStore.open(dir, InstantSource.fixed(Instant.EPOCH))) {
            String raw = "From: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= <sender7@example.org>\r\nSubject: Hi\r\n\r\nFrom: body@example.org\r\n";
            BlobId b = blob(store, raw);
            var opens = new java.util.concurrent.atomic.AtomicInteger();
            StructureCache cache = new StructureCache(counting(store.blobs(), opens), 10);
            var content = new org.tegami.store.MessageContent(b, org.tegami.store.HeaderPrefix.NONE, -1);
            var whole = org.tegami.mime.message.MessageText.of(raw.getBytes(StandardCharsets.UTF_8));
            for (String needle : new String[] {"sender7@", "grüße", "GRÜSSE", "body@", "nobody"}) {
                assertEquals(whole.header("from", needle), cache.headerText(content).header("from", needle), needle);
            }
            assertEquals(false, cache.headerText(content).header("from", "body@"), "the body is not a header");
            assertEquals(1, opens.get(), "read once, then kept");
        }
    }
}
