package org.tegami.objects.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.Mailbox;
import org.tegami.store.postgres.PostgresStore;
import org.tegami.testkit.S3TestServer;
import org.tegami.testkit.TestPostgres;

/**
 * Two nodes on one PostgreSQL database and one S3 bucket (S3Mock). A large blob's object goes to S3 at the writer's
 * commit and its catalog row comes with the delivery that names it (no transaction of its own); an object whose
 * delivery never commits (the node died after the upload) is found by another node's collection, held for the hour
 * a writer may still take, and then removed from the bucket.
 */
class S3PostgresBlobSweepTest {
    @TempDir
    Path dir;
    private TestPostgres.Database db;
    private String bucket;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        db = TestPostgres.get().newDatabase();
        bucket = S3TestServer.get().newBucket();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
    }

    private S3Objects objects(String name) throws Exception {
        S3TestServer s3 = S3TestServer.get();
        S3Objects o = S3Objects.open(new S3Settings(s3.endpoint(), bucket, "us-east-1", S3TestServer.ACCESS_KEY,
                S3TestServer.SECRET_KEY, true), dir.resolve(name));
        open.add(o);
        return o;
    }

    private PostgresStore node(String name) throws Exception {
        PostgresStore s = PostgresStore.open(db.url(), db.user(), db.password(), objects(name), InstantSource.system());
        open.add(s);
        return s;
    }

    private static byte[] large(int seed) {
        byte[] b = new byte[200 * 1024]; // above the 128 KiB kept inline: an object in S3
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 31 + seed);
        return b;
    }

    private long rows(String sql, String hex) throws Exception {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, hex);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private long catalogRows(BlobId id) throws Exception {
        return rows("SELECT count(*) FROM blobs WHERE hex = ?", id.hex());
    }

    /** The hour of a hold passes (a test cannot wait for it). */
    private void holdOver(BlobId id) throws Exception {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("UPDATE blobs SET held_until = 0 WHERE hex = ?")) {
            ps.setString(1, id.hex());
            assertEquals(1, ps.executeUpdate());
        }
    }

    @Test
    void aLargeBlobsRowCommitsWithItsDeliveryAndIsReadableOnTheOtherNode() throws Exception {
        PostgresStore a = node("a");
        PostgresStore b = node("b");
        Account alice = a.accounts().addUser(addDomainAnd(a, "alice@example.test"), "hash");
        byte[] big = large(1);
        BlobId id;
        try (BlobStore.BlobWriter w = a.blobs().create()) {
            w.stream().write(big);
            id = w.commit();
            assertEquals(0, catalogRows(id), "no transaction of its own");
            assertTrue(objects("check").size(id.hex()) == big.length, "the object is in S3 before the delivery");
            assertArrayEquals(big, a.blobs().open(id).readAllBytes(), "this node reads it before any delivery");
            assertEquals(big.length, a.blobs().size(id));
            assertEquals(0, b.blobs().collect(), "the other node adopts the object but holds it");
            a.mail().deliver(new DeliveryRequest(id, big.length, Instant.now(), Set.of(alice.id()), Optional.empty()));
            assertEquals(1, catalogRows(id));
        }
        holdOver(id); // were the adoption's hold still counted, the delivery's claim already ended it
        assertEquals(0, b.blobs().collect(), "named by a message");
        assertArrayEquals(big, b.blobs().open(id).readAllBytes());
        assertEquals(big.length, b.blobs().size(id));
        Mailbox inbox = a.mail().mailbox(alice.id(), "INBOX").orElseThrow();
        a.mail().expunge(inbox.id(), Set.of(a.mail().messages(inbox.id()).getFirst().uid()));
        assertEquals(1, b.blobs().collect());
        assertEquals(-1, objects("check2").size(id.hex()), "the object is gone from the bucket");
    }

    @Test
    void anObjectWhoseDeliveryNeverCommittedIsRemovedByAnotherNode() throws Exception {
        PostgresStore a = node("a");
        PostgresStore b = node("b");
        byte[] big = large(2);
        // node A uploads and dies before its delivery: its writer is never closed, nothing names the blob
        BlobStore.BlobWriter w = a.blobs().create();
        w.stream().write(big);
        BlobId id = w.commit();
        S3Objects look = objects("look");
        assertEquals(big.length, look.size(id.hex()));
        assertEquals(0, catalogRows(id));

        assertEquals(0, b.blobs().collect(), "found, but a writer may still name it within the hold");
        assertEquals(1, catalogRows(id), "adopted: listed in the catalog, held");
        assertEquals(1, rows("SELECT count(*) FROM blob_orphans WHERE hex = ?", id.hex()), "and listed for the collector");
        assertEquals(big.length, look.size(id.hex()));
        holdOver(id);
        assertEquals(1, b.blobs().collect());
        assertEquals(-1, look.size(id.hex()), "the orphaned object is removed from the bucket");
        assertEquals(0, catalogRows(id));
        assertFalse(b.blobs().exists(id));
    }

    @Test
    void aWriterThatNamesNothingStoresTheRowAtCloseForTheCollector() throws Exception {
        PostgresStore a = node("a");
        PostgresStore b = node("b");
        byte[] big = large(3);
        BlobId id;
        try (BlobStore.BlobWriter w = a.blobs().create()) {
            w.stream().write(big);
            id = w.commit();
        } // refused after the data (over quota, say): nothing named it
        assertEquals(1, catalogRows(id), "committed means stored, even when nothing named it");
        assertArrayEquals(big, b.blobs().open(id).readAllBytes());
        assertEquals(1, b.blobs().collect(), "and the collector finds it at once");
        assertEquals(-1, objects("check").size(id.hex()));
    }

    @Test
    void aDeliveryFailsWhenTheObjectWasCollectedUnderIt() throws Exception {
        PostgresStore a = node("a");
        PostgresStore b = node("b");
        Account alice = a.accounts().addUser(addDomainAnd(a, "alice@example.test"), "hash");
        byte[] big = large(4);
        try (BlobStore.BlobWriter w = a.blobs().create()) {
            w.stream().write(big);
            BlobId id = w.commit();
            // the object goes under the writer's feet (another node collected an unnamed row of the same bytes)
            objects("gone").delete(id.hex());
            org.junit.jupiter.api.Assertions.assertThrows(org.tegami.core.StoreException.class, () -> a.mail().deliver(
                    new DeliveryRequest(id, big.length, Instant.now(), Set.of(alice.id()), Optional.empty())));
            Mailbox inbox = a.mail().mailbox(alice.id(), "INBOX").orElseThrow();
            assertEquals(List.of(), a.mail().messages(inbox.id()), "nothing was stored that cannot be read");
        }
        // the writer's close listed what it committed: the collector drops the row of the missing object
        assertEquals(1, b.blobs().collect());
    }

    private static EmailAddress addDomainAnd(PostgresStore s, String address) {
        EmailAddress a = EmailAddress.parse(address).orElseThrow();
        s.accounts().addDomain(a.domain());
        return a;
    }
}
