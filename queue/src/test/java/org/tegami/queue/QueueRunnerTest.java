package org.tegami.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.QueueEntry;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.testkit.TestDnsServer;

/** Retry behaviour against a scripted peer: 4xx is retried later, then 2xx completes; data is dot-stuffed. */
class QueueRunnerTest {
    @TempDir
    Path dir;

    /**
     * A peer that answers 451 to RCPT on the first session and accepts on later ones; records the data. Later
     * sessions are greeted only once {@link #retryGreeted} opens, so the test sees the state between the attempts.
     */
    private static final class FlakyPeer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        final AtomicInteger sessions = new AtomicInteger();
        final List<String> data = new CopyOnWriteArrayList<>();
        final java.util.concurrent.CountDownLatch retryGreeted = new java.util.concurrent.CountDownLatch(1);

        FlakyPeer() throws Exception {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        int n = sessions.incrementAndGet();
                        if (n > 1) retryGreeted.await(60, java.util.concurrent.TimeUnit.SECONDS);
                        var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                        OutputStream out = s.getOutputStream();
                        out.write("220 peer ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                        for (String line; (line = in.readLine()) != null; ) {
                            String reply = switch (line.length() >= 4 ? line.substring(0, 4) : line) {
                                case "EHLO" -> "250-peer\r\n250 SIZE 1000000\r\n";
                                case "MAIL" -> "250 2.1.0 ok\r\n";
                                case "RCPT" -> n == 1 ? "451 4.3.0 try again later\r\n" : "250 2.1.5 ok\r\n";
                                case "DATA" -> {
                                    StringBuilder sb = new StringBuilder();
                                    out.write("354 go\r\n".getBytes(StandardCharsets.US_ASCII));
                                    for (String l; (l = in.readLine()) != null && !l.equals("."); ) sb.append(l).append('\n');
                                    data.add(sb.toString());
                                    yield "250 2.0.0 queued\r\n";
                                }
                                case "QUIT" -> "221 bye\r\n";
                                default -> "500 what\r\n";
                            };
                            out.write(reply.getBytes(StandardCharsets.US_ASCII));
                            if (line.startsWith("QUIT")) break;
                        }
                    } catch (Exception e) {
                        // next session
                    }
                }
            });
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    @Test
    void temporaryFailureIsRetriedThenDelivered() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("remote.test. 300 IN MX 10 mx.remote.test.")
                .add("mx.remote.test. 300 IN A 127.0.0.1");
             FlakyPeer peer = new FlakyPeer();
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            byte[] msg = "Return-Path: <a@local.test>\r\nSubject: retry\r\n\r\n.dot\r\n".getBytes(StandardCharsets.US_ASCII);
            long skip = "Return-Path: <a@local.test>\r\n".length();
            try (BlobStore.BlobWriter w = store.blobs().create()) {
                w.stream().write(msg);
                var blob = w.commit();
                store.mail().deliver(new DeliveryRequest(blob, msg.length, Instant.now(), Set.of(),
                        Optional.of(new DeliveryRequest.Outbound("a@local.test", List.of("b@remote.test"), skip))));
            }
            var settings = new QueueRunner.Settings(peer.server.getLocalPort(), Duration.ofMillis(300), Duration.ofSeconds(1),
                    Duration.ofDays(5), 4, Duration.ofMillis(50), null, java.util.Map.of(), null);
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings).start()) {
                // the retry (300 ms later) waits at the peer's greeting until the first attempt's record is read here
                long deadline = System.nanoTime() + 30_000_000_000L;
                QueueEntry retrying = null;
                while (System.nanoTime() < deadline && retrying == null) {
                    List<QueueEntry> q = store.queue().list();
                    if (!q.isEmpty() && q.getFirst().attempts() == 1) retrying = q.getFirst();
                    else Thread.sleep(20);
                }
                peer.retryGreeted.countDown();
                assertTrue(retrying != null, "the first attempt was recorded as temporary: " + store.queue().list());
                assertEquals("mx.remote.test: 451 4.3.0 try again later", retrying.lastError());
                deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && peer.data.isEmpty()) Thread.sleep(20);
                assertEquals(List.of("Subject: retry\n\n..dot\n"), peer.data, "sent once, without Return-Path, dot-stuffed");
                deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && !store.queue().list().isEmpty()) Thread.sleep(20);
                assertEquals(List.of(), store.queue().list());
                assertEquals(2, peer.sessions.get());
            }
        }
    }

    /** A peer that accepts everything and counts each message by its Subject. */
    private static final class CountingPeer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final java.util.Map<String, Integer> arrivals = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.Map<String, String> texts = new java.util.concurrent.ConcurrentHashMap<>();
        /** How long the peer takes to answer the end of the data (a slow receiver). */
        volatile long dataDelayMillis;
        /** When set, the peer answers the end of the data only once this opens (a receiver as slow as the test wants). */
        volatile java.util.concurrent.CountDownLatch dataHeld;

        CountingPeer() throws Exception {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> session(s));
                    } catch (Exception e) {
                        // closed
                    }
                }
            });
        }

        private void session(Socket s) {
            try (s) {
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                out.write("220 peer ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                for (String line; (line = in.readLine()) != null; ) {
                    String reply = switch (line.length() >= 4 ? line.substring(0, 4) : line) {
                        case "EHLO" -> "250-peer\r\n250 PIPELINING\r\n";
                        case "MAIL", "RCPT", "RSET", "NOOP" -> "250 ok\r\n";
                        case "DATA" -> {
                            out.write("354 go\r\n".getBytes(StandardCharsets.US_ASCII));
                            String subject = "?";
                            StringBuilder text = new StringBuilder();
                            for (String l; (l = in.readLine()) != null && !l.equals("."); ) {
                                if (l.startsWith("Subject: ")) subject = l.substring(9);
                                text.append(l).append('\n');
                            }
                            arrivals.merge(subject, 1, Integer::sum);
                            texts.put(subject, text.toString());
                            if (dataDelayMillis > 0) Thread.sleep(dataDelayMillis);
                            var held = dataHeld;
                            if (held != null) held.await(60, java.util.concurrent.TimeUnit.SECONDS);
                            yield "250 2.0.0 queued\r\n";
                        }
                        case "QUIT" -> "221 bye\r\n";
                        default -> "500 what\r\n";
                    };
                    out.write(reply.getBytes(StandardCharsets.US_ASCII));
                    if (line.startsWith("QUIT")) break;
                }
            } catch (Exception e) {
                // session over
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    /**
     * Issue 12: the list of due entries could be stale, so an entry delivered just after it was read was started
     * again. Rounds of 60 messages for one remote domain, each must arrive exactly once.
     */
    @Test
    void eachQueuedMessageIsDeliveredExactlyOnce() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("remote.test. 300 IN MX 10 mx.remote.test.")
                .add("mx.remote.test. 300 IN A 127.0.0.1");
             CountingPeer peer = new CountingPeer();
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            var settings = new QueueRunner.Settings(peer.server.getLocalPort(), Duration.ofMinutes(1), Duration.ofHours(1),
                    Duration.ofDays(5), 4, Duration.ofMillis(20), null, java.util.Map.of(), null);
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings)) {
                // A slow scan: entries read as due may finish delivery before the scan's list is walked.
                runner.afterScan = () -> {
                    try {
                        Thread.sleep(30);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
                runner.start();
                for (int round = 0; round < 3; round++) {
                    int n = 60;
                    for (int i = 0; i < n; i++) {
                        byte[] msg = ("From: <a@local.test>\r\nSubject: r" + round + "-" + i + "\r\n\r\nhi\r\n")
                                .getBytes(StandardCharsets.US_ASCII);
                        try (BlobStore.BlobWriter w = store.blobs().create()) {
                            w.stream().write(msg);
                            store.mail().deliver(new DeliveryRequest(w.commit(), msg.length, Instant.now(), Set.of(),
                                    Optional.of(new DeliveryRequest.Outbound("a@local.test", List.of("b@remote.test"), 0))));
                        }
                    }
                    long deadline = System.nanoTime() + 20_000_000_000L;
                    while (System.nanoTime() < deadline && !store.queue().list().isEmpty()) Thread.sleep(20);
                    assertEquals(List.of(), store.queue().list(), "round " + round + " delivered");
                    Thread.sleep(300); // a duplicate started late still arrives
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, peer.arrivals.getOrDefault("r" + round + "-" + i, 0),
                                "round " + round + " message " + i + " arrived once; all: " + new java.util.TreeMap<>(peer.arrivals));
                    }
                }
            }
        }
    }

    private static void enqueue(EmbeddedStore store, String text, DeliveryRequest.Outbound out) throws Exception {
        byte[] msg = text.getBytes(StandardCharsets.US_ASCII);
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(msg);
            store.mail().deliver(new DeliveryRequest(w.commit(), msg.length, Instant.now(), Set.of(), Optional.of(out)));
        }
    }

    /** Issue 12: the DKIM domain is the one checked at submission, never the From: the message carries. */
    @Test
    void signsOnlyForTheDomainCheckedAtSubmission() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("remote.test. 300 IN MX 10 mx.remote.test.")
                .add("mx.remote.test. 300 IN A 127.0.0.1");
             CountingPeer peer = new CountingPeer();
             EmbeddedStore store = EmbeddedStore.open(dir.resolve("store"), InstantSource.system())) {
            store.accounts().addDomain("a.test");
            store.accounts().addDomain("other.test");
            var keys = new org.tegami.mailauth.dkim.DkimKeys(dir.resolve("dkim"));
            keys.generate("a.test");
            keys.generate("other.test");
            var rcpt = List.of("b@remote.test");
            enqueue(store, "From: <ceo@other.test>\r\nSubject: forged\r\n\r\nx\r\n",
                    new DeliveryRequest.Outbound("alice@a.test", rcpt, 0, Optional.empty(), "a.test"));
            enqueue(store, "From: <ceo@other.test>\r\nSubject: unchecked\r\n\r\nx\r\n",
                    new DeliveryRequest.Outbound("ceo@other.test", rcpt, 0));
            enqueue(store, "From: <alice@a.test>\r\nSubject: checked\r\n\r\nx\r\n",
                    new DeliveryRequest.Outbound("alice@a.test", rcpt, 0, Optional.empty(), "a.test"));
            var settings = new QueueRunner.Settings(peer.server.getLocalPort(), Duration.ofMinutes(1), Duration.ofHours(1),
                    Duration.ofDays(5), 4, Duration.ofMillis(20), null, java.util.Map.of(), null);
            try (QueueRunner runner = new QueueRunner(store, keys, "mail.a.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings).start()) {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && peer.texts.size() < 3) Thread.sleep(20);
            }
            assertTrue(peer.texts.get("checked").contains("; d=a.test; "), peer.texts.get("checked"));
            assertTrue(peer.texts.get("forged").contains("; d=a.test; ") && !peer.texts.get("forged").contains("d=other.test"),
                    "never other.test's key: " + peer.texts.get("forged"));
            assertTrue(!peer.texts.get("unchecked").contains("DKIM-Signature"), "nothing checked, nothing signed");
        }
    }

    /** Issue 12: mail sent as an alias bounces to the user who sent it, not to the alias's first member. */
    @Test
    void aBounceGoesToTheSubmitterNotTheAliasesFirstMember() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("nomail.test. 300 IN MX 0 .");
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            store.accounts().addDomain("local.test");
            var carol = store.accounts().addUser(org.tegami.mime.EmailAddress.parse("carol@local.test").orElseThrow(), "x");
            var alice = store.accounts().addUser(org.tegami.mime.EmailAddress.parse("alice@local.test").orElseThrow(), "x");
            store.accounts().putAlias("team@local.test", List.of("carol@local.test", "alice@local.test"));
            enqueue(store, "From: <team@local.test>\r\nSubject: from the team\r\n\r\nx\r\n",
                    new DeliveryRequest.Outbound("team@local.test", List.of("x@nomail.test"), 0, Optional.of(alice.id()), "local.test"));
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), QueueRunner.DEFAULTS.withMaxAge(Duration.ofDays(5))).start()) {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && !store.queue().list().isEmpty()) Thread.sleep(20);
            }
            var aliceInbox = store.mail().mailbox(alice.id(), "INBOX").orElseThrow();
            var carolInbox = store.mail().mailbox(carol.id(), "INBOX").orElseThrow();
            assertEquals(1, store.mail().messages(aliceInbox.id()).size(), "alice sent it: she gets the bounce");
            assertEquals(0, store.mail().messages(carolInbox.id()).size(), "carol did not, and must not read it");
        }
    }

    /**
     * Two nodes with one hostname on one store: a node that starts ends only the leases held under its own name, not
     * another live node's (which would then be delivered twice); restarting under the first node's name ends them.
     */
    @Test
    void aStartingNodeEndsOnlyItsOwnLeases() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("remote.test. 300 IN MX 10 mx.remote.test.")
                .add("mx.remote.test. 300 IN A 127.0.0.1");
             CountingPeer peer = new CountingPeer();
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            byte[] msg = "From: <a@local.test>\r\nSubject: held\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);
            try (BlobStore.BlobWriter w = store.blobs().create()) {
                w.stream().write(msg);
                store.mail().deliver(new DeliveryRequest(w.commit(), msg.length, Instant.now(), Set.of(),
                        Optional.of(new DeliveryRequest.Outbound("a@local.test", List.of("b@remote.test"), 0))));
            }
            Instant now = Instant.now();
            assertEquals(1, store.queue().claim(now, 10, now.plus(Duration.ofHours(1)), "mail.local.test/node-1").size(),
                    "node 1 holds the entry, delivering it");
            var settings = new QueueRunner.Settings(peer.server.getLocalPort(), Duration.ofMinutes(1), Duration.ofHours(1),
                    Duration.ofDays(5), 4, Duration.ofMillis(20), null, java.util.Map.of(), null);
            try (QueueRunner other = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings).owner("mail.local.test/node-2").start()) {
                Thread.sleep(500);
                assertEquals(java.util.Map.of(), peer.arrivals, "node 2 left node 1's entry alone");
                assertEquals(1, store.queue().list().size());
            }
            try (QueueRunner restarted = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings).owner("mail.local.test/node-1").start()) {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && !store.queue().list().isEmpty()) Thread.sleep(20);
                assertEquals(java.util.Map.of("held", 1), peer.arrivals, "node 1, started again, ended its lease and delivered");
            }
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new QueueRunner(store, null,
                    "h", null, InstantSource.system(), settings).owner(" "));
        }
    }

    /**
     * An attempt longer than the lease (a slow receiver) is never handed to another node while its owner lives: the
     * owner renews its lease, so the other node, polling all the while, does not deliver it a second time.
     *
     * <p>The nodes' clock is the test's, moved in steps shorter than the lease, each once the owner has renewed from
     * it: over four steps the attempt outlasts three leases, and whether a lease runs out depends on the renewals
     * alone, never on how late a loaded machine runs the owner's renewal thread.
     */
    @Test
    void aLiveOwnerRenewsItsLeaseThroughALongAttempt() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("remote.test. 300 IN MX 10 mx.remote.test.")
                .add("mx.remote.test. 300 IN A 127.0.0.1");
             CountingPeer peer = new CountingPeer();
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            var release = new java.util.concurrent.CountDownLatch(1);
            peer.dataHeld = release;
            var settings = new QueueRunner.Settings(peer.server.getLocalPort(), Duration.ofMinutes(1), Duration.ofHours(1),
                    Duration.ofDays(5), 4, Duration.ofMillis(20), null, java.util.Map.of(), null);
            Duration lease = Duration.ofMillis(800);
            // ahead of the store's clock, so the entry queued below is due at once; whole milliseconds, as the store
            // keeps a lease's end
            java.util.concurrent.atomic.AtomicReference<Instant> now = new java.util.concurrent.atomic.AtomicReference<>(
                    Instant.now().plusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
            InstantSource clock = now::get;
            try (QueueRunner a = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    clock, settings).owner("node-a").lease(lease).start()) {
                byte[] msg = "From: <a@local.test>\r\nSubject: slow\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);
                try (BlobStore.BlobWriter w = store.blobs().create()) {
                    w.stream().write(msg);
                    store.mail().deliver(new DeliveryRequest(w.commit(), msg.length, Instant.now(), Set.of(),
                            Optional.of(new DeliveryRequest.Outbound("a@local.test", List.of("b@remote.test"), 0))));
                }
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && peer.arrivals.isEmpty()) Thread.sleep(10);
                assertEquals(java.util.Map.of("slow", 1), peer.arrivals, "node A started the attempt");
                try (QueueRunner b = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                        clock, settings).owner("node-b").lease(lease).start()) {
                    for (int step = 0; step < 4; step++) {
                        Instant t = now.get().plus(lease.multipliedBy(3).dividedBy(4)); // within the lease A holds
                        now.set(t);
                        deadline = System.nanoTime() + 30_000_000_000L;
                        while (System.nanoTime() < deadline && claimedUntil().isBefore(t.plus(lease))) Thread.sleep(10);
                        assertFalse(claimedUntil().isBefore(t.plus(lease)), "step " + step + ": node A renewed from " + t);
                    }
                    release.countDown();
                    deadline = System.nanoTime() + 30_000_000_000L;
                    while (System.nanoTime() < deadline && !store.queue().list().isEmpty()) Thread.sleep(20);
                    assertEquals(List.of(), store.queue().list(), "node A's attempt ended with 250");
                    assertEquals(java.util.Map.of("slow", 1), peer.arrivals,
                            "an attempt over three leases long: node B, polling all the while, never took the entry over");
                } finally {
                    release.countDown();
                }
            }
        }
    }

    /** The lease end of the one queue entry, as the store's database holds it ({@link Instant#MIN}: none). */
    private Instant claimedUntil() throws Exception {
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("meta.db"));
             var q = c.createStatement();
             var r = q.executeQuery("SELECT claimed_until FROM queue")) {
            return r.next() ? Instant.ofEpochMilli(r.getLong(1)) : Instant.MIN;
        }
    }

    @Test
    void leaseIsFiveMinutesUnlessThePropertySetsIt() {
        assertEquals(java.time.Duration.ofMinutes(5), QueueRunner.parseLease(null));
        assertEquals(java.time.Duration.ofMinutes(5), QueueRunner.parseLease(" "));
        assertEquals(java.time.Duration.ofSeconds(3), QueueRunner.parseLease("PT3S"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> QueueRunner.parseLease("PT0S"));
        org.junit.jupiter.api.Assertions.assertThrows(java.time.format.DateTimeParseException.class, () -> QueueRunner.parseLease("3s"));
    }

    @Test
    void backoffGrowsAndIsCapped() {
        var r = new QueueRunner(null, null, "h", null, InstantSource.system(), QueueRunner.DEFAULTS);
        long first = r.backoff(1).toSeconds();
        long third = r.backoff(3).toSeconds();
        long late = r.backoff(30).toSeconds();
        assertTrue(first >= 48 && first <= 72, "about a minute: " + first);
        assertTrue(third >= 192 && third <= 288, "about four minutes: " + third);
        assertTrue(late >= 2880 && late <= 4320, "capped near an hour: " + late);
    }

    @Test
    void senderHearsOnceThatDeliveryIsDelayed() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("remote.test. 300 IN MX 10 mx.remote.test.")
                .add("mx.remote.test. 300 IN A 127.0.0.1");
             ServerSocket refusing = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            Thread.ofVirtual().start(() -> { // a peer that is always busy: 421 at the greeting
                while (!refusing.isClosed()) {
                    try (Socket s = refusing.accept()) {
                        s.getOutputStream().write("421 4.3.2 busy, come back later\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (Exception e) {
                        // next
                    }
                }
            });
            store.accounts().addDomain("local.test");
            var a = store.accounts().addUser(org.tegami.mime.EmailAddress.parse("a@local.test").orElseThrow(), "x");
            byte[] msg = "Subject: slow\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
            try (BlobStore.BlobWriter w = store.blobs().create()) {
                w.stream().write(msg);
                store.mail().deliver(new DeliveryRequest(w.commit(), msg.length, Instant.now(), Set.of(),
                        Optional.of(new DeliveryRequest.Outbound("a@local.test", List.of("b@remote.test"), 0))));
            }
            InstantSource fiveHoursLater = () -> Instant.now().plus(Duration.ofHours(5));
            var settings = new QueueRunner.Settings(refusing.getLocalPort(), Duration.ofMillis(200), Duration.ofMillis(300),
                    Duration.ofDays(5), 4, Duration.ofMillis(50), null, java.util.Map.of(), null);
            var inbox = store.mail().mailbox(a.id(), "INBOX").orElseThrow();
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    fiveHoursLater, settings).start()) {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline
                        && (store.queue().list().isEmpty() || store.queue().list().getFirst().attempts() < 3)) {
                    Thread.sleep(20);
                }
            }
            QueueEntry e = store.queue().list().getFirst();
            assertTrue(e.attempts() >= 3 && e.delayNotified(), e.toString());
            assertEquals("mx.remote.test: 421 4.3.2 busy, come back later", e.lastError());
            var notices = store.mail().messages(inbox.id());
            assertEquals(1, notices.size(), "one notice, not one per attempt");
            String dsn;
            try (var in = store.blobs().open(notices.getFirst().blob())) {
                dsn = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(dsn.contains("Subject: Delayed Mail (still being retried)"), dsn);
            assertTrue(dsn.contains("Final-Recipient: rfc822; b@remote.test\r\nAction: delayed\r\nStatus: 4.3.2\r\n"), dsn);
            assertTrue(dsn.contains("Will-Retry-Until: "), dsn);
        }
    }
}
