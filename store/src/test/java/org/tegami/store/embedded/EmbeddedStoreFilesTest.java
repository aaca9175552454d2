package org.tegami.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.StoreException;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.Mailbox;
import org.tegami.store.Store;
import org.tegami.store.jdbc.Jdbc;

/** What the contract cannot see: the files and tables under the data directory, and the group commit itself. */
class EmbeddedStoreFilesTest {
    static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");

    @TempDir
    Path dir;
    private final List<Store> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(Store::close);
    }

    private EmbeddedStore open(int inlineMax) {
        AtomicLong uv = new AtomicLong(1000);
        EmbeddedStore s = EmbeddedStore.open(dir, uv::incrementAndGet, inlineMax);
        opened.add(s);
        return s;
    }

    private static Account user(Store s, String address) {
        EmailAddress a = EmailAddress.parse(address).orElseThrow();
        s.accounts().addDomain(a.domain());
        return s.accounts().addUser(a, "$argon2id$test");
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + seed);
        return b;
    }

    private static BlobId write(Store s, byte[] data) throws IOException {
        try (BlobStore.BlobWriter w = s.blobs().create()) {
            w.stream().write(data);
            return w.commit();
        }
    }

    private List<Path> files(String sub) throws IOException {
        try (Stream<Path> all = Files.walk(dir.resolve(sub))) {
            return all.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.getLong(1);
        }
    }

    @Test
    void blobFileDeliveredToThreeAccountsIsStoredOnceUnderItsDigest() throws Exception {
        EmbeddedStore s = open(0); // every blob a file, as for large mail
        List<Account> to = List.of(user(s, "a@example.test"), user(s, "b@example.test"), user(s, "c@example.test"));
        byte[] msg = bytes(10 * 1024, 7);
        BlobId id = write(s, msg);
        s.mail().deliver(new DeliveryRequest(id, msg.length, NOW,
                Set.of(to.get(0).id(), to.get(1).id(), to.get(2).id()), Optional.empty()));
        assertEquals(id, write(s, msg), "the same bytes again: same digest, no second file");
        String h = id.hex();
        assertEquals(List.of(dir.resolve("blobs").resolve(h.substring(0, 2)).resolve(h.substring(2, 4)).resolve(h)),
                files("blobs"));
        assertEquals(List.of(), files("tmp"));
        assertEquals(0, count("SELECT count(*) FROM blobs"));
        for (Account a : to) {
            Mailbox inbox = s.mail().mailbox(a.id(), "INBOX").orElseThrow();
            assertEquals(2, inbox.uidNext());
            assertEquals(2, inbox.highestModSeq().value());
        }
    }

    @Test
    void smallBlobDeliveredToThreeAccountsIsOneRow() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        List<Account> to = List.of(user(s, "a@example.test"), user(s, "b@example.test"), user(s, "c@example.test"));
        byte[] msg = bytes(10 * 1024, 3);
        try (BlobStore.BlobWriter w = s.blobs().create()) {
            w.stream().write(msg);
            BlobId id = w.commit();
            s.mail().deliver(new DeliveryRequest(id, msg.length, NOW,
                    Set.of(to.get(0).id(), to.get(1).id(), to.get(2).id()), Optional.empty()));
        }
        assertEquals(1, count("SELECT count(*) FROM blobs"));
        assertEquals(3, count("SELECT count(*) FROM messages"));
        assertEquals(List.of(), files("blobs"));
    }

    @Test
    void abandonedBlobFileLeavesNothingInTmp() throws IOException {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        BlobStore.BlobWriter w = s.blobs().create();
        w.stream().write(bytes(FileBlobStore.INLINE_MAX + 1, 1)); // past the inline limit: spills to tmp/
        assertEquals(FileBlobStore.INLINE_MAX + 1, w.size());
        assertEquals(1, files("tmp").size(), "being written under tmp/");
        w.close();
        assertEquals(List.of(), files("tmp"));
        assertEquals(List.of(), files("blobs"));
    }

    @Test
    void leftoverTmpFilesAreClearedOnOpenButNotAWriteUnderWay() throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        Path crashed = Files.writeString(dir.resolve("tmp/crashed-write.tmp"), "half a message");
        Files.setLastModifiedTime(crashed, java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(FileObjects.LEFTOVER_AGE).minusSeconds(60)));
        // a running server's message still arriving, when an admin command opens the same data directory
        Files.writeString(dir.resolve("tmp/arriving.tmp"), "the first lines of a message");
        open(FileBlobStore.INLINE_MAX);
        assertEquals(List.of(dir.resolve("tmp/arriving.tmp")), files("tmp"));
    }

    @Test
    void dataDirectoryAndItsFilesAreReadableByTheOwnerOnly() throws Exception {
        Path data = dir.resolve("data");
        try (EmbeddedStore s = EmbeddedStore.open(data, uvSource(), 0)) {
            Account a = user(s, "alice@example.test");
            BlobId id = write(s, bytes(10_000, 7));
            s.mail().deliver(new DeliveryRequest(id, 10_000, NOW, Set.of(a.id()), Optional.empty()));
            assertEquals("rwx------", mode(data));
            for (String f : List.of("meta.db", "meta.db-wal", "meta.db-shm")) assertEquals("rw-------", mode(data.resolve(f)), f);
            assertEquals("rwx------", mode(data.resolve("blobs")));
            assertEquals("rwx------", mode(data.resolve("tmp")));
            Path blob = s.blobs() instanceof FileBlobStore f ? f.path(id) : null;
            assertEquals("rw-------", mode(blob));
            assertEquals("rwx------", mode(blob.getParent()));
        }
        // A data directory made by an older version (or by hand) with the umask's modes is tightened on open.
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data.resolve("meta.db"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        EmbeddedStore.open(data, uvSource(), 0).close();
        assertEquals("rwx------", mode(data));
        assertEquals("rw-------", mode(data.resolve("meta.db")));
    }

    private static java.util.function.LongSupplier uvSource() {
        AtomicLong uv = new AtomicLong(1000);
        return uv::incrementAndGet;
    }

    private static String mode(Path p) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void blobFilesFromBeforeTheCollectorAreCheckedOnceAndDeletedWhenNothingNamesThem() throws Exception {
        EmbeddedStore s = open(0);
        Account a = user(s, "alice@example.test");
        BlobId kept = write(s, bytes(5000, 1));
        s.mail().deliver(new DeliveryRequest(kept, 5000, NOW, Set.of(a.id()), Optional.empty()));
        s.blobs().collect();
        // A file an older version left behind after its message was expunged: no trigger ever listed it.
        byte[] stray = bytes(3000, 2);
        BlobId strayId = BlobId.of(java.security.MessageDigest.getInstance("SHA-256").digest(stray));
        FileBlobStore blobs = (FileBlobStore) s.blobs();
        Files.createDirectories(blobs.path(strayId).getParent());
        Files.write(blobs.path(strayId), stray);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            st.execute("UPDATE counters SET value = 0 WHERE name = 'blob_files_scanned'"); // as after the upgrade
        }
        assertEquals(1, s.blobs().collect());
        assertTrue(Files.notExists(blobs.path(strayId)));
        assertTrue(Files.exists(blobs.path(kept)), "a blob a message names is kept");
        assertEquals(1, count("SELECT value FROM counters WHERE name = 'blob_files_scanned'"));
    }

    @Test
    void databaseIsWalWithTheCurrentSchemaVersion() throws Exception {
        open(FileBlobStore.INLINE_MAX).close();
        assertTrue(Files.isRegularFile(dir.resolve("meta.db")));
        assertEquals(27, count("PRAGMA user_version"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
            assertEquals("wal", rs.getString(1));
        }
    }

    @Test
    void upgradeToV13LeavesExistingMessagesNotRecent() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        Account a = user(s, "a@example.test");
        byte[] msg = "Subject: old\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        s.mail().deliver(new DeliveryRequest(write(s, msg), msg.length, NOW, Set.of(a.id()), Optional.empty()));
        s.close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) { // as a v12 data directory left it
            undoV15(st);
            st.execute("DROP TABLE subscriptions");
            st.execute("ALTER TABLE mailboxes DROP COLUMN recent_uid");
            st.execute("PRAGMA user_version=12");
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        Mailbox inbox = upgraded.mail().mailbox(a.id(), "INBOX").orElseThrow();
        // RFC 3501 §2.3.2: mail from before the upgrade was seen by the sessions of the old version
        assertEquals(inbox.uidNext(), upgraded.mail().recentFloor(inbox.id()));
        Mailbox fresh = upgraded.mail().createMailbox(a.id(), "Fresh", Optional.empty());
        assertTrue(upgraded.mail().recentFloor(fresh.id()) <= 1, "a new mailbox's first message is recent");
    }

    @Test
    void upgradeToV14KeepsSubscriptionsByName() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        Account a = user(s, "a@example.test");
        s.mail().createMailbox(a.id(), "Work", Optional.empty());
        s.mail().createMailbox(a.id(), "Play", Optional.empty());
        s.close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) { // as a v13 data directory left it: subscriptions on the mailbox row
            undoV15(st);
            st.execute("DROP TABLE subscriptions");
            st.execute("UPDATE mailboxes SET subscribed = (name IN ('INBOX', 'Work'))");
            st.execute("PRAGMA user_version=13");
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        assertEquals(java.util.List.of("INBOX", "Work"), java.util.List.copyOf(upgraded.mail().subscriptions(a.id())));
        assertTrue(upgraded.mail().mailbox(a.id(), "Work").orElseThrow().subscribed());
        assertFalse(upgraded.mail().mailbox(a.id(), "Play").orElseThrow().subscribed());
    }

    /** Takes a data directory back to what v26 left. */
    private static void undoV27(Statement st) throws java.sql.SQLException {
        st.execute("DROP INDEX expunged_by_modseq");
        st.execute("PRAGMA user_version=26");
    }

    @Test
    void upgradeToV27IndexesTombstonesByModseq() throws Exception {
        open(FileBlobStore.INLINE_MAX).close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV27(st);
        }
        assertEquals(0, count("SELECT COUNT(*) FROM sqlite_master WHERE name = 'expunged_by_modseq'"));
        open(FileBlobStore.INLINE_MAX);
        assertEquals(27, count("PRAGMA user_version"));
        assertEquals(1, count("SELECT COUNT(*) FROM sqlite_master WHERE name = 'expunged_by_modseq'"));
    }

    /** Takes a data directory back to what v25 left. */
    private static void undoV26(Statement st) throws java.sql.SQLException {
        undoV27(st);
        st.execute("DROP TABLE coord_event");
        st.execute("DROP TABLE coord_lease");
        st.execute("PRAGMA user_version=25");
    }

    @Test
    void upgradeToV26StartsWithNoEventsOrLeases() throws Exception {
        open(FileBlobStore.INLINE_MAX).close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV26(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        assertEquals(0, upgraded.coordination().recent("k", java.time.Instant.EPOCH, 5).count());
        assertTrue(upgraded.coordination().tryAcquire("l", "h", NOW, NOW.plusSeconds(1)));
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v24 left. */
    private static void undoV25(Statement st) throws java.sql.SQLException {
        undoV26(st);
        st.execute("DROP TABLE tls_report_received");
        st.execute("PRAGMA user_version=24");
    }

    @Test
    void upgradeToV25StartsWithNoReceivedTlsReports() throws Exception {
        open(FileBlobStore.INLINE_MAX).close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV25(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        assertTrue(upgraded.tlsReports().received(java.time.Instant.EPOCH).isEmpty());
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v23 left. */
    private static void undoV24(Statement st) throws java.sql.SQLException {
        undoV25(st);
        for (String c : new String[] {"notify", "orcpt_type", "orcpt"}) st.execute("ALTER TABLE queue_recipients DROP COLUMN " + c);
        for (String c : new String[] {"dsn_ret", "dsn_envid", "tls"}) st.execute("ALTER TABLE queue DROP COLUMN " + c);
        st.execute("PRAGMA user_version=23");
    }

    @Test
    void upgradeToV24KeepsQueuedEntriesWithoutEnvelopeParameters() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        byte[] msg = "Subject: queued\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        s.mail().deliver(new DeliveryRequest(write(s, msg), msg.length, NOW, Set.of(), Optional.of(
                new DeliveryRequest.Outbound("a@example.test", java.util.List.of("b@remote.test"), 0))));
        s.close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV24(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        var e = upgraded.queue().list().getFirst();
        assertEquals(java.util.List.of("b@remote.test"), e.recipients());
        assertEquals(org.tegami.store.EnvelopeParams.NONE, e.params());
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v22 left. */
    private static void undoV23(Statement st) throws java.sql.SQLException {
        undoV24(st);
        st.execute("DROP TABLE sieve_marks");
        st.execute("PRAGMA user_version=22");
    }

    @Test
    void upgradeToV23StartsWithNoSieveMarks() throws Exception {
        EmbeddedStore before = open(FileBlobStore.INLINE_MAX);
        before.accounts().addDomain("a.test");
        var a = before.accounts().addUser(org.tegami.mime.EmailAddress.parse("u@a.test").orElseThrow(), "{ARGON2ID}x").id();
        before.close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV23(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        java.time.Instant t = java.time.Instant.parse("2026-01-01T00:00:00Z");
        assertFalse(upgraded.sieve().marked(a, "k", t));
        upgraded.sieve().mark(a, "k", t, t.plusSeconds(1));
        assertTrue(upgraded.sieve().marked(a, "k", t));
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v21 left. */
    private static void undoV22(Statement st) throws java.sql.SQLException {
        undoV23(st);
        st.execute("DROP TABLE trace_key");
        st.execute("DROP TABLE trace_line");
        st.execute("PRAGMA user_version=21");
    }

    @Test
    void upgradeToV22StartsWithNoTraceHistory() throws Exception {
        open(FileBlobStore.INLINE_MAX).close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV22(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        assertTrue(upgraded.traceHistory().find(java.util.Set.of("q:1"), 1).isEmpty());
        upgraded.traceHistory().append(java.util.List.of(new org.tegami.store.TraceHistoryStore.Line(1, "l", java.util.List.of("q:1"))));
        assertEquals(1, upgraded.traceHistory().find(java.util.Set.of("q:1"), 1).size());
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v20 left. */
    private static void undoV21(Statement st) throws java.sql.SQLException {
        undoV22(st);
        st.execute("DROP TABLE tls_report_row");
        st.execute("PRAGMA user_version=20");
    }

    @Test
    void upgradeToV21StartsWithNoTlsReports() throws Exception {
        open(FileBlobStore.INLINE_MAX).close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV21(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        assertTrue(upgraded.tlsReports().pending(Long.MAX_VALUE).isEmpty());
        upgraded.tlsReports().add("a.test", 1, java.util.Map.of("r", 1L));
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v19 left. */
    private static void undoV20(Statement st) throws java.sql.SQLException {
        undoV21(st);
        st.execute("DROP TABLE fetch_pop3_seen");
        st.execute("DROP TABLE fetch_sources");
        st.execute("PRAGMA user_version=19");
    }

    @Test
    void upgradeToV20StartsWithNoFetchSources() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        Account a = user(s, "a@example.test");
        s.close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV20(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        assertTrue(upgraded.fetchSources().sources(Optional.empty()).isEmpty());
        var src = upgraded.fetchSources().add(new org.tegami.store.FetchSourceStore.NewSource(a.id(),
                org.tegami.store.FetchSourceStore.Protocol.POP3, "pop.example.org", 995, "a", "", true), NOW, id -> new byte[] {1});
        assertTrue(upgraded.fetchSources().source(src.id()).isPresent());
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v18 left. */
    private static void undoV19(Statement st) throws java.sql.SQLException {
        undoV20(st);
        st.execute("DROP TABLE sieve_scripts");
        st.execute("PRAGMA user_version=18");
    }

    @Test
    void upgradeToV19StartsWithNoSieveScripts() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        Account a = user(s, "a@example.test");
        s.close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV19(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        assertTrue(upgraded.sieve().list(a.id()).isEmpty());
        assertEquals(org.tegami.store.SieveScriptStore.Result.OK, upgraded.sieve().put(a.id(), "s", "keep;",
                org.tegami.store.SieveScriptStore.Quota.DEFAULTS));
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v17 left. */
    private static void undoV18(Statement st) throws java.sql.SQLException {
        undoV19(st);
        st.execute("ALTER TABLE queue DROP COLUMN prefix");
        st.execute("PRAGMA user_version=17");
    }

    @Test
    void upgradeToV18KeepsQueuedEntriesWithoutPrefix() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        byte[] msg = "Subject: queued\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        s.mail().deliver(new DeliveryRequest(write(s, msg), msg.length, NOW, Set.of(), Optional.of(
                new DeliveryRequest.Outbound("a@example.test", java.util.List.of("b@remote.test"), 0))));
        s.close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV18(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        var e = upgraded.queue().list().getFirst();
        assertTrue(e.prefix().isEmpty());
        assertEquals(java.util.List.of("b@remote.test"), e.recipients());
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v16 left. */
    private static void undoV17(Statement st) throws java.sql.SQLException {
        undoV18(st);
        st.execute("DROP TABLE dmarc_report_row");
        st.execute("DROP TABLE dmarc_report");
        st.execute("PRAGMA user_version=16");
    }

    @Test
    void upgradeToV17StartsWithNoDmarcReports() throws Exception {
        open(FileBlobStore.INLINE_MAX).close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV17(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        assertTrue(upgraded.dmarcReports().pending(Long.MAX_VALUE).isEmpty());
        upgraded.dmarcReports().add("a.test", 1, "v=DMARC1; p=none", java.util.Map.of("row", 1L));
        assertEquals(1, upgraded.dmarcReports().pending(Long.MAX_VALUE).size());
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v15 left. */
    private static void undoV16(Statement st) throws java.sql.SQLException {
        undoV17(st);
        st.execute("DROP TABLE greylist");
        st.execute("PRAGMA user_version=15");
    }

    @Test
    void upgradeToV16StartsWithNoGreylist() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        Account a = user(s, "a@example.test");
        s.close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV16(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        var t = new org.tegami.store.GreylistStore.Triple("192.0.2.0/24", "", a.id());
        assertTrue(upgraded.greylist().entry(t).isEmpty());
        upgraded.greylist().put(t, new org.tegami.store.GreylistStore.Entry(NOW, NOW, false));
        assertTrue(upgraded.greylist().entry(t).isPresent());
        assertEquals(27, count("PRAGMA user_version"));
    }

    /** Takes a data directory back to what v14 left. */
    private static void undoV15(Statement st) throws java.sql.SQLException {
        undoV16(st);
        st.execute("ALTER TABLE messages DROP COLUMN prefix");
        for (String t : new String[] {"spam_tokens", "spam_totals", "spam_learned", "spam_learn_queue"}) {
            st.execute("DROP TABLE " + t);
        }
        st.execute("DELETE FROM counters WHERE name = 'learn_task_id'");
        st.execute("PRAGMA user_version=14");
    }

    @Test
    void upgradeToV15LeavesMessagesWithoutPrefix() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        Account a = user(s, "a@example.test");
        byte[] msg = "Subject: old\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
        s.mail().deliver(new DeliveryRequest(write(s, msg), msg.length, NOW, Set.of(a.id()), Optional.empty()));
        s.close();
        opened.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            undoV15(st);
        }
        EmbeddedStore upgraded = open(FileBlobStore.INLINE_MAX);
        var m = upgraded.mail().messages(upgraded.mail().mailbox(a.id(), "INBOX").orElseThrow().id()).getFirst();
        assertTrue(m.prefix().isEmpty());
        assertEquals(msg.length, m.size());
        assertEquals(org.tegami.store.ClassifierStore.Totals.ZERO, upgraded.classifier().totals(Optional.of(a.id())));
    }

    @Test
    void newerSchemaIsRefused() throws Exception {
        open(FileBlobStore.INLINE_MAX).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version=99");
        }
        StoreException e = assertThrows(StoreException.class, () -> open(FileBlobStore.INLINE_MAX));
        assertTrue(e.getMessage().contains("newer Tegami (schema 99"), e.getMessage());
    }

    @Test
    void injectedUidValidityAndStrictlyIncreasingDefault() {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        Account a = user(s, "a@example.test");
        assertEquals(List.of(1001L), s.mail().mailboxes(a.id()).stream().map(Mailbox::uidValidity).distinct().toList());
        s.close();
        opened.clear();
        // A fixed clock would give every account the same UIDVALIDITY; the default source must not.
        try (EmbeddedStore d = EmbeddedStore.open(dir, InstantSource.fixed(NOW))) {
            Account b = user(d, "b@example.test");
            Account c = user(d, "c@example.test");
            long ub = d.mail().mailbox(b.id(), "INBOX").orElseThrow().uidValidity();
            long uc = d.mail().mailbox(c.id(), "INBOX").orElseThrow().uidValidity();
            assertEquals(NOW.getEpochSecond(), ub);
            assertEquals(ub + 1, uc);
        }
    }

    @Test
    void oneFailingWriteInABatchDoesNotSpoilTheOthers() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        Db db = s.db();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread blocker = Thread.ofVirtual().start(() -> db.write(tx -> {
            inside.countDown();
            try {
                release.await(); // holds the writer so the next three writes queue up into one batch
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return null;
        }));
        inside.await();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> writers = List.of(
                Thread.ofVirtual().start(() -> s.accounts().addDomain("a.test")),
                Thread.ofVirtual().start(() -> {
                    try {
                        db.write(tx -> {
                            Jdbc.update(tx, "INSERT INTO domains(name) VALUES ('c.test')");
                            throw new IllegalStateException("boom");
                        });
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }),
                Thread.ofVirtual().start(() -> s.accounts().addDomain("b.test")));
        while (db.queuedWrites() < 3) Thread.sleep(1);
        long before = db.commits();
        release.countDown();
        blocker.join();
        for (Thread t : writers) t.join();
        assertEquals(before + 2, db.commits(), "the held write, then the three queued ones in one commit");
        assertEquals(IllegalStateException.class, failure.get().getClass());
        assertEquals("boom", failure.get().getMessage());
        assertEquals(List.of("a.test", "b.test"), s.accounts().domains(), "the failed write's insert rolled back");
    }

    @Test
    void concurrentDeliveriesShareCommits() throws Exception {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        Account a = user(s, "busy@example.test");
        long before = s.db().commits();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 20; t++) {
            int thread = t;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 10; i++) {
                    byte[] m = ("Subject: " + thread + "/" + i + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                    try (BlobStore.BlobWriter w = s.blobs().create()) { // delivered before close(), as SMTP does
                        w.stream().write(m);
                        s.mail().deliver(new DeliveryRequest(w.commit(), m.length, NOW, Set.of(a.id()), Optional.empty()));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        Mailbox inbox = s.mail().mailbox(a.id(), "INBOX").orElseThrow();
        assertEquals(201, inbox.uidNext());
        long commits = s.db().commits() - before;
        assertTrue(commits < 200, "200 deliveries (one write each) from 20 threads took " + commits + " commits");
    }

    @Test
    void walStartsOverWhileReadersNeverStop() throws Exception {
        // readers always on some snapshot kept SQLite from ever starting the WAL over: it grew with every commit
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        Account a = user(s, "steady@example.test");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) { // platform threads: virtual ones in a tight loop would starve the writers
            readers.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) s.mail().mailbox(a.id(), "INBOX").orElseThrow();
            }));
        }
        Path wal = dir.resolve("meta.db-wal");
        byte[] body = new byte[64 * 1024];
        java.util.Arrays.fill(body, (byte) 'x');
        long peak = 0;
        List<Thread> writers = new ArrayList<>();
        AtomicLong bytes = new AtomicLong();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            writers.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 400; i++) {
                    byte[] m = ("Subject: " + thread + "/" + i + "\r\n\r\n" + new String(body, StandardCharsets.US_ASCII))
                            .getBytes(StandardCharsets.US_ASCII);
                    try (BlobStore.BlobWriter w = s.blobs().create()) {
                        w.stream().write(m);
                        s.mail().deliver(new DeliveryRequest(w.commit(), m.length, NOW, Set.of(a.id()), Optional.empty()));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    bytes.addAndGet(m.length);
                }
            }));
        }
        while (writers.stream().anyMatch(Thread::isAlive)) {
            if (Files.exists(wal)) peak = Math.max(peak, Files.size(wal));
            Thread.sleep(20);
        }
        stop.set(true);
        for (Thread t : readers) t.join();
        long written = bytes.get();
        assertTrue(written > 200L << 20, "wrote " + written);
        assertTrue(peak < 100L << 20, "the WAL reached " + (peak >> 20) + " MiB while " + (written >> 20) + " MiB were committed");
    }

    @Test
    void closedStoreRefusesReadsAndWrites() {
        EmbeddedStore s = open(FileBlobStore.INLINE_MAX);
        s.close();
        s.close(); // twice is harmless
        assertEquals("store is closed", assertThrows(StoreException.class, () -> s.accounts().addDomain("x.test")).getMessage());
        assertEquals("store is closed", assertThrows(StoreException.class, () -> s.accounts().domains()).getMessage());
    }
}
