package org.tegami.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.tegami.core.StoreException;
import org.tegami.store.ReadGroup;
import org.tegami.store.jdbc.Dialect;
import org.tegami.store.jdbc.Transactions;
import org.tegami.store.jdbc.Tx;
import org.tegami.store.jdbc.Work;

/**
 * PostgreSQL access for the store: a HikariCP pool, every write one SERIALIZABLE transaction retried when PostgreSQL
 * reports a serialization failure or a deadlock, every read one REPEATABLE READ READ ONLY transaction (one snapshot),
 * and the cross-node change notifications (LISTEN/NOTIFY on one channel per database). See
 * docs/adr/0020-postgresql-store.md.
 *
 * <p>A write's work may run more than once (a retry after a conflict), so it must only touch the database and
 * register what to do after the commit ({@link Tx#afterCommit}); hooks of a failed attempt are dropped.
 */
final class PgDb implements Transactions, AutoCloseable {
    /**
     * The channel every node of this store LISTENs on: named after the database and schema, so that stores sharing
     * a server do not wake each other. Payloads are {@code <node> <kind> <id>}.
     */
    private final String channel;
    /** Attempts of one write before a conflict is reported to the caller. */
    static final int MAX_ATTEMPTS = 100;
    private static final System.Logger LOG = System.getLogger(PgDb.class.getName());

    private final String url;
    private final String user;
    private final String password;
    /** Writes: READ COMMITTED for {@link #writeLocked}, SERIALIZABLE (set per transaction) for {@link #write}. */
    private final HikariDataSource pool;
    /** Reads: REPEATABLE READ, READ ONLY, one snapshot per transaction. */
    private final HikariDataSource readPool;
    /** This process's id in notification payloads, so it ignores its own (its listeners already ran). */
    final String node = java.util.UUID.randomUUID().toString().substring(0, 8);
    private final BlockingQueue<String> outgoing = new LinkedBlockingQueue<>();
    private final Thread publisher;
    private volatile Thread listener;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong retries = new java.util.concurrent.atomic.AtomicLong();
    /** Read transactions begun so far, a group's counted once. */
    private final java.util.concurrent.atomic.AtomicLong readTransactions = new java.util.concurrent.atomic.AtomicLong();

    PgDb(String url, String user, String password, int poolSize) {
        this.url = url;
        this.user = user;
        this.password = password;
        try {
            pool = new HikariDataSource(poolConfig("tegami-store", "TRANSACTION_READ_COMMITTED", false, poolSize));
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new StoreException("cannot reach PostgreSQL at " + shown(url) + ": " + cause.getMessage(), e);
        }
        try {
            readPool = new HikariDataSource(poolConfig("tegami-store-read", "TRANSACTION_REPEATABLE_READ", true, poolSize));
        } catch (RuntimeException e) {
            pool.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new StoreException("cannot reach PostgreSQL at " + shown(url) + ": " + cause.getMessage(), e);
        }
        try (Connection c = pool.getConnection()) {
            PgSchema.migrate(c);
        } catch (SQLException e) {
            closePools();
            throw new StoreException("cannot open the PostgreSQL store at " + shown(url) + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closePools();
            throw e;
        }
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT md5(current_database() || '.' || current_schema())")) {
            rs.next();
            channel = "tegami_" + rs.getString(1).substring(0, 16);
            c.commit();
        } catch (SQLException e) {
            closePools();
            throw new StoreException("cannot open the PostgreSQL store at " + shown(url) + ": " + e.getMessage(), e);
        }
        publisher = Thread.ofVirtual().name("store-notify").start(this::publishLoop);
    }

    /**
     * A pool whose connections start every transaction at {@code isolation}, set once per connection. The read pool's
     * connections are read-only: the driver then opens each transaction with {@code BEGIN READ ONLY}, sent together
     * with the first query, where a {@code SET TRANSACTION} per read cost a round trip of its own.
     */
    private HikariConfig poolConfig(String name, String isolation, boolean readOnly, int size) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(url);
        cfg.setUsername(user);
        cfg.setPassword(password);
        cfg.setMaximumPoolSize(size);
        cfg.setMinimumIdle(1);
        cfg.setAutoCommit(false);
        cfg.setTransactionIsolation(isolation);
        cfg.setReadOnly(readOnly);
        cfg.setPoolName(name);
        cfg.setConnectionTimeout(30_000);
        cfg.setInitializationFailTimeout(1); // fail at once with the driver's reason (refused, bad password, no database)
        // RFC-free but essential: an acknowledged write is on disk (the server's default; made explicit here)
        cfg.setConnectionInitSql("SET synchronous_commit = on");
        return cfg;
    }

    /** The URL without its parameters, which may carry a password, for messages and logs. */
    static String shown(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    /** Runs {@code work} in its own SERIALIZABLE transaction and returns once it is committed (durable). */
    @Override
    public <T> T write(Work<T> work) {
        return write(work, false);
    }

    /**
     * Runs {@code work} in a READ COMMITTED transaction: for work that locks every row its decisions depend on
     * ({@code SELECT ... FOR UPDATE}) before reading it, such as appending to a mailbox. Concurrent appenders then
     * wait for each other's row lock and go on with the committed values, instead of failing and starting over as
     * SERIALIZABLE transactions would (measured: 538 retries for 100 deliveries from 20 writers to one mailbox).
     */
    @Override
    public <T> T writeLocked(Work<T> work) {
        return write(work, true);
    }

    private <T> T write(Work<T> work, boolean readCommitted) {
        SQLException last = null;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            if (closed) throw new StoreException("store is closed");
            Tx tx;
            T result;
            try (Connection c = pool.getConnection()) {
                // the pool's connections start at READ COMMITTED, which the frequent writes (deliveries, appends,
                // flags, expunges, blobs) lock their rows for; the others pay this statement's round trip
                if (!readCommitted) {
                    try (Statement s = c.createStatement()) {
                        s.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
                    }
                }
                tx = new Tx(c);
                try {
                    result = work.run(tx);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    rollbackQuietly(c);
                    throw e;
                }
            } catch (SQLException e) {
                if (retryable(e)) {
                    last = e;
                    retries.incrementAndGet();
                    backoff(attempt);
                    continue;
                }
                throw new StoreException("store operation failed: " + e.getMessage(), e);
            }
            // this thread's grouped reads from now on see what it wrote
            ReadGroup group = ReadGroup.current();
            if (group != null) group.release(this);
            for (Runnable r : tx.afterCommit) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "after-commit hook failed", e);
                }
            }
            return result;
        }
        throw new StoreException("store operation kept conflicting with others; gave up after " + MAX_ATTEMPTS
                + " attempts: " + last.getMessage(), last);
    }

    /**
     * Runs {@code work} in one read-only snapshot; it sees every committed write, including other nodes'. Inside a
     * {@link ReadGroup}, in the group's transaction: one checkout, {@code BEGIN} and {@code COMMIT} for all of them.
     */
    @Override
    public <T> T read(Work<T> work) {
        if (closed) throw new StoreException("store is closed");
        ReadGroup group = ReadGroup.current();
        if (group != null) return grouped(group, work);
        try (Connection c = readPool.getConnection()) { // REPEATABLE READ, READ ONLY (see poolConfig)
            readTransactions.incrementAndGet();
            try {
                T result = work.run(new Tx(c));
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("store operation failed: " + e.getMessage(), e);
        }
    }

    private <T> T grouped(ReadGroup group, Work<T> work) {
        GroupRead r = group.hold(this, () -> {
            try {
                GroupRead opened = new GroupRead(readPool.getConnection());
                readTransactions.incrementAndGet();
                return opened;
            } catch (SQLException e) {
                throw new StoreException("store operation failed: " + e.getMessage(), e);
            }
        });
        try {
            return work.run(new Tx(r.c));
        } catch (SQLException e) {
            group.release(this); // PostgreSQL aborted the transaction: the next read opens another
            throw new StoreException("store operation failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            group.release(this);
            throw e;
        }
    }

    /** A read connection in the transaction a {@link ReadGroup} shares; closing it ends the transaction. */
    private static final class GroupRead implements AutoCloseable {
        final Connection c;

        GroupRead(Connection c) {
            this.c = c;
        }

        @Override
        public void close() throws SQLException {
            try {
                c.commit(); // read-only: nothing to make durable, the transaction just ends
            } catch (SQLException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                c.close();
            }
        }
    }

    /** A short read by key; the same as {@link #read} here (the embedded store runs these on the caller's thread). */
    @Override
    public <T> T point(Work<T> work) {
        return read(work);
    }

    /**
     * 40001 serialization_failure, 40P01 deadlock_detected: the transaction lost a race and may simply run again.
     * 23505 unique_violation too: under SERIALIZABLE, an insert that collides with a row a concurrent transaction
     * committed after our snapshot is such a race (PostgreSQL's manual, "Serializable Isolation Level", advises
     * retrying it); every insert here is preceded by a check that turns a real duplicate into an answer on the retry.
     */
    static boolean retryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && ("40001".equals(s.getSQLState()) || "40P01".equals(s.getSQLState())
                    || "23505".equals(s.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    private static void backoff(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, 2 + Math.min(attempt, 20) * 2L));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for the store", e);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool drops it
        }
    }

    @Override
    public Dialect dialect() {
        return Dialect.POSTGRESQL;
    }

    /** Writes retried after a conflict so far; for tests and measurements. */
    long retries() {
        return retries.get();
    }

    /** Read transactions begun so far (a group of reads counts once); for tests and measurements. */
    long readTransactions() {
        return readTransactions.get();
    }

    /**
     * Tells the other nodes that something changed ({@code kind id}): sent after the commit, batched, on its own
     * thread. A lost notification only delays a wake-up: sessions catch up by modseq whenever they look.
     */
    @Override
    public void publish(String what) {
        if (!closed) outgoing.add(node + " " + what);
    }

    private void publishLoop() {
        List<String> batch = new ArrayList<>();
        while (!closed) {
            try {
                String first = outgoing.poll(500, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                outgoing.drainTo(batch, 999);
                List<String> distinct = List.copyOf(new java.util.LinkedHashSet<>(batch));
                try (Connection c = pool.getConnection()) {
                    try (var ps = c.prepareStatement("SELECT pg_notify(?, p) FROM unnest(?::text[]) AS p")) {
                        ps.setString(1, channel);
                        ps.setArray(2, c.createArrayOf("text", distinct.toArray()));
                        ps.execute();
                    }
                    c.commit();
                } catch (SQLException e) {
                    if (!closed) LOG.log(System.Logger.Level.WARNING, "cannot notify other nodes: " + e.getMessage());
                }
                batch.clear();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Starts this process's listener connection: {@code onNotice} gets the {@code kind id} of every change another
     * node published, and {@code onReconnect} runs after the connection was lost and re-established (notifications
     * sent meanwhile are gone, so everything should look again).
     */
    void listen(Consumer<String> onNotice, Runnable onReconnect) {
        CountDownLatchHolder ready = new CountDownLatchHolder();
        listener = Thread.ofPlatform().name("store-listen").daemon().start(() -> listenLoop(onNotice, onReconnect, ready));
        ready.await();
    }

    private static final class CountDownLatchHolder {
        final java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(1);

        void await() {
            try {
                latch.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void listenLoop(Consumer<String> onNotice, Runnable onReconnect, CountDownLatchHolder ready) {
        boolean first = true;
        while (!closed) {
            Properties p = new Properties();
            if (user != null) p.setProperty("user", user);
            if (password != null) p.setProperty("password", password);
            try (Connection c = DriverManager.getConnection(url, p)) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + channel);
                }
                org.postgresql.PGConnection pg = c.unwrap(org.postgresql.PGConnection.class);
                if (!first) onReconnect.run();
                first = false;
                ready.latch.countDown();
                while (!closed) {
                    org.postgresql.PGNotification[] got = pg.getNotifications(500);
                    if (got == null) continue;
                    for (org.postgresql.PGNotification n : got) {
                        String payload = n.getParameter();
                        int sp = payload.indexOf(' ');
                        if (sp < 0 || payload.substring(0, sp).equals(node)) continue;
                        try {
                            onNotice.accept(payload.substring(sp + 1));
                        } catch (RuntimeException e) {
                            LOG.log(System.Logger.Level.WARNING, "change listener failed", e);
                        }
                    }
                }
            } catch (SQLException e) {
                if (closed) return;
                LOG.log(System.Logger.Level.WARNING, "lost the change listener connection (" + e.getMessage()
                        + "); reconnecting in 1 s");
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        publisher.interrupt();
        Thread l = listener;
        try {
            publisher.join(5000);
            if (l != null) l.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closePools();
    }

    private void closePools() {
        pool.close();
        if (readPool != null) readPool.close();
    }
}
