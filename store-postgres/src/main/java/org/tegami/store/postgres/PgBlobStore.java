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
 * <p>Durability: {@link BlobWriter#commit()} returns when the catalog row (and the object, for a large blob) is
 * committed, so every blob is durable before any metadata names it. A committed blob is <em>held</em> (catalog
 * column {@code held_until}, wall-clock epoch ms) until the delivery that names it commits or its writer closes, so
 * that a collector on any node leaves it alone in between.
 *
 * <p>Collection across nodes: a blob is deleted only in a transaction that holds its catalog row {@code FOR UPDATE}
 * and finds no message and no queue entry naming it; every write that names a blob (delivery, APPEND, COPY/MOVE)
 * first takes the row ({@link #claim}), and every writer stores its object while holding the row, so a collector and
 * a writer or namer of the same blob never interleave. The collector's transaction is READ COMMITTED (it reads
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

    /** A writer's hold on a blob; {@code named} once a committed write names the blob. */
    private static final class Hold {
        final long until;
        volatile boolean named;

        Hold(long until) {
            this.until = until;
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
        record Row(boolean found, byte[] data) {}
        Row row = db.point(tx -> {
            try (var ps = Jdbc.prepare(tx, "SELECT data FROM blobs WHERE hex = ?", id.hex());
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Row(true, rs.getBytes(1)) : new Row(false, null);
            }
        });
        if (!row.found()) throw new NoSuchFileException("blob " + id);
        if (row.data() != null) return new java.io.ByteArrayInputStream(row.data());
        return objects.get(id.hex(), 0, -1);
    }

    @Override
    public long size(BlobId id) throws IOException {
        List<String> n = db.point(tx -> Jdbc.strings(tx, "SELECT size FROM blobs WHERE hex = ?", id.hex()));
        if (n.isEmpty()) throw new NoSuchFileException("blob " + id);
        return Long.parseLong(n.getFirst());
    }

    @Override
    public boolean exists(BlobId id) {
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
            Path file = spool.file();
            Hold h = new Hold(System.currentTimeMillis() + HOLD_MILLIS);
            holds.put(hex, h);
            try {
                // READ COMMITTED: the upsert is atomic there and locks the row, where concurrent writers of the same
                // bytes under SERIALIZABLE failed each other (measured: most of the conflicts under an IMAP APPEND load)
                db.writeLocked(tx -> {
                    // Takes the catalog row (inserted or updated), so no collector deletes it while we store the bytes.
                    Jdbc.update(tx, "INSERT INTO blobs(hex, size, data, held_until) VALUES (?, ?, ?, ?)"
                            + " ON CONFLICT (hex) DO UPDATE SET held_until = GREATEST(blobs.held_until, excluded.held_until),"
                            + " data = COALESCE(blobs.data, excluded.data)", hex, size, inline, h.until);
                    if (inline == null) {
                        try {
                            if (Files.exists(file)) objects.put(hex, file);
                            else if (objects.size(hex) < 0) throw new NoSuchFileException("object " + hex + " vanished");
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                    // The collector checks it later: a write refused after commit names nothing.
                    BlobCatalog.orphan(Dialect.POSTGRESQL, tx, hex);
                    return null;
                });
            } catch (UncheckedIOException e) {
                holds.remove(hex, h);
                throw e.getCause();
            } catch (RuntimeException e) {
                holds.remove(hex, h);
                throw e;
            }
            committed = hex;
            hold = h;
            return id;
        }

        @Override
        public void close() {
            if (committed != null) {
                String hex = committed;
                Hold h = hold;
                committed = null;
                holds.remove(hex, h);
                // No delivery named it (refused, or abandoned): let the collector have it. One that did ended the hold.
                if (!h.named) {
                    db.write(tx -> Jdbc.update(tx, "UPDATE blobs SET held_until = 0 WHERE hex = ? AND held_until = ?",
                            hex, h.until));
                }
                return;
            }
            if (done) return;
            done = true;
            spool.discard();
        }
    }
}
