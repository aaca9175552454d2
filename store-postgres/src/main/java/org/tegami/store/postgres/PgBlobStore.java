package org.tegami.store.postgres;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.tegami.core.PrivateFiles;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.ObjectStorage;
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
            List<String> batch = db.read(tx -> Jdbc.strings(tx,
                    "SELECT hex FROM blob_orphans WHERE hex > ? ORDER BY hex LIMIT 500", from));
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
                Jdbc.update(tx, "DELETE FROM blob_orphans WHERE hex = ?", hex);
                return false;
            }
            if (rs.getLong(2) > System.currentTimeMillis()) return false; // a writer holds it: look again later
            inline = rs.getBoolean(1);
        }
        boolean named = !Jdbc.strings(tx, "SELECT 1 FROM messages WHERE blob = ? LIMIT 1", hex).isEmpty()
                || !Jdbc.strings(tx, "SELECT 1 FROM queue WHERE blob = ? LIMIT 1", hex).isEmpty();
        Jdbc.update(tx, "DELETE FROM blob_orphans WHERE hex = ?", hex);
        if (named) return false;
        Jdbc.update(tx, "DELETE FROM blobs WHERE hex = ?", hex);
        Jdbc.update(tx, "DELETE FROM blob_index WHERE hex = ?", hex);
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
        return db.point(tx -> Jdbc.strings(tx, "SELECT data FROM blob_index WHERE hex = ?", id.hex())).stream().findFirst();
    }

    @Override
    public java.util.Map<BlobId, String> index(java.util.Collection<BlobId> ids) {
        java.util.Map<String, BlobId> byHex = new java.util.HashMap<>();
        for (BlobId id : ids) byHex.put(id.hex(), id);
        java.util.Map<BlobId, String> out = new java.util.HashMap<>();
        if (byHex.isEmpty()) return out;
        db.read(tx -> {
            try (var ps = tx.c.prepareStatement("SELECT hex, data FROM blob_index WHERE hex = ANY(?)")) {
                ps.setArray(1, tx.c.createArrayOf("text", byHex.keySet().toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.put(byHex.get(rs.getString(1)), rs.getString(2));
                }
            }
            return null;
        });
        return out;
    }

    @Override
    public void putIndex(java.util.Map<BlobId, String> entries) {
        db.write(tx -> {
            for (var e : entries.entrySet()) {
                Jdbc.update(tx, "INSERT INTO blob_index(hex, data) VALUES (?, ?)"
                        + " ON CONFLICT (hex) DO UPDATE SET data = excluded.data", e.getKey().hex(), e.getValue());
            }
            return null;
        });
    }

    /**
     * Buffers in memory up to {@code inlineMax} bytes; past that, spills to a temporary file in the object
     * storage's temporary directory and streams on, so memory per message stays bounded whatever its size.
     */
    private final class Writer implements BlobWriter {
        private final MessageDigest digest;
        private final CountingStream counter;
        private final OutputStream out;
        private final java.io.ByteArrayOutputStream memory = new java.io.ByteArrayOutputStream(16 * 1024);
        private Path file;
        private FileChannel channel;
        private boolean done;
        private String committed;
        private Hold hold;

        Writer() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            counter = new CountingStream(new OutputStream() {
                private OutputStream target = memory;

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (channel == null && memory.size() + len > inlineMax) target = spill();
                    target.write(b, off, len);
                }
            });
            out = new BufferedOutputStream(new DigestOutputStream(counter, digest), 16 * 1024);
        }

        private OutputStream spill() throws IOException {
            file = objects.tempDirectory().resolve(UUID.randomUUID() + ".tmp");
            channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PrivateFiles.fileMode());
            OutputStream f = Channels.newOutputStream(channel);
            memory.writeTo(f);
            memory.reset();
            return f;
        }

        @Override
        public OutputStream stream() {
            return out;
        }

        @Override
        public long size() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return counter.count;
        }

        @Override
        public BlobId commit() throws IOException {
            out.flush();
            done = true;
            BlobId id = BlobId.of(digest.digest());
            String hex = id.hex();
            long size = counter.count;
            byte[] inline = channel == null ? memory.toByteArray() : null;
            if (channel != null) {
                channel.force(true);
                channel.close();
            }
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
                    Jdbc.update(tx, "INSERT INTO blob_orphans(hex) VALUES (?) ON CONFLICT DO NOTHING", hex);
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
            if (channel == null) return;
            try {
                channel.close();
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temporary file is removed when the object storage opens next
            }
        }
    }

    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
