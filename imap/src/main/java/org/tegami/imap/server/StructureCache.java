package org.tegami.imap.server;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.tegami.mime.message.MessageStructure;
import org.tegami.imap.proto.ImapWriter;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;

/**
 * ENVELOPE, BODY, BODYSTRUCTURE and the sent date of each blob, parsed once and then kept: in a bounded in-memory
 * cache shared by all sessions, and in the store's blob index ({@link BlobStore#index}) so that neither another
 * FETCH nor a restart parses the message again. Blobs are immutable and content-addressed, so nothing goes stale.
 *
 * <p>Only summaries whose text is plain ASCII on one line are stored: they read the same for IMAP4rev1 and UTF-8
 * clients. Others (raw UTF-8 headers, very long values) are rendered per client from the cached parse.
 */
public final class StructureCache {
    private static final Logger LOG = System.getLogger(StructureCache.class.getName());
    public static final int DEFAULT_ENTRIES = 5_000;
    // bump when the rendering changes, so entries written by an older version are recomputed
    private static final String FORMAT = "imap2";
    /** At most this many index writes in flight; beyond that a summary is simply recomputed another time. */
    private static final int MAX_PENDING_WRITES = 64;

    /** What FETCH and SEARCH need from a message's MIME structure, rendered for a client. */
    public record Summary(String envelope, String body, String bodyStructure, Optional<LocalDate> sentDate, boolean ascii) {}

    private final BlobStore blobs;
    private final Map<BlobId, MessageStructure> structures;
    private final Map<BlobId, Summary> summaries;
    private final Map<BlobId, org.tegami.imap.message.SortKeys> sortKeys;
    private final Semaphore writes = new Semaphore(MAX_PENDING_WRITES);

    public StructureCache(BlobStore blobs, int entries) {
        this.blobs = blobs;
        this.structures = lru(entries);
        this.summaries = lru(entries * 4);
        this.sortKeys = lru(entries * 20); // a few hundred bytes each: SORT and THREAD over 100k-message mailboxes
    }

    private static <V> Map<BlobId, V> lru(int entries) {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<BlobId, V> eldest) {
                return size() > entries;
            }
        };
    }

    /** The summary as a client sees it ({@code utf8}: IMAP4rev2, quoted UTF-8 allowed). */
    public Summary summary(BlobId blob, boolean utf8) throws IOException {
        Summary s;
        synchronized (summaries) {
            s = summaries.get(blob);
        }
        if (s != null && (s.ascii() || utf8)) return s;
        if (s == null) {
            Optional<Summary> stored = blobs.index(blob).flatMap(StructureCache::decode);
            if (stored.isPresent()) {
                remember(blob, stored.get());
                return stored.get();
            }
        }
        MessageStructure m = get(blob);
        Summary rendered = new Summary(m.envelope(str -> ImapWriter.string(str, utf8)),
                m.bodyStructure(false, str -> ImapWriter.string(str, utf8)),
                m.bodyStructure(true, str -> ImapWriter.string(str, utf8)), m.sentDate(), false);
        // plain ASCII on one line means no literal and no UTF-8 was needed: the same text for every client
        if (!plain(rendered)) return rendered;
        Summary ascii = new Summary(rendered.envelope(), rendered.body(), rendered.bodyStructure(), rendered.sentDate(), true);
        remember(blob, ascii);
        persist(blob, ascii);
        return ascii;
    }

    private void remember(BlobId blob, Summary s) {
        synchronized (summaries) {
            summaries.put(blob, s);
        }
    }

    /** Writes the index entry in the background: nobody waits for derived data. */
    private void persist(BlobId blob, Summary s) {
        if (!writes.tryAcquire()) return;
        Thread.ofVirtual().name("imap-index").start(() -> {
            try {
                blobs.putIndex(blob, encode(s));
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "could not store the index of " + blob + ": " + e.getMessage());
            } finally {
                writes.release();
            }
        });
    }

    private static boolean plain(Summary s) {
        return ascii(s.envelope()) && ascii(s.body()) && ascii(s.bodyStructure());
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) return false;
        }
        return true;
    }

    static String encode(Summary s) {
        return String.join("\n", FORMAT, s.sentDate().map(LocalDate::toString).orElse("-"), s.envelope(), s.body(),
                s.bodyStructure());
    }

    static Optional<Summary> decode(String data) {
        String[] f = data.split("\n", -1);
        if (f.length != 5 || !f[0].equals(FORMAT)) return Optional.empty(); // another version's format: recompute
        Optional<LocalDate> sent = f[1].equals("-") ? Optional.empty() : Optional.of(LocalDate.parse(f[1]));
        return Optional.of(new Summary(f[2], f[3], f[4], sent, true));
    }

    /** What SORT and THREAD compare (RFC 5256), derived once per blob. */
    public org.tegami.imap.message.SortKeys sortKeys(BlobId blob) throws IOException {
        synchronized (sortKeys) {
            var k = sortKeys.get(blob);
            if (k != null) return k;
        }
        var k = org.tegami.imap.message.SortKeys.of(get(blob));
        synchronized (sortKeys) {
            sortKeys.put(blob, k);
        }
        return k;
    }

    /** The parsed structure, for sections. */
    public MessageStructure get(BlobId blob) throws IOException {
        synchronized (structures) {
            MessageStructure s = structures.get(blob);
            if (s != null) return s;
        }
        MessageStructure s = MessageStructure.parse(read(blob));
        synchronized (structures) {
            structures.put(blob, s);
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
