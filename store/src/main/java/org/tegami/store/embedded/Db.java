package org.tegami.store.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.tegami.core.StoreException;
import org.tegami.store.jdbc.Dialect;
import org.tegami.store.jdbc.Statements;
import org.tegami.store.jdbc.Transactions;
import org.tegami.store.jdbc.Tx;
import org.tegami.store.jdbc.Work;

/**
 * SQLite access for the embedded store. sqlite-jdbc is JNI, and a native call pins a virtual thread's carrier
 * (there are only as many carriers as cores), so reads that may scan many rows run on a small pool of platform
 * threads; callers (virtual threads) block on a future, which unmounts them cleanly.
 *
 * <p>Point reads ({@link #point}: one row or a few by key, from the page cache in microseconds) run on the caller's
 * thread with a pooled connection instead: the hand-over to a reader and back costs two thread wake-ups, which on a
 * busy two-core machine were most of a FETCH's or SELECT's time (issue 14). Pinning the carrier for a native call
 * that short is the same as computing for as long; anything that may scan many rows still goes to the readers.
 *
 * <p>Group commit, led by the callers ({@link #write}, ADR 0022): the caller that finds no commit running takes
 * every write queued (up to {@link #MAX_BATCH}), runs each in its own SAVEPOINT inside one transaction on its own
 * thread, and COMMITs once; writes arriving meanwhile wait (unmounted) and are committed together by the next
 * leader. With {@code synchronous=FULL} in WAL mode that commit is the fsync; only then are the after-commit hooks
 * run and the callers released. There is no writer thread to hand over to and back from: on a loaded two-core
 * machine those two wake-ups cost milliseconds, and STORE, EXPUNGE and APPEND took three times a FETCH. One
 * leader at a time, so at most one carrier is pinned by a commit (an fsync: under a millisecond on an SSD).
 *
 * <p>Checkpoints (copying the WAL back into the database file, and its fsync) run on their own thread, not inside
 * a COMMIT as SQLite's automatic checkpoint would: writes no longer wait for one every thousand pages.
 */
final class Db implements Transactions, AutoCloseable {
    static final int MAX_BATCH = 256;
    private static final int READERS = 3;
    /** Connections for point reads; more callers than this wait (unmounted) for one. */
    static final int POINT_CONNECTIONS = 8;

    private record Task<T>(Work<T> work, CompletableFuture<T> result) {}


    private final String url;
    private final Connection writeConnection;
    private final java.util.ArrayDeque<Task<?>> writes = new java.util.ArrayDeque<>();
    /**
     * Guards the queue of writes, {@link #committing} and {@link #closed}; {@link #turnOver} is signalled when a
     * commit ends. Never held while SQL runs.
     */
    private final java.util.concurrent.locks.ReentrantLock queue = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.locks.Condition turnOver = queue.newCondition();
    /** Whether a caller is running a commit on the write connection (the leader of the group). */
    private boolean committing;
    private boolean closed;
    private final ExecutorService readers;
    private final ThreadLocal<Tx> readConnection = new ThreadLocal<>();
    private final Statements writeStatements = new Statements();
    private final List<Connection> allReaders = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.Semaphore pointPermits = new java.util.concurrent.Semaphore(POINT_CONNECTIONS);
    private final java.util.concurrent.ConcurrentLinkedQueue<Tx> idlePoint = new java.util.concurrent.ConcurrentLinkedQueue<>();
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
                s.execute("PRAGMA journal_size_limit=" + (64 << 20)); // a WAL grown by a burst shrinks back at its restart
            }
            Schema.migrate(c);
        } catch (SQLException e) {
            if (c != null) closeQuietly(c);
            throw new StoreException("cannot open the database " + file + ": " + e.getMessage(), e);
        }
        writeConnection = c;
        readers = Executors.newFixedThreadPool(READERS, Thread.ofPlatform().name("store-reader-", 0).daemon().factory());
        checkpointer = Thread.ofPlatform().name("store-checkpoint").daemon().start(this::checkpointLoop);
    }

    /**
     * Copies committed pages from the WAL into the database file while commits go on (PASSIVE: it never blocks a
     * reader or the writer), so the WAL is reused from its start rather than growing.
     *
     * <p>SQLite starts the WAL over only when a commit finds every frame copied and no reader still on an old
     * snapshot. Under steady load some reader always is (issue 14: the WAL grew past 150 MB in a minute), and every
     * commit then appends to a growing file, whose fsync also has to journal the new size and blocks. So once the
     * WAL holds more than {@value #RESTART_FRAMES} frames, the next commit's leader, holding the write connection,
     * runs a RESTART checkpoint ({@link #restartWal}).
     */
    private void checkpointLoop() {
        long done = -1;
        try (Connection c = open(); Statement s = c.createStatement()) {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(CHECKPOINT_MILLIS);
                long now = commits.get();
                if (now == done) continue;
                if (checkpoint(s, "PASSIVE") > RESTART_FRAMES) restartWanted = true;
                done = now;
            }
        } catch (InterruptedException e) {
            // closing
        } catch (SQLException e) {
            System.getLogger(Db.class.getName()).log(System.Logger.Level.WARNING, "store checkpoints stopped: " + e.getMessage()
                    + "; the WAL grows until restart", e);
        }
    }

    /** WAL frames above which the WAL is made to start over (4 KiB pages: about 16 MiB). */
    static final int RESTART_FRAMES = 4096;
    /** How long a RESTART checkpoint waits for readers to leave the WAL; writers wait as long. */
    static final int RESTART_WAIT_MILLIS = 200;
    private volatile boolean restartWanted;

    /**
     * Run by a commit's leader after its callers were released, while it still holds the write connection: no
     * writer to wait for, so only readers still on an old snapshot can hold the RESTART back (they are short; after
     * {@value #RESTART_WAIT_MILLIS} ms it gives up until the checkpointer asks again). The next commit then
     * overwrites the WAL from its start, and {@code journal_size_limit} shrinks a WAL a burst made large.
     */
    private void restartWal() {
        if (!restartWanted) return;
        restartWanted = false;
        try (Statement s = writeConnection.createStatement()) {
            s.execute("PRAGMA busy_timeout=" + RESTART_WAIT_MILLIS);
            try {
                checkpoint(s, "RESTART");
            } finally {
                s.execute("PRAGMA busy_timeout=10000");
            }
        } catch (SQLException e) {
            System.getLogger(Db.class.getName()).log(System.Logger.Level.DEBUG, "WAL restart failed: " + e.getMessage());
        }
    }

    /** Runs a checkpoint and returns the WAL's size in frames (-1 if unknown). */
    private static long checkpoint(Statement s, String mode) throws SQLException {
        try (java.sql.ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            return rs.next() ? rs.getLong(2) : -1; // busy, frames in the WAL, frames copied
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

    /**
     * Runs {@code work} in the next group commit and returns once it is durable. The callers take turns at the write
     * connection: the one that finds no commit running leads, taking every write queued so far (its own first, up to
     * {@link #MAX_BATCH}) into one transaction on its own thread; writes that arrive meanwhile queue up and wait, and
     * when the commit ends the first of them to run leads the next group with all of them.
     */
    @Override
    public <T> T write(Work<T> work) {
        Task<T> t = new Task<>(work, new CompletableFuture<>());
        boolean interrupted = false;
        queue.lock();
        try {
            if (closed) throw new StoreException("store is closed");
            writes.add(t);
        } finally {
            queue.unlock();
        }
        while (true) {
            List<Task<?>> batch = new ArrayList<>();
            queue.lock();
            try {
                while (committing && !t.result.isDone()) {
                    try {
                        turnOver.await();
                    } catch (InterruptedException e) {
                        interrupted = true; // the write is queued and will be committed: wait for its outcome
                    }
                }
                if (t.result.isDone()) break;
                if (closed) {
                    failQueued();
                    break;
                }
                committing = true;
                while (!writes.isEmpty() && batch.size() < MAX_BATCH) batch.add(writes.poll());
            } finally {
                queue.unlock();
            }
            try {
                commitSafely(batch); // more than MAX_BATCH queued ahead: this one may still be waiting after it
                restartWal();
            } finally {
                queue.lock();
                try {
                    committing = false;
                    turnOver.signalAll();
                } finally {
                    queue.unlock();
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        return await(t.result);
    }

    /** Fails every queued write: the store is closed. Called holding {@link #queue}. */
    private void failQueued() {
        for (Task<?> q; (q = writes.poll()) != null; ) q.result.completeExceptionally(new StoreException("store is closed"));
    }

    /** Runs {@code work} on a read connection; it sees every committed write, including other processes'. */
    @Override
    public <T> T read(Work<T> work) {
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
    @Override
    public <T> T point(Work<T> work) {
        try {
            pointPermits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for the store", e);
        }
        Tx c = idlePoint.poll();
        try {
            if (c == null) {
                queue.lock();
                try {
                    if (closed) throw new StoreException("store is closed");
                } finally {
                    queue.unlock();
                }
                c = new Tx(open(), new Statements());
                allReaders.add(c.c);
            }
            c.afterCommit.clear(); // a read has no commit; nothing registered may leak into the next use
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException("store operation failed: " + e.getMessage(), e);
        } finally {
            if (c != null) idlePoint.add(c);
            pointPermits.release();
        }
    }

    private <T> void runRead(Work<T> work, CompletableFuture<T> f) {
        try {
            Tx c = readConnection.get();
            if (c == null) {
                c = new Tx(open(), new Statements());
                readConnection.set(c);
                allReaders.add(c.c);
            }
            c.afterCommit.clear();
            f.complete(work.run(c));
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

    /** Commits a batch; whatever goes wrong, every task in it is completed (else its caller would wait forever). */
    private void commitSafely(List<Task<?>> batch) {
        try {
            commit(batch);
        } catch (Throwable t) {
            // an OutOfMemoryError in a hook, say: the callers must still hear, or they would wait forever
            System.getLogger(Db.class.getName()).log(System.Logger.Level.ERROR, "store writer: a commit failed", t);
            StoreException err = new StoreException("store writer failed, the write may not be durable: " + t, t);
            batch.forEach(task -> task.result.completeExceptionally(err)); // no-op for those already completed
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void commit(List<Task<?>> batch) {
        if (batch.isEmpty()) return;
        Object[] results = new Object[batch.size()];
        Throwable[] failures = new Throwable[batch.size()];
        List<Runnable> hooks = new ArrayList<>();
        try {
            exec("BEGIN IMMEDIATE");
            try {
                if (batch.size() == 1) {
                    // alone in the transaction: no savepoint needed, a failure rolls the whole of it back
                    Tx tx = new Tx(writeConnection, writeStatements);
                    try {
                        results[0] = batch.getFirst().work.run(tx);
                        hooks.addAll(tx.afterCommit);
                    } catch (Throwable e) {
                        failures[0] = e;
                    }
                    exec(failures[0] == null ? "COMMIT" : "ROLLBACK");
                    if (failures[0] == null) commits.incrementAndGet();
                } else {
                    for (int i = 0; i < batch.size(); i++) {
                        exec("SAVEPOINT task");
                        Tx tx = new Tx(writeConnection, writeStatements);
                        try {
                            results[i] = batch.get(i).work.run(tx);
                            exec("RELEASE task");
                            hooks.addAll(tx.afterCommit);
                        } catch (Throwable e) {
                            failures[i] = e;
                            exec("ROLLBACK TO task");
                            exec("RELEASE task");
                        }
                    }
                    exec("COMMIT");
                    commits.incrementAndGet();
                }
            } catch (SQLException e) {
                try {
                    exec("ROLLBACK");
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

    /** Runs a transaction-control statement on the write connection, prepared once. */
    private void exec(String sql) throws SQLException {
        writeStatements.get(writeConnection, sql).execute();
    }

    @Override
    public Dialect dialect() {
        return Dialect.SQLITE;
    }

    /** A point read runs on the caller's thread; a read waits for a reader thread. */
    @Override
    public boolean cheapPoints() {
        return true;
    }

    /** Transactions committed so far by this instance (each one fsync); for tests and measurements. */
    long commits() {
        return commits.get();
    }

    /** Writes waiting for their turn; for tests that need several writes in one batch. */
    int queuedWrites() {
        queue.lock();
        try {
            return writes.size();
        } finally {
            queue.unlock();
        }
    }

    @Override
    public void close() {
        queue.lock();
        try {
            if (closed) return;
            closed = true;
            // the commit running now ends normally; the writes queued behind it are refused
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (committing && System.nanoTime() < deadline) turnOver.awaitNanos(deadline - System.nanoTime());
            failQueued();
            turnOver.signalAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            queue.unlock();
        }
        checkpointer.interrupt();
        try {
            checkpointer.join(TimeUnit.SECONDS.toMillis(30));
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
