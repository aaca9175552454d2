package org.tegami.imap.server;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.tegami.imap.message.SortKeys;
import org.tegami.mime.message.MessageStructure;
import org.tegami.mime.message.MessageText;
import org.tegami.imap.proto.ImapWriter;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.HeaderPrefix;
import org.tegami.store.MessageContent;

/**
 * ENVELOPE, BODY, BODYSTRUCTURE and the sent date of each blob, parsed once and then kept: in a bounded in-memory
 * cache shared by all sessions, and in the store's blob index ({@link BlobStore#index}) so that neither another
 * FETCH nor a restart parses the message again. Blobs are immutable and content-addressed, so nothing goes stale.
 *
 * <p>A message's bytes are its header prefix and its blob ({@link MessageContent}): the parsed structure (byte
 * offsets of sections) and the raw bytes are kept per blob and prefix, so two messages with one blob and different
 * prefixes never share them. The summary and sort keys are kept per blob: a prefix never holds a field they read
 * ({@link HeaderPrefix#STRUCTURAL}).
 *
 * <p>Only summaries whose text is plain ASCII on one line are stored: they read the same for IMAP4rev1 and UTF-8
 * clients. Others (raw UTF-8 headers, very long values) are rendered per client from the cached parse.
 */
public final class StructureCache {
    private static final Logger LOG = System.getLogger(StructureCache.class.getName());
    public static final int DEFAULT_ENTRIES = 5_000;
    // bump when the rendering changes, so entries written by an older version are recomputed (imap4: ENVELOPE groups
    // without made-up addresses, sort keys in i;unicode-casemap)
    private static final String FORMAT = "imap4";
    /** At most this many index entries queued for writing (a few hundred bytes each). */
    private static final int MAX_PENDING_WRITES = 10_000;

    /** What FETCH and SEARCH need from a message's MIME structure, rendered for a client. */
    public record Summary(String envelope, String body, String bodyStructure, Optional<LocalDate> sentDate, boolean ascii) {}

    private final BlobStore blobs;
    private final Map<Key, MessageStructure> structures;
    private final Map<BlobId, Summary> summaries;
    private final Map<BlobId, SortKeys> sortKeys;
    private final Map<Key, MessageText> headerTexts;
    /** Header texts larger than this are decoded per search, not kept. */
    static final int MAX_KEPT_HEADER = 16 * 1024;
    private final Map<BlobId, String> pendingWrites = new LinkedHashMap<>();
    private boolean writing;

    public StructureCache(BlobStore blobs, int entries) {
        this.blobs = blobs;
        this.structures = lru(entries);
        this.summaries = lru(entries * 4);
        this.sortKeys = lru(entries * 20); // a few hundred bytes each: SORT and THREAD over 100k-message mailboxes
        this.headerTexts = lru(entries);
    }

    /** What the parsed structure depends on: the blob and the prefix in front of it. */
    private record Key(BlobId blob, HeaderPrefix prefix) {}

    private static <K, V> Map<K, V> lru(int entries) {
        return new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
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
        Optional<Stored> stored = Optional.empty();
        if (s == null) {
            stored = blobs.index(blob).flatMap(StructureCache::decodeStored);
            stored.flatMap(Stored::keys).ifPresent(k -> rememberKeys(blob, k));
            if (stored.flatMap(Stored::summary).isPresent()) {
                remember(blob, stored.get().summary().get());
                return stored.get().summary().get();
            }
        }
        MessageStructure m = get(new Key(blob, HeaderPrefix.NONE));
        Summary rendered = render(m, utf8);
        Optional<Summary> ascii = asciiOf(rendered);
        ascii.ifPresent(a -> remember(blob, a));
        // written once per blob: when nothing was stored, or only the sort keys and now the summary too
        if (s == null && (stored.isEmpty() || ascii.isPresent())) persist(blob, ascii, keys(blob, m));
        return ascii.orElse(rendered);
    }

    private static Summary render(MessageStructure m, boolean utf8) {
        return new Summary(m.envelope(str -> ImapWriter.string(str, utf8)),
                m.bodyStructure(false, str -> ImapWriter.string(str, utf8)),
                m.bodyStructure(true, str -> ImapWriter.string(str, utf8)), m.sentDate(), false);
    }

    /** Plain ASCII on one line means no literal and no UTF-8 was needed: the same text for every client. */
    private static Optional<Summary> asciiOf(Summary rendered) {
        if (!plain(rendered)) return Optional.empty();
        return Optional.of(new Summary(rendered.envelope(), rendered.body(), rendered.bodyStructure(), rendered.sentDate(),
                true));
    }

    private void remember(BlobId blob, Summary s) {
        synchronized (summaries) {
            summaries.put(blob, s);
        }
    }

    private void rememberKeys(BlobId blob, SortKeys k) {
        synchronized (sortKeys) {
            sortKeys.put(blob, k);
        }
    }

    private SortKeys keys(BlobId blob, MessageStructure m) {
        synchronized (sortKeys) {
            SortKeys k = sortKeys.get(blob);
            if (k != null) return k;
        }
        SortKeys k;
        try {
            k = SortKeys.of(m);
        } catch (RuntimeException | StackOverflowError e) {
            // one message's headers must not fail every SORT and THREAD of its mailbox: it sorts as keyless
            LOG.log(Level.WARNING, "cannot derive the sort keys of blob " + blob + "; it sorts as empty", e);
            k = SortKeys.EMPTY;
        }
        rememberKeys(blob, k);
        return k;
    }

    /**
     * Queues the index entry for the background writer: nobody waits for derived data. Entries are written in
     * batches (one transaction each), so a first SORT over 100,000 messages stores them all in a few commits;
     * beyond {@value #MAX_PENDING_WRITES} queued, an entry is dropped and simply derived again another time.
     */
    private void persist(BlobId blob, Optional<Summary> s, SortKeys k) {
        synchronized (pendingWrites) {
            if (pendingWrites.size() >= MAX_PENDING_WRITES) return;
            pendingWrites.put(blob, encode(s, k));
            if (writing) return;
            writing = true;
        }
        Thread.ofVirtual().name("imap-index").start(this::drain);
    }

    private void drain() {
        while (true) {
            Map<BlobId, String> batch;
            synchronized (pendingWrites) {
                if (pendingWrites.isEmpty()) {
                    writing = false;
                    return;
                }
                batch = new LinkedHashMap<>(pendingWrites);
                pendingWrites.clear();
            }
            try {
                blobs.putIndex(batch);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "could not store " + batch.size() + " index entries: " + e.getMessage());
            } catch (Error e) {
                // not rethrown: "writing" would stay true and no index entry would ever be written again
                LOG.log(Level.ERROR, "could not store " + batch.size() + " index entries", e);
            }
        }
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

    /** What the blob index holds for a message: its summary when plain ASCII, and its sort keys. */
    record Stored(Optional<Summary> summary, Optional<SortKeys> keys) {}

    /**
     * One line per field: format, sent date, then (when stored) the summary, then the sort keys with backslash,
     * CR and LF escaped (subjects and names may be any UTF-8).
     */
    static String encode(Optional<Summary> s, SortKeys k) {
        List<String> f = new ArrayList<>(List.of(FORMAT, s.flatMap(Summary::sentDate).map(LocalDate::toString).orElse("-"),
                s.isPresent() ? "1" : "0", s.map(Summary::envelope).orElse(""), s.map(Summary::body).orElse(""),
                s.map(Summary::bodyStructure).orElse("")));
        f.add(k.date().map(d -> Long.toString(d.toEpochMilli())).orElse("-"));
        for (String t : List.of(k.subject(), k.from(), k.to(), k.cc(), k.displayFrom(), k.displayTo())) f.add(escape(t));
        f.add(k.messageId().map(StructureCache::escape).orElse("-"));
        f.add(escape(String.join(" ", k.references())));
        f.add(k.replyOrForward() ? "1" : "0");
        return String.join("\n", f);
    }

    static Optional<Summary> decode(String data) {
        return decodeStored(data).flatMap(Stored::summary);
    }

    /** The stored entry; an older format ({@code imap2}: summary only) still gives its summary; others nothing. */
    static Optional<Stored> decodeStored(String data) {
        String[] f = data.split("\n", -1);
        try {
            if (f.length == 5 && f[0].equals("imap2")) {
                return Optional.of(new Stored(Optional.of(new Summary(f[2], f[3], f[4], date(f[1]), true)), Optional.empty()));
            }
            if (f.length != 16 || !f[0].equals(FORMAT)) return Optional.empty(); // another version's format: recompute
            Optional<Summary> summary = f[2].equals("1")
                    ? Optional.of(new Summary(f[3], f[4], f[5], date(f[1]), true)) : Optional.empty();
            SortKeys k = new SortKeys(f[6].equals("-") ? Optional.empty() : Optional.of(Instant.ofEpochMilli(Long.parseLong(f[6]))),
                    unescape(f[7]), unescape(f[8]), unescape(f[9]), unescape(f[10]), unescape(f[11]), unescape(f[12]),
                    f[13].equals("-") ? Optional.empty() : Optional.of(unescape(f[13])),
                    f[14].isEmpty() ? List.of() : List.of(unescape(f[14]).split(" ")), f[15].equals("1"));
            return Optional.of(new Stored(summary, Optional.of(k)));
        } catch (RuntimeException e) {
            return Optional.empty(); // damaged: derived again
        }
    }

    private static Optional<LocalDate> date(String field) {
        return field.equals("-") ? Optional.empty() : Optional.of(LocalDate.parse(field));
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char n = s.charAt(++i);
            b.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
        }
        return b.toString();
    }

    /**
     * The sort keys of many messages: from memory, then those stored in the blob index in a few bulk reads, then
     * the rest parsed (a SORT or THREAD over a whole mailbox after a restart).
     */
    Map<BlobId, SortKeys> sortKeys(java.util.Collection<BlobId> blobs, Progress progress) throws IOException {
        Map<BlobId, SortKeys> out = new java.util.HashMap<>();
        List<BlobId> missing = new ArrayList<>();
        synchronized (sortKeys) {
            for (BlobId b : blobs) {
                SortKeys k = sortKeys.get(b);
                if (k != null) out.put(b, k);
                else missing.add(b);
            }
        }
        for (int i = 0; i < out.size(); i++) progress.step(); // counted outside the lock: step() may write
        Map<BlobId, String> stored = this.blobs.index(missing);
        for (BlobId b : missing) {
            if (out.containsKey(b)) continue; // the same blob twice
            Optional<SortKeys> k = Optional.ofNullable(stored.get(b)).flatMap(StructureCache::decodeStored)
                    .flatMap(Stored::keys);
            if (k.isPresent()) {
                rememberKeys(b, k.get());
                out.put(b, k.get());
            } else {
                out.put(b, sortKeys(b));
            }
            progress.step(); // RFC 9585: parsing a large mailbox for the first time takes seconds
        }
        return out;
    }

    /** What SORT and THREAD compare (RFC 5256), derived once per blob and kept beside the summary. */
    public SortKeys sortKeys(BlobId blob) throws IOException {
        synchronized (sortKeys) {
            SortKeys k = sortKeys.get(blob);
            if (k != null) return k;
        }
        Optional<Stored> stored = blobs.index(blob).flatMap(StructureCache::decodeStored);
        if (stored.flatMap(Stored::keys).isPresent()) {
            rememberKeys(blob, stored.get().keys().get());
            return stored.get().keys().get();
        }
        MessageStructure m = get(new Key(blob, HeaderPrefix.NONE));
        SortKeys k = keys(blob, m);
        Optional<Summary> summary = stored.flatMap(Stored::summary).or(() -> asciiOf(render(m, false)));
        persist(blob, summary, k);
        return k;
    }

    /**
     * The decoded header fields of a message (prefix and blob), for SEARCH FROM, SUBJECT, HEADER: decoded once and
     * kept (up to {@value #MAX_KEPT_HEADER} octets of header), not re-read and re-parsed by every search. Only its
     * header searches are meaningful: it holds no body.
     */
    public MessageText headerText(MessageContent message) throws IOException {
        Key key = new Key(message.blob(), message.prefix());
        synchronized (headerTexts) {
            MessageText t = headerTexts.get(key);
            if (t != null) return t;
        }
        byte[] raw = read(key);
        int end = headerEnd(raw);
        MessageText t = MessageText.of(java.util.Arrays.copyOf(raw, end));
        if (end <= MAX_KEPT_HEADER) {
            synchronized (headerTexts) {
                headerTexts.put(key, t);
            }
        }
        return t;
    }

    /** Where the header ends: after its empty line (RFC 5322 §2.1), or the whole message when it has none. */
    static int headerEnd(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] != '\n') continue;
            if (i + 1 < b.length && b[i + 1] == '\n') return i + 2;
            if (i + 2 < b.length && b[i + 1] == '\r' && b[i + 2] == '\n') return i + 3;
        }
        return b.length;
    }

    /** The parsed structure of a message (prefix and blob), for sections. */
    public MessageStructure get(MessageContent message) throws IOException {
        return get(new Key(message.blob(), message.prefix()));
    }

    private MessageStructure get(Key key) throws IOException {
        synchronized (structures) {
            MessageStructure s = structures.get(key);
            if (s != null) return s;
        }
        MessageStructure s = MessageStructure.parse(read(key));
        synchronized (structures) {
            structures.put(key, s);
        }
        return s;
    }

    /** The raw message, prefix and blob; messages are bounded by the message size limit. */
    public byte[] read(MessageContent message) throws IOException {
        return read(new Key(message.blob(), message.prefix()));
    }

    /**
     * Up to {@code length} bytes of a message from {@code offset}, read from the store as a range (a partial
     * {@code BODY[]<offset.length>} of a large message in S3 fetches only that part).
     */
    public byte[] read(MessageContent message, long offset, long length) throws IOException {
        long n = Math.max(0, Math.min(length, message.size() - offset));
        if (n == 0) return new byte[0];
        try (InputStream in = blobs.open(message, offset, n)) {
            return in.readNBytes((int) Math.min(n, Integer.MAX_VALUE - 8));
        }
    }

    private byte[] read(Key key) throws IOException {
        try (InputStream in = blobs.open(new MessageContent(key.blob(), key.prefix(), -1))) {
            return in.readAllBytes();
        }
    }
}
