package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.LoginThrottle;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.pop3.server.MaildropLocks;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.testkit.TestPostgres;

/**
 * Two nodes on one PostgreSQL database keep one set of protections over the wire (ADR 0024): failed logins on node A
 * slow and refuse logins on node B, a user's submissions on both count against one hourly limit, and a POP3
 * maildrop open on one node is refused on the other until its session ends or its lease runs out. One pair of nodes
 * for all three (starting nodes is most of the time): the login throttle goes last, as it ends refusing 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoNodesCoordinationTest {
    private static final Duration LEASE = Duration.ofMillis(900);
    /**
     * While set, the nodes' time, moved only by the test: a lease then runs out when the test moves the clock, never
     * because a loaded machine delayed a renewal or a TLS login past a short real-time lease. Otherwise the system's.
     */
    private final AtomicReference<Instant> frozen = new AtomicReference<>();
    private final InstantSource clock = () -> {
        Instant f = frozen.get();
        return f != null ? f : Instant.now();
    };
    private TestPostgres.Database db;
    private TegamiServer nodeA;
    private TegamiServer nodeB;
    private Account alice;

    @BeforeAll
    void nodes(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        db = TestPostgres.get().newDatabase();
        String shared = "[inbound]\nverify = false\n[limits]\nmessages_per_hour = 2\n[store]\nkind = \"postgresql\"\nurl = \""
                + db.url() + "\"\nuser = \"" + db.user() + "\"\npassword = \"" + db.password() + "\"\n";
        Set<String> services = Set.of("submissions", "pop3s");
        Path a = TestConfigs.write(Files.createDirectory(dir.resolve("a")), services, shared);
        Path b = TestConfigs.write(Files.createDirectory(dir.resolve("b")), services, shared);
        TegamiServer.pop3LeaseTtl = LEASE;
        try {
            nodeA = TegamiServer.start(ConfigLoader.load(a), clock);
            nodeB = TegamiServer.start(ConfigLoader.load(b), clock);
        } finally {
            TegamiServer.pop3LeaseTtl = MaildropLocks.TTL;
        }
        nodeA.store().accounts().addDomain("example.test");
        alice = nodeA.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                new PasswordHasher().hash("alice-password".toCharArray()));
    }

    @AfterAll
    void stop() {
        if (nodeB != null) nodeB.close();
        if (nodeA != null) nodeA.close();
    }

    /** USER/PASS on a node's POP3S port; returns the reply to PASS, the connection left open when logged in. */
    private static Wire pop3(TegamiServer node, String user, String password, String expected) throws Exception {
        Wire w = Wire.tls(node.port("pop3s"));
        assertEquals("+OK Tegami POP3 server ready", w.line());
        w.send("USER " + user);
        assertEquals("+OK Send PASS", w.line());
        w.send("PASS " + password);
        assertEquals(expected, w.line(), user + " on port " + node.port("pop3s"));
        return w;
    }

    private static long millisOf(Runnable r) {
        long t = System.nanoTime();
        r.run();
        return (System.nanoTime() - t) / 1_000_000;
    }

    private static void failedLogin(TegamiServer node, String user) {
        try (Wire w = pop3(node, user, "wrong", "-ERR [AUTH] Authentication failed")) {
            w.send("QUIT");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @Order(3)
    void failedLoginsOnOneNodeSlowAndRefuseOnTheOther() throws Exception {
        long first = millisOf(() -> failedLogin(nodeA, "guess1@example.test"));
        long second = millisOf(() -> failedLogin(nodeA, "guess2@example.test"));
        long third = millisOf(() -> failedLogin(nodeB, "guess3@example.test"));
        long fourth = millisOf(() -> failedLogin(nodeA, "guess4@example.test"));
        System.out.println("TwoNodesCoordinationTest: failed logins answered after " + first + ", " + second + ", "
                + third + " (node B), " + fourth + " ms");
        // The delays are 0, 0, 1 and 2 s by the address's failures across the cluster: on its own, node B's first
        // failure would be answered at once.
        assertTrue(third >= 1_000, "node B's first failure is the address's third: answered after 1 s, took " + third);
        assertTrue(fourth >= 2_000 && fourth > third, "the fourth, back on node A: 2 s, took " + fourth);
        // six more from a third node of the cluster (its throttle on the same database; no 8 s waits in a test)
        LoginThrottle third3 = LoginThrottle.shared(nodeA.store().coordination(), InstantSource.system());
        for (int i = 5; i <= 9; i++) third3.recordFailure(InetAddress.getByName("127.0.0.1"), "guess" + i + "@example.test");
        try (Wire w = Wire.tls(nodeB.port("pop3s"))) {
            assertEquals("+OK Tegami POP3 server ready", w.line());
            w.send("USER alice@example.test");
            assertEquals("+OK Send PASS", w.line());
            w.send("PASS alice-password");
            assertTrue(w.line().startsWith("+OK Logged in, "));
            w.send("QUIT");
            assertTrue(w.line().startsWith("+OK "), "nine failures: the right password still gets in");
        }
        third3.recordFailure(InetAddress.getByName("127.0.0.1"), "guess10@example.test");
        for (TegamiServer node : new TegamiServer[] {nodeB, nodeA}) {
            try (Wire w = pop3(node, "alice@example.test", "alice-password",
                    "-ERR [SYS/TEMP] Too many failed logins, try again later")) {
                w.send("QUIT");
            }
        }
    }

    /** What the shared path costs per call on PostgreSQL (printed for ADR 0024; bounded loosely so it can fail). */
    @Test
    @Order(4)
    void sharedCallsCostAFewMilliseconds() {
        var c = nodeB.store().coordination();
        int n = 100;
        Instant t = Instant.now();
        long[] nanos = new long[5];
        for (int i = 0; i < n; i++) {
            long s0 = System.nanoTime();
            c.record("measure:" + (i % 20), t.plusMillis(i), 10);
            long s1 = System.nanoTime();
            c.recent("measure:" + (i % 20), t.minusSeconds(900), 10);
            long s2 = System.nanoTime();
            c.book("measure-book:" + (i % 20), t, Duration.ofHours(1), 100);
            long s3 = System.nanoTime();
            boolean got = c.tryAcquire("measure-lease:" + i, "me", t, t.plusSeconds(60));
            long s4 = System.nanoTime();
            c.release("measure-lease:" + i, "me");
            long s5 = System.nanoTime();
            assertTrue(got);
            nanos[0] += s1 - s0;
            nanos[1] += s2 - s1;
            nanos[2] += s3 - s2;
            nanos[3] += s4 - s3;
            nanos[4] += s5 - s4;
        }
        String[] names = {"record", "recent", "book", "tryAcquire", "release"};
        StringBuilder sb = new StringBuilder("TwoNodesCoordinationTest: mean per call on PostgreSQL:");
        for (int i = 0; i < names.length; i++) {
            sb.append(' ').append(names[i]).append(' ').append(String.format("%.2f", nanos[i] / 1e6 / n)).append(" ms");
            assertTrue(nanos[i] / n < 100_000_000L, names[i] + " takes over 100 ms");
        }
        System.out.println(sb);
    }

    private static String submit(TegamiServer node, int n) throws Exception {
        try (Wire w = Wire.tls(node.port("submissions"))) {
            assertEquals("220 mail.example.test ESMTP Tegami", w.line());
            w.send("EHLO client.test");
            assertTrue(w.reply().startsWith("250 "));
            w.send("AUTH PLAIN " + Base64.getEncoder().encodeToString(
                    "\0alice@example.test\0alice-password".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("235 2.7.0 Authentication successful", w.reply());
            w.send("MAIL FROM:<alice@example.test>");
            String mail = w.reply();
            if (!mail.equals("250 2.1.0 Sender OK")) return mail;
            w.send("RCPT TO:<alice@example.test>");
            assertEquals("250 2.1.5 Recipient OK", w.reply());
            w.send("DATA");
            assertTrue(w.reply().startsWith("354 "));
            w.write(("From: <alice@example.test>\r\nSubject: " + n + "\r\n\r\nbody\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
            String ok = w.reply();
            assertTrue(ok.startsWith("250 2.0.0 "), ok);
            w.send("QUIT");
            return ok;
        }
    }

    @Test
    @Order(2)
    void submissionsOnBothNodesShareTheHourlyLimit() throws Exception {
        assertTrue(submit(nodeA, 1).startsWith("250 2.0.0 "));
        assertTrue(submit(nodeB, 2).startsWith("250 2.0.0 "));
        assertEquals("450 4.7.1 Sending limit of 2 messages per hour reached, try again later", submit(nodeA, 3));
        assertEquals("450 4.7.1 Sending limit of 2 messages per hour reached, try again later", submit(nodeB, 4));
    }

    @Test
    @Order(1)
    void aMaildropOpenOnOneNodeIsRefusedOnTheOtherUntilItsSessionEndsOrItsLeaseRunsOut() throws Exception {
        String in = "+OK Logged in, 0 messages (0 octets)";
        String locked = "-ERR [IN-USE] Maildrop already locked by another POP3 session";
        // whole milliseconds, as the store keeps a lease's end
        frozen.set(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        try {
            try (Wire a = pop3(nodeA, "alice@example.test", "alice-password", in)) {
                pop3(nodeB, "alice@example.test", "alice-password", locked).close();
                // long past the first lease's end: only node A's renewal (every third of the lease) keeps it held
                Instant later = frozen.get().plusSeconds(10);
                frozen.set(later);
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && leaseUntil().isBefore(later.plus(LEASE))) Thread.sleep(20);
                assertFalse(leaseUntil().isBefore(later.plus(LEASE)), "node A renewed from the moved clock: " + leaseUntil());
                pop3(nodeB, "alice@example.test", "alice-password", locked).close();
                a.send("QUIT");
                assertEquals("+OK mail.example.test POP3 server signing off (0 messages left)", a.line());
            }
            try (Wire b = pop3(nodeB, "alice@example.test", "alice-password", in)) {
                b.send("QUIT");
                assertTrue(b.line().startsWith("+OK "));
            }
            // A node killed while its session held the maildrop leaves its lease behind: refused until it runs out.
            Instant now = frozen.get();
            assertTrue(nodeA.store().coordination().tryAcquire(MaildropLocks.lease(alice.id()), "killed-node/1", now, now.plus(LEASE)));
            pop3(nodeB, "alice@example.test", "alice-password", locked).close();
            frozen.set(now.plus(LEASE).minusMillis(1));
            pop3(nodeB, "alice@example.test", "alice-password", locked).close();
            frozen.set(now.plus(LEASE).plusMillis(1));
            try (Wire b = pop3(nodeB, "alice@example.test", "alice-password", in)) {
                b.send("QUIT");
                assertTrue(b.line().startsWith("+OK "));
            }
        } finally {
            frozen.set(null);
        }
    }

    /** When alice's maildrop lease ends, as the shared database holds it ({@link Instant#MIN}: no lease). */
    private Instant leaseUntil() throws Exception {
        try (var c = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password());
             var q = c.prepareStatement("SELECT until FROM coord_lease WHERE name = ?")) {
            q.setString(1, MaildropLocks.lease(alice.id()));
            try (var r = q.executeQuery()) {
                return r.next() ? Instant.ofEpochMilli(r.getLong(1)) : Instant.MIN;
            }
        }
    }
}
