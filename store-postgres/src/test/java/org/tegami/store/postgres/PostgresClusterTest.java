package org.tegami.store.postgres;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.StoreException;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.ChangeFeed;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.QueueEntry;
import org.tegami.store.StoreContract;
import org.tegami.store.embedded.FileObjects;
import org.tegami.testkit.TestPostgres;

/**
 * Several nodes on one PostgreSQL database: each node here is a {@link PostgresStore} instance of its own (own pool,
 * own listener connection, own in-process change feed), as separate processes would be.
 */
class PostgresClusterTest {
    @TempDir
    Path dir;
    private TestPostgres.Database db;
    private final List<PostgresStore> opened = new ArrayList<>();

    @BeforeEach
    void database() {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        db = TestPostgres.get().newDatabase();
    }

    @AfterEach
    void close() {
        opened.forEach(PostgresStore::close);
    }

    private synchronized PostgresStore node() {
        try {
            PostgresStore s = PostgresStore.open(db.url(), db.user(), db.password(),
                    FileObjects.directory(dir.resolve("objects")), InstantSource.system());
            opened.add(s);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BlobId blob(PostgresStore s, byte[] bytes) throws IOException {
        try (BlobStore.BlobWriter w = s.blobs().create()) {
            w.stream().write(bytes);
            return w.commit();
        }
    }

    private static Account user(PostgresStore s, String address) {
        s.accounts().addDomain("example.test");
        return s.accounts().addUser(StoreContract.addr(address), "$argon2id$test");
    }

    @Test
    void aDeliveryOnOneNodeWakesASubscriberOnAnotherWithinASecond() throws Exception {
        PostgresStore a = node();
        PostgresStore b = node();
        Account alice = user(a, "alice@example.test");
        Mailbox inbox = b.mail().mailbox(alice.id(), "INBOX").orElseThrow();
        CountDownLatch rang = new CountDownLatch(1);
        try (ChangeFeed.Subscription sub = b.mail().changes().subscribe(inbox.id(), rang::countDown)) {
            byte[] m = "Subject: hello\r\n\r\nacross nodes\r\n".getBytes(StandardCharsets.US_ASCII);
            long start = System.nanoTime();
            a.mail().deliver(new DeliveryRequest(blob(a, m), m.length, Instant.now(), Set.of(alice.id()), Optional.empty()));
            assertTrue(rang.await(1, TimeUnit.SECONDS), "node B's subscriber was not woken within a second");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.println("cross-node wake-up after deliver: " + millis + " ms");
            // and B then reads what A committed, by modseq
            var changes = b.mail().changesSince(inbox.id(), inbox.highestModSeq()).orElseThrow();
            assertEquals(1, changes.changed().size());
        }
    }

    @Test
    void anAccountChangeOnOneNodeWakesAnAccountSubscriberOnAnother() throws Exception {
        PostgresStore a = node();
        PostgresStore b = node();
        Account alice = user(a, "alice@example.test");
        CountDownLatch rang = new CountDownLatch(1);
        try (ChangeFeed.Subscription sub = b.mail().changes().subscribeAccount(alice.id(), rang::countDown)) {
            a.mail().createMailbox(alice.id(), "Projects", Optional.empty());
            assertTrue(rang.await(1, TimeUnit.SECONDS));
        }
    }

    @Test
    void twoNodesAppendingToOneMailboxNeverRepeatOrReorderUids() throws Exception {
        PostgresStore a = node();
        PostgresStore b = node();
        Account alice = user(a, "alice@example.test");
        Mailbox inbox = a.mail().mailbox(alice.id(), "INBOX").orElseThrow();
        int writersPerNode = 8, each = 25;
        ConcurrentLinkedQueue<Long> uids = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (PostgresStore node : List.of(a, b)) {
            for (int t = 0; t < writersPerNode; t++) {
                int writer = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                        long previous = 0;
                        for (int i = 0; i < each; i++) {
                            byte[] m = ("Subject: " + node.hashCode() + "/" + writer + "/" + i + "\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII);
                            long uid;
                            if (i % 2 == 0) {
                                uid = node.mail().deliver(new DeliveryRequest(blob(node, m), m.length, Instant.now(),
                                        Set.of(alice.id()), Optional.empty())).messages().getFirst().uid().value();
                            } else {
                                uid = node.mail().append(inbox.id(), blob(node, m), m.length, Instant.now(), Set.of()).value();
                            }
                            if (uid <= previous) throw new AssertionError("UID " + uid + " after " + previous);
                            previous = uid;
                            uids.add(uid);
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
        }
        go.countDown();
        for (Thread t : threads) t.join(120_000);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(errors.isEmpty(), () -> "errors: " + errors);
        int total = 2 * writersPerNode * each;
        System.out.printf("hammer: %d appends from 2 nodes x %d writers in %.2f s (%.0f/s), %d retries%n", total,
                writersPerNode, seconds, total / seconds, a.retries() + b.retries());
        assertEquals(total, uids.size());
        assertEquals(total, new HashSet<>(uids).size(), "a UID was handed out twice");
        List<MessageMeta> stored = b.mail().messages(inbox.id());
        assertEquals(total, stored.size());
        for (int i = 0; i < stored.size(); i++) {
            assertEquals(i + 1, stored.get(i).uid().value(), "UIDs are gapless");
            if (i > 0) {
                assertTrue(stored.get(i).modSeq().value() > stored.get(i - 1).modSeq().value(),
                        "a later UID has a higher modseq");
            }
        }
        Mailbox after = b.mail().mailbox(alice.id(), "INBOX").orElseThrow();
        assertEquals(total + 1, after.uidNext());
        assertEquals(stored.getLast().modSeq(), after.highestModSeq());
    }

    @Test
    void nodesClaimingTheQueueAtOnceNeverShareAnEntry() throws Exception {
        PostgresStore a = node();
        PostgresStore b = node();
        user(a, "alice@example.test");
        int entries = 60;
        for (int i = 0; i < entries; i++) {
            byte[] m = ("Subject: out " + i + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            a.mail().deliver(new DeliveryRequest(blob(a, m), m.length, Instant.now(), Set.of(), Optional.of(
                    new DeliveryRequest.Outbound("alice@example.test", List.of("bob@remote.test"), 0))));
        }
        Instant now = Instant.now().plusSeconds(1);
        ConcurrentLinkedQueue<Long> claimed = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < 6; t++) {
            PostgresStore node = t % 2 == 0 ? a : b;
            String owner = "node" + t;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    while (true) {
                        List<QueueEntry> got = node.queue().claim(now, 4, now.plusSeconds(600), owner);
                        if (got.isEmpty()) return;
                        got.forEach(e -> claimed.add(e.id().value()));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) t.join(60_000);
        assertEquals(entries, claimed.size(), "every entry claimed exactly once");
        assertEquals(entries, new HashSet<>(claimed).size());
    }

    @Test
    void nodesStartingTogetherMigrateOnce() throws Exception {
        int nodes = 4;
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    node();
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) t.join(60_000);
        assertTrue(errors.isEmpty(), () -> "errors: " + errors);
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
            assertEquals(PgSchema.latest(), PgSchema.version(c));
            assertEquals(4, PgSchema.latest());
            // v4: VANISHED and QRESYNC read the tombstones above a modseq by index
            try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'expunged_by_modseq' AND schemaname = current_schema()")) {
                assertTrue(rs.next(), "expunged_by_modseq exists");
                assertTrue(rs.getString(1).contains("(mailbox_id, modseq)"), rs.getString(1));
            }
        }
        Account alice = user(opened.getFirst(), "alice@example.test");
        assertTrue(opened.getLast().accounts().user(alice.id()).isPresent());
    }

    @Test
    void aNodeOlderThanTheSchemaRefusesToStart() throws Exception {
        node().close();
        opened.clear();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute("UPDATE tegami_schema SET version = " + (PgSchema.latest() + 1));
        }
        StoreException e = assertThrows(StoreException.class, this::node);
        assertTrue(e.getMessage().contains("upgraded by a newer Tegami (schema " + (PgSchema.latest() + 1)), e.getMessage());
        assertTrue(e.getMessage().contains("upgrade Tegami on this node"), e.getMessage());
    }

    @Test
    void anUnreachableServerIsReportedAtOnceWithoutTheUrlsParameters() throws Exception {
        int port = org.tegami.testkit.FreePort.pick(); // nothing listens there
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/tegami?password=hunter2";
        long start = System.nanoTime();
        StoreException e = assertThrows(StoreException.class, () -> PostgresStore.open(url, "tegami", "",
                FileObjects.directory(dir.resolve("objects")), InstantSource.system()));
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10, "fails fast");
        assertTrue(e.getMessage().startsWith("cannot reach PostgreSQL at jdbc:postgresql://127.0.0.1:" + port + "/tegami: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
    }

    @Test
    void aBlobStillNamedOnOneNodeSurvivesCollectionOnAnother() throws Exception {
        PostgresStore a = node();
        PostgresStore b = node();
        Account alice = user(a, "alice@example.test");
        byte[] big = new byte[300 * 1024]; // above the inline limit: bytes in object storage
        java.util.Arrays.fill(big, (byte) 'x');
        BlobId id;
        try (BlobStore.BlobWriter w = a.blobs().create()) {
            w.stream().write(big);
            id = w.commit();
            assertEquals(0, b.blobs().collect(), "held by A's open writer: B leaves it alone");
            a.mail().deliver(new DeliveryRequest(id, big.length, Instant.now(), Set.of(alice.id()), Optional.empty()));
        }
        assertEquals(0, b.blobs().collect(), "named by a message");
        Mailbox inbox = a.mail().mailbox(alice.id(), "INBOX").orElseThrow();
        a.mail().expunge(inbox.id(), Set.of(a.mail().messages(inbox.id()).getFirst().uid()));
        assertEquals(1, b.blobs().collect());
        assertFalse(a.blobs().exists(id));
        assertEquals(-1, FileObjects.directory(dir.resolve("objects")).size(id.hex()), "the object is gone too");
    }

    private long catalogRows(BlobId id) throws Exception {
        try (java.sql.Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM blobs WHERE hex = ?")) {
            ps.setString(1, id.hex());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void aSmallBlobIsStoredByTheDeliveryThatNamesItAndReadableOnEveryNode() throws Exception {
        PostgresStore a = node();
        PostgresStore b = node();
        Account alice = user(a, "alice@example.test");
        byte[] msg = "Subject: one commit\r\n\r\nhello\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        BlobId id;
        try (BlobStore.BlobWriter w = a.blobs().create()) {
            w.stream().write(msg);
            id = w.commit();
            assertEquals(0, catalogRows(id), "no commit of its own");
            assertArrayEquals(msg, a.blobs().open(id).readAllBytes(), "this node reads it before any delivery");
            assertTrue(a.blobs().exists(id));
            assertEquals(0, b.blobs().collect(), "nothing another node could collect");
            a.mail().deliver(new DeliveryRequest(id, msg.length, Instant.now(), Set.of(alice.id()), Optional.empty()));
            assertEquals(1, catalogRows(id), "stored in the delivery's transaction");
        }
        assertArrayEquals(msg, b.blobs().open(id).readAllBytes());
        assertEquals(0, b.blobs().collect(), "named by a message");
    }

    @Test
    void aSmallBlobNoDeliveryNamedIsStoredAtCloseAndCollected() throws Exception {
        PostgresStore a = node();
        PostgresStore b = node();
        byte[] msg = "Subject: refused\r\n\r\nover quota\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        BlobId id;
        try (BlobStore.BlobWriter w = a.blobs().create()) {
            w.stream().write(msg);
            id = w.commit();
        }
        assertEquals(1, catalogRows(id), "committed means stored, even when nothing named it");
        assertArrayEquals(msg, b.blobs().open(id).readAllBytes());
        assertEquals(1, b.blobs().collect(), "and the collector finds it");
        assertFalse(a.blobs().exists(id));
        assertEquals(0, catalogRows(id));
    }

    @Test
    void twoWritersOfTheSameSmallBlobShareItWhicheverClosesFirst() throws Exception {
        PostgresStore a = node();
        PostgresStore b = node();
        Account alice = user(a, "alice@example.test");
        byte[] msg = "Subject: twice\r\n\r\nsame bytes\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        BlobId id;
        try (BlobStore.BlobWriter first = a.blobs().create()) {
            first.stream().write(msg);
            id = first.commit();
            try (BlobStore.BlobWriter second = a.blobs().create()) {
                second.stream().write(msg);
                assertEquals(id, second.commit());
            } // closed unnamed, while the first writer still holds the bytes
            assertEquals(0, b.blobs().collect());
            a.mail().deliver(new DeliveryRequest(id, msg.length, Instant.now(), Set.of(alice.id()), Optional.empty()));
        }
        assertArrayEquals(msg, b.blobs().open(id).readAllBytes());
        assertEquals(0, b.blobs().collect(), "named by a message");
        assertEquals(1, catalogRows(id));
    }
}
