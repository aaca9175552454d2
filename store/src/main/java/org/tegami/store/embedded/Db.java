package org.tegami.store.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.tegami.core.StoreException;

/**
 * SQLite access for the embedded store. sqlite-jdbc is JNI, and a native call pins a virtual thread's carrier
 * (there are only as many carriers as cores), so every statement runs on platform threads: one writer that owns
 * the write connection and a small pool of readers. Callers (virtual threads) block on a future, which unmounts
 * them cleanly.
 *
 * <p>Point reads ({@link #point}: one row or a few by key, from the page cache in microseconds) run on the caller's
 * thread with a pooled connection instead: the hand-over to a reader and back costs two thread wake-ups, which on a
 * busy two-core machine were most of a FETCH's or SELECT's time (issue 14). Pinning the carrier for a native call
 * that short is the same as computing for as long; anything that may scan many rows still goes to the readers.
 *
 * <p>Group commit: the writer takes every write waiting in its queue (up to {@link #MAX_BATCH}), runs each in its
 * own SAVEPOINT inside one transaction, and COMMITs once. With {@code synchronous=FULL} in WAL mode that commit
 * is the fsync; only then are the callers released and the after-commit hooks run.
 *
 * <p>Checkpoints (copying the WAL back into the database file, and its fsync) run on their own thread, not inside
 * a COMMIT as SQLite's automatic checkpoint would: writes no longer wait for one every thousand pages.
 */
final class Db implements AutoCloseable {
    static final int MAX_BATCH = 256;
    private static final int READERS = 3;
    /** Connections for point reads; more callers than this wait (unmounted) for one. */
    static final int POINT_CONNECTIONS = 8;

    /** Work run inside a transaction (writes) or on a read connection (reads). */
    @FunctionalInterface
    interface Work<T> {
        T run(Tx tx) throws SQLException;
    }

    /** The connection a piece of work uses, and where it registers what to do after a successful commit. */
    static final class Tx {
        final Connection c;
        final List<Runnable> afterCommit = new ArrayList<>();

        Tx(Connection c) {
            this.c = c;
        }

        void afterCommit(Runnable r) {
            afterCommit.add(r);
        }
    }

    private record Task<T>(Work<T> work, CompletableFuture<T> result) {}

    private static final Task<Void> STOP = new Task<>(tx -> null, new CompletableFuture<>());

    private final String url;
    private final Connection writeConnection;
    private final BlockingQueue<Task<?>> writes = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final ExecutorService readers;
    private final ThreadLocal<Connection> readConnection = new ThreadLocal<>();
    private final List<Connection> allReaders = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Guards {@link #closed} so no write is queued behind {@link #STOP}, where nobody would ever complete it. */
    private final Object submit = new Object();
    private boolean closed;
    private final java.util.concurrent.Semaphore pointPermits = new java.util.concurrent.Semaphore(POINT_CONNECTIONS);
    private final java.util.concurrent.ConcurrentLinkedQueue<Connection> idlePoint = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicLong commits = new java.util.concurrent.atomic.AtomicLong();
    /** How often the checkpointer looks for new commits to copy into the database file. */
    static final long CHECKPOINT_MILLIS = 500;
    private final Thread checkpointer;

    Db(Path file) {
        this.url = "jdbc:sqlite:" + file.toAbsolutePath();
        Connection c = null;
        try {
            c = open();
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA wal_autocheckpoint=0"); // the checkpointer thread does it
            }
            Schema.migrate(c);
        } catch (SQLException e) {
            if (c != null) closeQuietly(c);
            throw new StoreException("cannot open the database " + file + ": " + e.getMessage(), e);
        }
        writeConnection = c;
        writer = Thread.ofPlatform().name("store-writer").daemon().start(this::writeLoop);
        readers = Executors.newFixedThreadPool(READERS, Thread.ofPlatform().name("store-reader-", 0).daemon().factory());
        checkpointer = Thread.ofPlatform().name("store-checkpoint").daemon().start(this::checkpointLoop);
    }

    /**
     * Copies committed pages from the WAL into the database file while commits go on (PASSIVE: it never blocks a
     * reader or the writer), so the WAL is reused from its start rather than growing.
     */
    private void checkpointLoop() {
        long done = -1;
        try (Connection c = open(); Statement s = c.createStatement()) {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(CHECKPOINT_MILLIS);
                long now = commits.get();
                if (now == done) continue;
                s.execute("PRAGMA wal_checkpoint(PASSIVE)");
                done = now;
            }
        } catch (InterruptedException e) {
            // closing
        } catch (SQLException e) {
            System.getLogger(Db.class.getName()).log(System.Logger.Level.WARNING, "store checkpoints stopped: " + e.getMessage()
                    + "; the WAL grows until restart", e);
        }
    }

    private Connection open() throws SQLException {
        Connection c = DriverManager.getConnection(url);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout=10000"); // another process (the admin CLI) may hold the write lock
            s.execute("PRAGMA foreign_keys=ON");
            // Deleted rows (expunged mail, removed users, password hashes) are overwritten, not left in free pages.
            s.execute("PRAGMA secure_delete=ON");
        }
        return c;
    }

    /** Runs {@code work} in the next group commit and returns once it is durable. */
    <T> T write(Work<T> work) {
        Task<T> t = new Task<>(work, new CompletableFuture<>());
        synchronized (submit) {
            if (closed) throw new StoreException("store is closed");
            writes.add(t);
        }
        return await(t.result);
    }

    /** Runs {@code work} on a read connection; it sees every committed write, including other processes'. */
    <T> T read(Work<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            readers.execute(() -> runRead(work, f));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new StoreException("store is closed", e);
        }
        return await(f);
    }

    /**
     * Runs a short read on the caller's thread: a lookup by key that returns one row or a bounded few. Sees every
     * committed write, like {@link #read}.
     */
    <T> T point(Work<T> work) {
        try {
            pointPermits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for the store", e);
        }
        Connection c = idlePoint.poll();
        try {
            if (c == null) {
                synchronized (submit) {
                    if (closed) throw new StoreException("store is closed");
                }
                c = open();
                allReaders.add(c);
            }
            return work.run(new Tx(c));
        } catch (SQLException e) {
            throw new StoreException("store operation failed: " + e.getMessage(), e);
        } finally {
            if (c != null) idlePoint.add(c);
            pointPermits.release();
        }
    }

    private <T> void runRead(Work<T> work, CompletableFuture<T> f) {
        try {
            Connection c = readConnection.get();
            if (c == null) {
                c = open();
                readConnection.set(c);
                allReaders.add(c);
            }
            f.complete(work.run(new Tx(c)));
        } catch (Throwable e) {
            f.completeExceptionally(e);
        }
    }

    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for the store", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new StoreException("store operation failed: " + c.getMessage(), c);
        }
    }

    private void writeLoop() {
        List<Task<?>> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(writes.take());
            } catch (InterruptedException e) {
                return;
            }
            writes.drainTo(batch, MAX_BATCH - 1);
            boolean stop = batch.remove(STOP);
            try {
                commit(batch);
            } catch (Throwable t) {
                // the writer must outlive anything (an OutOfMemoryError in a hook, say): without it every write hangs
                System.getLogger(Db.class.getName()).log(System.Logger.Level.ERROR, "store writer: a commit failed", t);
                StoreException err = new StoreException("store writer failed, the write may not be durable: " + t, t);
                batch.forEach(task -> task.result.completeExceptionally(err)); // no-op for those already completed
            }
            batch.clear();
            if (stop) {
                List<Task<?>> rest = new ArrayList<>();
                writes.drainTo(rest);
                rest.forEach(t -> t.result.completeExceptionally(new StoreException("store is closed")));
                return;
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void commit(List<Task<?>> batch) {
        if (batch.isEmpty()) return;
        Object[] results = new Object[batch.size()];
        Throwable[] failures = new Throwable[batch.size()];
        List<Runnable> hooks = new ArrayList<>();
        try (Statement s = writeConnection.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            try {
                for (int i = 0; i < batch.size(); i++) {
                    s.execute("SAVEPOINT task");
                    Tx tx = new Tx(writeConnection);
                    try {
                        results[i] = batch.get(i).work.run(tx);
                        s.execute("RELEASE task");
                        hooks.addAll(tx.afterCommit);
                    } catch (Throwable e) {
                        failures[i] = e;
                        s.execute("ROLLBACK TO task");
                        s.execute("RELEASE task");
                    }
                }
                s.execute("COMMIT");
                commits.incrementAndGet();
            } catch (SQLException e) {
                try {
                    s.execute("ROLLBACK");
                } catch (SQLException ignored) {
                    // the transaction may already be gone
                }
                throw e;
            }
        } catch (SQLException e) {
            StoreException err = new StoreException("commit failed: " + e.getMessage(), e);
            batch.forEach(t -> t.result.completeExceptionally(err));
            return;
        }
        // Hooks first, so that when a write returns, every session watching its mailbox has been signalled.
        for (Runnable r : hooks) {
            try {
                r.run();
            } catch (RuntimeException e) {
                System.getLogger(Db.class.getName()).log(System.Logger.Level.WARNING, "after-commit hook failed", e);
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            CompletableFuture f = batch.get(i).result;
            if (failures[i] != null) f.completeExceptionally(failures[i]);
            else f.complete(results[i]);
        }
    }

    /** Transactions committed so far by this instance (each one fsync); for tests and measurements. */
    long commits() {
        return commits.get();
    }

    /** Writes waiting for the writer; for tests that need several writes in one batch. */
    int queuedWrites() {
        return writes.size();
    }

    @Override
    public void close() {
        synchronized (submit) {
            if (closed) return;
            closed = true;
            writes.add(STOP);
        }
        checkpointer.interrupt();
        try {
            checkpointer.join(TimeUnit.SECONDS.toMillis(30));
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        readers.shutdown();
        try {
            readers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : allReaders) closeQuietly(c);
        closeQuietly(writeConnection);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing
        }
    }
}
