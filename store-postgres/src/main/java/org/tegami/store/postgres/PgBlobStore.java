package org.tegami.store.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.ObjectStorage;
import org.tegami.store.jdbc.BlobCatalog;
import org.tegami.store.jdbc.BlobSpool;
import org.tegami.store.jdbc.Dialect;
import org.tegami.store.jdbc.Jdbc;
import org.tegami.store.jdbc.Tx;

/**
 * Blobs with their catalog in PostgreSQL (table {@code blobs}: every blob's size, and the bytes of blobs up to
 * {@link #INLINE_MAX} inline) and the bytes of larger ones in an {@link ObjectStorage} that every node shares.
 *
 * <p>Durability: every blob is durable before any metadata names it, and no blob has a commit of its own. A
 * writer's {@link BlobWriter#commit()} keeps an inline blob's bytes in this process, or stores a large blob's object
 * (durable when the object storage's put returns), and <em>holds</em> it ({@link Hold}) until its writer closes:
 * the first write that names it inserts its catalog row in the same transaction (the {@link BlobStore} contract
 * allows this for blobs kept beside the metadata; a large blob's bytes are already stored, only the row that lists
 * them waits), and the writer's close stores the row when nothing did, listed for the collector. Until then no other
 * node knows of the blob. Should the process die in between, an inline blob was never acknowledged, and a large
 * blob's object is found by the collector's sweep of the object storage ({@link #sweep}).
 *
 * <p>Collection across nodes: a blob is deleted only in a transaction that holds its catalog row {@code FOR UPDATE}
 * and finds no message and no queue entry naming it; every write that names a blob (delivery, APPEND, COPY/MOVE)
 * first takes the row ({@link #claim}), inserting it for a blob it stores. A large blob's object was stored before
 * that write, with no row locked, so a collector may have deleted the object of an older unnamed row of the same
 * bytes meanwhile: the write checks, holding the row, that the object is there, and fails otherwise (nothing is
 * acknowledged that cannot be read; the sender tries again). The collector's transaction is READ COMMITTED (it reads
 * every committed reference after taking the lock, and such a commit cannot fail for serialization), and it deletes
 * the object before committing: should the commit still fail (a lost connection), the catalog names a missing object
 * that nothing references, which the next collection removes and a writer of the same content stores again.
 */
final class PgBlobStore implements BlobStore {
    static final int INLINE_MAX = 128 * 1024;
    /** How long a committed blob stays held when its writer's process dies before delivering or closing. */
    static final long HOLD_MILLIS = 3_600_000;

    private final PgDb db;
    private final BlobCatalog catalog;
    private final ObjectStorage objects;
    private final int inlineMax;
    /** Blobs committed by open writers of this process, by hex. */
    private final ConcurrentHashMap<String, Hold> holds = new ConcurrentHashMap<>();

    /**
     * A writer's hold on a blob; {@code named} once a committed write names the blob. {@code data}: an inline blob's
     * bytes, which reads of this process take from here while the writer is open (the inbound pipeline reads a
     * message it just received more than once; the bytes of a digest never change, so they cannot be stale).
     * {@code pending}: the inline blob has no catalog row yet; the first write that names it inserts the row in its
     * own transaction (one commit per delivery instead of two), or the writer's close does ({@link Writer#close}).
     */
    static final class Hold {
        final long until;
        final boolean pending;
        /** The blob's size in bytes (a large blob's: its catalog row, when a write inserts it, records it). */
        long size;
        /** Set once the bytes are committed or pending: nothing is read from here that a write could not name. */
        volatile byte[] data;
        /** A large blob whose object and catalog row are committed: reads go straight to the object storage. */
        volatile boolean inObjects;
        volatile boolean named;
        /** Open writers of a pending blob sharing this hold (the same bytes written twice), changed in {@code holds}. */
        int writers = 1;

        Hold(long until, boolean pending) {
            this.until = until;
            this.pending = pending;
        }
    }

    /** What a write naming {@code id} inserts in its own transaction: this process's pending inline blob, or null. */
    Hold pending(BlobId id) {
        Hold h = holds.get(id.hex());
        return h != null && h.pending && (h.data != null || h.inObjects) ? h : null;
    }

    /** The bytes of an inline blob an open writer of this process committed, or read lately; null if neither. */
    private byte[] held(BlobId id) {
        Hold h = holds.get(id.hex());
        if (h != null && h.data != null) return h.data;
        return recent.get(id.hex());
    }

    /** Bytes of the inline blobs this process read lately, at most {@link #RECENT_BYTES} (LRU). */
    static final long RECENT_BYTES = 16L << 20;
    private final RecentBlobs recent = new RecentBlobs(RECENT_BYTES);

    /**
     * Inline blobs read lately, least recently used first out: an IMAP FETCH of a body reads its blob twice (the
     * header, then the text), and a mailbox's messages are often fetched again soon. A blob's bytes are named by
     * their digest and never change, so a copy here cannot be stale; a blob deleted meanwhile is one that no message
     * names any more.
     */
    static final class RecentBlobs {
        private final long max;
        private long bytes;
        private final java.util.LinkedHashMap<String, byte[]> map = new java.util.LinkedHashMap<>(64, 0.75f, true);

        RecentBlobs(long max) {
            this.max = max;
        }

        synchronized byte[] get(String hex) {
            return map.get(hex);
        }

        synchronized void put(String hex, byte[] data) {
            if (data.length > max / 8) return;
            byte[] old = map.put(hex, data);
            if (old != null) bytes -= old.length;
            bytes += data.length;
            var it = map.values().iterator();
            while (bytes > max && it.hasNext()) {
                bytes -= it.next().length;
                it.remove();
            }
        }

        synchronized void remove(String hex) {
            byte[] old = map.remove(hex);
            if (old != null) bytes -= old.length;
        }

        synchronized long bytes() {
            return bytes;
        }
    }

    PgBlobStore(PgDb db, ObjectStorage objects, int inlineMax) {
        this.db = db;
        this.catalog = new BlobCatalog(db);
        this.objects = objects;
        this.inlineMax = inlineMax;
    }

    @Override
    public BlobWriter create() {
        return new Writer();
    }

    /**
     * Called inside every write that makes a message or queue entry name {@code id}: takes the catalog row (so a
     * collector cannot delete it until this write ends), ends the writer's hold (the reference now keeps it), and
     * fails that write when the blob is not stored: nothing is acknowledged that cannot be read.
     */
    void claim(Tx tx, BlobId id) throws SQLException {
        claim(tx, id, null);
    }

    /** {@link #claim}, inserting the catalog row of {@code pending} (from {@link #pending}) when there is one. */
    void claim(Tx tx, BlobId id, Hold pending) throws SQLException {
        if (pending != null) {
            // the row, inserted or taken (another writer of the same bytes may have stored it, or the collector
            // adopted the object, see sweep): locked till we end
            Jdbc.update(tx, "INSERT INTO blobs(hex, size, data, held_until) VALUES (?, ?, ?, 0) ON CONFLICT (hex)"
                    + " DO UPDATE SET held_until = 0, size = excluded.size, data = COALESCE(blobs.data, excluded.data)",
                    id.hex(), pending.size, pending.data);
            if (pending.data == null) {
                // A large blob's object was stored before this transaction, with no row to lock: a collector may
                // have deleted the object of an older, unnamed row of the same bytes meanwhile. Now that this
                // transaction holds the row, no collector can; the object must be there, or nothing is acknowledged.
                long stored;
                try {
                    stored = objects.size(id.hex());
                } catch (IOException e) {
                    throw new SQLException("cannot check blob " + id + ": " + e.getMessage(), e);
                }
                if (stored < 0) throw new SQLException("blob " + id + " is not stored");
            }
            tx.afterCommit(() -> {
                pending.named = true;
                Hold h = holds.get(id.hex());
                if (h != null) h.named = true;
            });
            return;
        }
        try (var ps = Jdbc.prepare(tx, "UPDATE blobs SET held_until = 0 WHERE hex = ? RETURNING 1", id.hex());
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) throw new SQLException("blob " + id + " is not stored");
        }
        tx.afterCommit(() -> {
            Hold h = holds.get(id.hex());
            if (h != null) h.named = true;
        });
    }

    @Override
    public long collect() throws IOException {
        sweep();
        long deleted = 0;
        String after = "";
        while (true) {
            String from = after;
            List<String> batch = db.read(tx -> BlobCatalog.orphans(tx, from));
            if (batch.isEmpty()) return deleted;
            for (String hex : batch) {
                if (holds.containsKey(hex)) continue;
                try {
                    if (db.writeLocked(tx -> collectOne(tx, hex))) deleted++;
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            }
            after = batch.getLast();
        }
    }

    /** Objects the sweep looks at per collection. */
    static final int SWEEP_PAGE = 1000;
    /** Where this node's sweep of the object storage goes on from ("" from the start). */
    private volatile String sweptTo = "";

    /**
     * Adopts objects no catalog row names, a page per collection: a large blob's object is stored before the write
     * that inserts its row, so a process that dies in between leaves an object nobody lists. Each one found gets a
     * row held for {@link #HOLD_MILLIS} (a writer on any node may still be about to name it: its write then takes
     * the row) and is listed for the collector, which deletes it once the hold is over and nothing names it.
     */
    private void sweep() throws IOException {
        String from = sweptTo;
        List<String> keys = objects.list(from, SWEEP_PAGE);
        sweptTo = keys.size() < SWEEP_PAGE ? "" : keys.getLast();
        if (keys.isEmpty()) return;
        String[] page = keys.toArray(String[]::new);
        java.util.Set<String> known = new java.util.HashSet<>(db.read(tx -> {
            try (var ps = tx.c.prepareStatement("SELECT hex FROM blobs WHERE hex = ANY(?)")) {
                ps.setArray(1, tx.c.createArrayOf("text", page));
                List<String> out = new java.util.ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
                return out;
            }
        }));
        java.util.Map<String, Long> stray = new java.util.LinkedHashMap<>();
        for (String k : keys) {
            if (known.contains(k) || holds.containsKey(k)) continue;
            long size = objects.size(k);
            if (size >= 0) stray.put(k, size);
        }
        if (stray.isEmpty()) return;
        long until = System.currentTimeMillis() + HOLD_MILLIS;
        db.writeLocked(tx -> {
            for (var e : stray.entrySet()) {
                Jdbc.update(tx, "INSERT INTO blobs(hex, size, data, held_until) VALUES (?, ?, NULL, ?) ON CONFLICT (hex)"
                        + " DO NOTHING", e.getKey(), e.getValue(), until);
                BlobCatalog.orphan(Dialect.POSTGRESQL, tx, e.getKey());
            }
            return null;
        });
    }

    private boolean collectOne(Tx tx, String hex) throws SQLException {
        boolean inline;
        try (var ps = Jdbc.prepare(tx, "SELECT data IS NOT NULL, held_until FROM blobs WHERE hex = ? FOR UPDATE", hex);
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                BlobCatalog.unlist(tx, hex);
                return false;
            }
            if (rs.getLong(2) > System.currentTimeMillis()) return false; // a writer holds it: look again later
            inline = rs.getBoolean(1);
        }
        boolean named = BlobCatalog.named(tx, hex);
        BlobCatalog.unlist(tx, hex);
        if (named) return false;
        BlobCatalog.drop(tx, hex);
        recent.remove(hex);
        if (!inline) {
            try {
                objects.delete(hex);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return true;
    }

    @Override
    public InputStream open(BlobId id) throws IOException {
        return open(id, 0, -1);
    }

    /**
     * A range of a blob: inline bytes are sliced; a blob in the object storage is one ranged GET, so a partial
     * FETCH of a large message never downloads it from byte 0.
     */
    @Override
    public InputStream open(BlobId id, long offset, long length) throws IOException {
        byte[] held = held(id);
        if (held != null) return BlobStore.slice(held, offset, length);
        Hold h = holds.get(id.hex());
        // no database read while the inbound pipeline works on a message (a stage may read it on a thread of its own)
        if (h != null && h.inObjects) return objects.get(id.hex(), offset, length);
        record Row(boolean found, byte[] data) {}
        Row row = db.point(tx -> {
            try (var ps = Jdbc.prepare(tx, "SELECT data FROM blobs WHERE hex = ?", id.hex());
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Row(true, rs.getBytes(1)) : new Row(false, null);
            }
        });
        if (!row.found()) throw new NoSuchFileException("blob " + id);
        if (row.data() != null) {
            recent.put(id.hex(), row.data());
            return BlobStore.slice(row.data(), offset, length);
        }
        return objects.get(id.hex(), offset, length);
    }

    @Override
    public long size(BlobId id) throws IOException {
        byte[] held = held(id);
        if (held != null) return held.length;
        Hold h = holds.get(id.hex());
        if (h != null && h.inObjects) return h.size;
        List<String> n = db.point(tx -> Jdbc.strings(tx, "SELECT size FROM blobs WHERE hex = ?", id.hex()));
        if (n.isEmpty()) throw new NoSuchFileException("blob " + id);
        return Long.parseLong(n.getFirst());
    }

    @Override
    public boolean exists(BlobId id) {
        Hold h = holds.get(id.hex());
        if (h != null && (h.data != null || h.inObjects)) return true;
        return !db.point(tx -> Jdbc.strings(tx, "SELECT 1 FROM blobs WHERE hex = ?", id.hex())).isEmpty();
    }

    @Override
    public java.util.Optional<String> index(BlobId id) {
        return catalog.index(id);
    }

    @Override
    public java.util.Map<BlobId, String> index(java.util.Collection<BlobId> ids) {
        return catalog.index(ids);
    }

    @Override
    public void putIndex(java.util.Map<BlobId, String> entries) {
        catalog.putIndex(entries);
    }

    /** Bytes in a {@link BlobSpool}: in memory up to {@code inlineMax}, past that in the object storage's temporary directory. */
    private final class Writer implements BlobWriter {
        private final BlobSpool spool = new BlobSpool(objects.tempDirectory(), inlineMax);
        private boolean done;
        private String committed;
        private Hold hold;

        @Override
        public OutputStream stream() {
            return spool.stream();
        }

        @Override
        public long size() {
            return spool.size();
        }

        @Override
        public BlobId commit() throws IOException {
            done = true;
            long size = spool.size();
            BlobId id = spool.finish();
            String hex = id.hex();
            byte[] inline = spool.spilled() ? null : spool.bytes();
            if (inline != null) {
                // no commit of its own: the write that names it inserts it (see Hold), close() if none does; writers
                // of the same bytes share one hold, so none of them loses the bytes when another closes first
                pend(hex, size, inline);
                return id;
            }
            // The object first, durable when put returns, and no transaction of its own: the write that names the
            // blob inserts its catalog row (see claim), or close() does when none does. Until then only this
            // process knows of it; should the process die first, the collector's sweep finds the object.
            Path file = spool.file();
            if (Files.exists(file)) objects.put(hex, file);
            else if (objects.size(hex) < 0) throw new NoSuchFileException("object " + hex + " vanished");
            pend(hex, size, null);
            return id;
        }

        /**
         * This writer's pending hold of {@code hex}, shared with any other open writer of the same bytes;
         * {@code inline} is the bytes of a small blob, null for a large one already in the object storage.
         */
        private void pend(String hex, long size, byte[] inline) {
            long until = System.currentTimeMillis() + HOLD_MILLIS;
            hold = holds.compute(hex, (k, old) -> {
                if (old != null && old.pending) {
                    old.writers++;
                    return old;
                }
                Hold fresh = new Hold(until, true);
                fresh.size = size;
                if (inline != null) fresh.data = inline;
                else fresh.inObjects = true;
                return fresh;
            });
            committed = hex;
        }

        /**
         * A pending inline blob no write named: stored now, as {@link #commit} promised, with the collector told to
         * check it (a delivery refused after the commit, such as over quota, names nothing).
         */
        private void storeUnnamed(String hex, Hold h) {
            db.writeLocked(tx -> {
                Jdbc.update(tx, "INSERT INTO blobs(hex, size, data, held_until) VALUES (?, ?, ?, 0) ON CONFLICT (hex)"
                        + " DO UPDATE SET data = COALESCE(blobs.data, excluded.data)", hex, h.size, h.data);
                BlobCatalog.orphan(Dialect.POSTGRESQL, tx, hex);
                return null;
            });
        }

        @Override
        public void close() {
            if (committed != null) {
                String hex = committed;
                Hold h = hold;
                committed = null;
                // No delivery named it (refused, or abandoned): let the collector have it. One that did ended the hold.
                if (h.pending) {
                    boolean[] last = {false};
                    holds.computeIfPresent(hex, (k, cur) -> {
                        if (cur == h && --cur.writers == 0) last[0] = true;
                        return cur;
                    });
                    if (!last[0]) return; // another writer of the same bytes still holds them
                    try {
                        if (!h.named) storeUnnamed(hex, h);
                    } finally {
                        // unless a writer of the same bytes joined meanwhile
                        holds.computeIfPresent(hex, (k, cur) -> cur == h && cur.writers == 0 ? null : cur);
                    }
                    return;
                }
                return;
            }
            if (done) return;
            done = true;
            spool.discard();
        }
    }
}
