package org.tegami.store.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.ObjectStorage;
import org.tegami.store.jdbc.BlobCatalog;
import org.tegami.store.jdbc.BlobSpool;
import org.tegami.store.jdbc.Dialect;
import org.tegami.store.jdbc.Jdbc;
import org.tegami.store.jdbc.Tx;

/**
 * Content-addressed blobs in two places. Blobs up to {@link #INLINE_MAX} bytes (most mail) are rows of the
 * {@code blobs} table: they become durable in the writer's group commit, so many sessions share one fsync.
 * Larger blobs are objects of an {@link ObjectStorage} keyed by their digest: files {@code blobs/ab/cd/<sha256>}
 * ({@link FileObjects}, written to {@code tmp/}, fsync'd, renamed into place and the directory fsync'd) or objects
 * in an S3 bucket; either way stored whole before any metadata names them.
 */
final class FileBlobStore implements BlobStore {
    static final int INLINE_MAX = 128 * 1024;

    private final ObjectStorage objects;
    private final Path tmp;
    private final Db db;
    private final BlobCatalog catalog;
    private final int inlineMax;
    /**
     * Committed inline blobs not yet written: the first delivery naming one inserts it in its own transaction,
     * which saves a group commit per message; {@link Writer#close()} writes any left over.
     */
    private final java.util.concurrent.ConcurrentHashMap<BlobId, Pending> pending = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Committed file blobs whose content was already stored: the writer's own fsync'd copy, kept until the writer
     * closes, so that a delivery can put it back if the collector deleted the stored one meanwhile ({@link #claim}).
     */
    private final java.util.concurrent.ConcurrentHashMap<BlobId, Path> spares = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Blobs the collector decided to delete whose objects go after its commit; a write that names one again before
     * then takes it back ({@link #claim}). The collector deletes an object inside {@code computeIfPresent} on its
     * entry, so a claim either removes the entry first (the object stays) or waits for the deletion and then finds
     * the object gone (and puts back its spare or fails).
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Boolean> doomed = new java.util.concurrent.ConcurrentHashMap<>();
    /** Committed file blobs that some delivery may or may not name: the collector checks them. */
    private final java.util.Set<String> candidates = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A committed inline blob. An entry leaves the map only when its writer closes, which happens after that
     * writer's delivery; so a delivery that finds no entry finds the blob already durable.
     */
    static final class Pending {
        final byte[] data;
        volatile boolean durable;

        Pending(byte[] data) {
            this.data = data;
        }
    }

    FileBlobStore(ObjectStorage objects, Db db, int inlineMax) throws IOException {
        this.db = db;
        this.catalog = new BlobCatalog(db);
        this.inlineMax = inlineMax;
        this.objects = objects;
        tmp = objects.tempDirectory();
        FileObjects.removeLeftovers(tmp); // from writes cut short by a crash
    }

    /** The file of a large blob when its objects are files (tests). */
    Path path(BlobId id) {
        return ((FileObjects) objects).path(id.hex());
    }

    ObjectStorage objects() {
        return objects;
    }

    @Override
    public BlobWriter create() {
        return new Writer();
    }

    /** A committed inline blob still to be made durable, for a delivery to insert in its own transaction. */
    Pending pending(BlobId id) {
        return pending.get(id);
    }

    /** Inserts an inline blob (within the caller's transaction). */
    static void insert(Tx tx, BlobId id, byte[] data) throws java.sql.SQLException {
        Jdbc.update(tx, "INSERT OR IGNORE INTO blobs(hex, data) VALUES (?, ?)", id.hex(), data);
    }

    /**
     * Called on the writer thread by every write that makes a message or queue entry name {@code id}, with the
     * blob's bytes when they are still to be inserted ({@link #pending}): takes the blob back from the collector if it was about to go, and makes sure the bytes are
     * there (putting back the writer's spare copy if the collector deleted the stored file). Throws, failing only
     * that write, when the bytes are gone: then nothing is acknowledged that cannot be read.
     */
    void claim(Tx tx, BlobId id, Pending inline) throws java.sql.SQLException {
        doomed.remove(id.hex());
        if (inline != null) {
            // A small blob is inserted in the same transaction as the first message that names it (one fsync).
            insert(tx, id, inline.data);
            return;
        }
        if (!Jdbc.strings(tx, "SELECT hex FROM blobs WHERE hex = ?", id.hex()).isEmpty()) return;
        try {
            // A stat for files; a HEAD request for S3 (large blobs only, which are few).
            if (objects.size(id.hex()) >= 0) return;
            Path spare = spares.get(id);
            if (spare != null && Files.exists(spare)) {
                objects.put(id.hex(), spare);
                return;
            }
        } catch (IOException e) {
            throw new java.sql.SQLException("cannot check or restore blob " + id + ": " + e.getMessage(), e);
        }
        throw new java.sql.SQLException("blob " + id + " is not stored");
    }

    /**
     * Deletes the blobs that nothing names any more (no message, no queue entry): those whose last reference was
     * removed (the store's triggers list them in {@code blob_orphans}), blobs committed by writes that were then
     * refused, and, once per data directory, every blob file found on disk (stores older than the collector).
     * Inline blobs and derived index data go in the collector's transaction (SQLite's secure_delete overwrites
     * their pages); files after its commit. Only the serving process may call this: a write that names a blob
     * must run on the same writer thread as the collector ({@link #claim}). Returns the number of blobs deleted.
     */
    @Override
    public long collect() throws IOException {
        scanFilesOnce();
        if (!candidates.isEmpty()) {
            List<String> found = List.copyOf(candidates);
            db.write(tx -> {
                for (String hex : found) BlobCatalog.orphan(Dialect.SQLITE, tx, hex);
                return null;
            });
            candidates.removeAll(found);
        }
        long deleted = 0;
        String after = "";
        while (true) {
            String from = after;
            long[] count = new long[1];
            List<String> mine = new java.util.ArrayList<>();
            String last = db.write(tx -> {
                mine.clear(); // a retried batch starts over
                count[0] = 0;
                List<String> batch = BlobCatalog.orphans(tx, from);
                for (String hex : batch) {
                    boolean named = BlobCatalog.named(tx, hex)
                            || pending.containsKey(new BlobId(hex)) || spares.containsKey(new BlobId(hex));
                    if (named) {
                        BlobCatalog.unlist(tx, hex);
                        continue;
                    }
                    int rows = BlobCatalog.drop(tx, hex);
                    if (rows > 0) {
                        BlobCatalog.unlist(tx, hex);
                        count[0] += rows;
                    } else {
                        // Perhaps an object: deleted after this commit, off the writer thread (for S3 a deletion
                        // is a request); the row stays until then, so a crash in between leaves it listed.
                        mine.add(hex);
                        doomed.put(hex, Boolean.TRUE);
                    }
                }
                return batch.isEmpty() ? null : batch.getLast();
            });
            List<String> gone = new java.util.ArrayList<>();
            for (String hex : mine) {
                boolean[] existed = new boolean[1];
                try {
                    doomed.computeIfPresent(hex, (k, v) -> { // absent: named again since, so kept
                        try {
                            existed[0] = objects.size(k) >= 0;
                            if (existed[0]) objects.delete(k);
                            gone.add(k);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        return null;
                    });
                } catch (java.io.UncheckedIOException e) {
                    doomed.remove(hex);
                    System.getLogger(FileBlobStore.class.getName()).log(System.Logger.Level.WARNING,
                            "cannot delete blob " + hex + " (" + objects + "): " + e.getCause().getMessage());
                }
                if (existed[0]) count[0]++;
            }
            if (!gone.isEmpty()) {
                db.write(tx -> {
                    for (String hex : gone) BlobCatalog.unlist(tx, hex);
                    return null;
                });
            }
            deleted += count[0];
            if (last == null) return deleted;
            after = last;
        }
    }

    /** Lists every stored object once per data directory, so that those left by older versions are checked too. */
    private void scanFilesOnce() throws IOException {
        if (!"0".equals(db.read(tx -> Jdbc.strings(tx,
                "SELECT value FROM counters WHERE name = 'blob_files_scanned'")).stream().findFirst().orElse("1"))) {
            return;
        }
        // In pages: a large store has millions of objects, which need not all be in memory at once.
        String after = "";
        while (true) {
            List<String> page = objects.list(after, 1000);
            List<String> keys = page.stream().filter(k -> k.length() == 64).toList();
            boolean done = page.size() < 1000;
            listOrphans(keys, done);
            if (done) return;
            after = page.getLast();
        }
    }

    private void listOrphans(List<String> hexes, boolean scanDone) {
        db.write(tx -> {
            for (String hex : hexes) BlobCatalog.orphan(Dialect.SQLITE, tx, hex);
            if (scanDone) Jdbc.update(tx, "UPDATE counters SET value = 1 WHERE name = 'blob_files_scanned'");
            return null;
        });
    }

    @Override
    public InputStream open(BlobId id) throws IOException {
        return open(id, 0, -1);
    }

    /** Inline blobs are looked up first: they are most blobs, and a miss costs S3 a request. */
    @Override
    public InputStream open(BlobId id, long offset, long length) throws IOException {
        Pending waiting = pending.get(id);
        byte[] data = waiting != null ? waiting.data : db.point(tx -> {
            try (var ps = Jdbc.prepare(tx, "SELECT data FROM blobs WHERE hex = ?", id.hex());
                 var rs = ps.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        });
        if (data != null) return BlobStore.slice(data, offset, length);
        try {
            return objects.get(id.hex(), offset, length);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new java.nio.file.NoSuchFileException("blob " + id);
        }
    }

    @Override
    public long size(BlobId id) throws IOException {
        Pending waiting = pending.get(id);
        if (waiting != null) return waiting.data.length;
        List<String> n = db.point(tx -> Jdbc.strings(tx, "SELECT length(data) FROM blobs WHERE hex = ?", id.hex()));
        if (!n.isEmpty()) return Long.parseLong(n.getFirst());
        long size = objects.size(id.hex());
        if (size < 0) throw new java.nio.file.NoSuchFileException("blob " + id);
        return size;
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

    @Override
    public boolean exists(BlobId id) {
        if (pending.containsKey(id)
                || !db.point(tx -> Jdbc.strings(tx, "SELECT hex FROM blobs WHERE hex = ?", id.hex())).isEmpty()) {
            return true;
        }
        try {
            return objects.size(id.hex()) >= 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Bytes in a {@link BlobSpool}: in memory up to {@code inlineMax}, past that in a temporary file. */
    private final class Writer implements BlobWriter {
        private final BlobSpool spool = new BlobSpool(tmp, inlineMax);
        private boolean done;
        private BlobId committedInline;
        private BlobId committedFile;
        private Pending mine;

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
            BlobId id = spool.finish();
            if (!spool.spilled()) {
                committedInline = id;
                mine = new Pending(spool.bytes());
                pending.put(id, mine);
                return id;
            }
            Path file = spool.file();
            committedFile = id;
            candidates.add(id.hex()); // refused after commit (quota, rights) or named by nothing: the collector sees
            if (objects.size(id.hex()) >= 0) {
                // Same content already stored: content addressing dedups it. Our copy stays until close, in case
                // the collector deletes the stored one before our delivery names it.
                spares.put(id, file);
                return id;
            }
            try {
                objects.put(id.hex(), file);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(file); // an upload refused or cut off: nothing names the blob, drop our copy
                throw e;
            }
            return id;
        }

        @Override
        public void close() {
            if (committedInline != null) {
                BlobId id = committedInline;
                Pending p = mine;
                committedInline = null;
                try {
                    if (!p.durable) db.write(tx -> { // no delivery stored it: make it durable now
                        insert(tx, id, p.data);
                        // and let the collector check it: a write refused after commit names nothing
                        BlobCatalog.orphan(Dialect.SQLITE, tx, id.hex());
                        return null;
                    });
                } finally {
                    pending.remove(id, p);
                }
                return;
            }
            if (committedFile != null) {
                Path spare = spool.file();
                if (spares.remove(committedFile, spare)) {
                    try {
                        Files.deleteIfExists(spare);
                    } catch (IOException ignored) {
                        // a leftover tmp file is removed at the next start
                    }
                }
                committedFile = null;
                return;
            }
            if (done) return;
            done = true;
            spool.discard();
        }
    }
}
