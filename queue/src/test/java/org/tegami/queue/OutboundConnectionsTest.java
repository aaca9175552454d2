package org.tegami.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.testkit.TestDnsServer;

/**
 * Connection reuse (several transactions per session, RSET between them, RFC 5321 §4.1.1.5), the per-connection
 * message cap, the idle timeout, and politeness per MX host (421 and connection failures rest the host, a
 * connection cap per host) against real SMTP peers on loopback.
 */
class OutboundConnectionsTest {
    @TempDir
    Path dir;

    /**
     * A peer on {@code ip}: records every session's command lines; {@code greeting} decides the banner per session
     * number; DATA waits {@code dataDelay}; {@code dropAfterMessages} closes a session after that many messages.
     */
    private static final class Peer implements AutoCloseable {
        final ServerSocket server;
        final List<List<String>> sessions = new CopyOnWriteArrayList<>();
        final Map<String, Integer> arrivals = new ConcurrentHashMap<>();
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger maxOpen = new AtomicInteger();
        volatile Function<Integer, String> greeting = n -> "220 peer ESMTP\r\n";
        volatile Duration dataDelay = Duration.ZERO;
        volatile int dropAfterMessages = Integer.MAX_VALUE;

        Peer(String ip, int port) throws Exception {
            server = new ServerSocket(port, 50, InetAddress.getByName(ip));
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

        int port() {
            return server.getLocalPort();
        }

        private void session(Socket s) {
            List<String> log = new CopyOnWriteArrayList<>();
            sessions.add(log);
            maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            int messages = 0;
            try (s) {
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                String banner = greeting.apply(sessions.size());
                out.write(banner.getBytes(StandardCharsets.US_ASCII));
                if (banner.startsWith("421")) return;
                for (String line; (line = in.readLine()) != null; ) {
                    log.add(line);
                    String reply = switch (line.length() >= 4 ? line.substring(0, 4) : line) {
                        case "EHLO" -> "250-peer\r\n250 PIPELINING\r\n";
                        case "MAIL", "RCPT", "RSET" -> "250 ok\r\n";
                        case "DATA" -> {
                            out.write("354 go\r\n".getBytes(StandardCharsets.US_ASCII));
                            String subject = "?";
                            for (String l; (l = in.readLine()) != null && !l.equals("."); ) {
                                if (l.startsWith("Subject: ")) subject = l.substring(9);
                            }
                            Thread.sleep(dataDelay);
                            arrivals.merge(subject, 1, Integer::sum);
                            messages++;
                            yield "250 2.0.0 queued\r\n";
                        }
                        case "QUIT" -> "221 bye\r\n";
                        default -> "500 what\r\n";
                    };
                    out.write(reply.getBytes(StandardCharsets.US_ASCII));
                    if (line.startsWith("QUIT") || messages >= dropAfterMessages) break;
                }
            } catch (Exception e) {
                // session over
            } finally {
                open.decrementAndGet();
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    private static void enqueue(EmbeddedStore store, String subject, String rcpt) throws Exception {
        byte[] msg = ("Subject: " + subject + "\r\n\r\nhello\r\n").getBytes(StandardCharsets.US_ASCII);
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(msg);
            store.mail().deliver(new DeliveryRequest(w.commit(), msg.length, Instant.now(), Set.of(),
                    Optional.of(new DeliveryRequest.Outbound("a@local.test", List.of(rcpt), 0))));
        }
    }

    private static QueueRunner.Settings settings(int port, int concurrency, QueueRunner.Connections c) {
        return new QueueRunner.Settings(port, Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofDays(5),
                concurrency, Duration.ofMillis(50), null, Map.of(), null, c);
    }

    private static void await(java.util.function.BooleanSupplier done, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(20);
    }

    @Test
    void messagesToOneHostShareAConnectionWithRsetBetweenAndQuitWhenIdle() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("remote.test. 300 IN MX 10 mx.remote.test.")
                .add("mx.remote.test. 300 IN A 127.0.0.1");
             Peer peer = new Peer("127.0.0.1", 0);
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            var c = new QueueRunner.Connections(5, 100, Duration.ofMillis(600), Duration.ofSeconds(30));
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings(peer.port(), 1, c)).start()) {
                for (int i = 0; i < 3; i++) {
                    enqueue(store, "m" + i, "b@remote.test");
                    int n = i + 1;
                    await(() -> peer.arrivals.size() == n, Duration.ofSeconds(10));
                }
                assertEquals(3, peer.arrivals.size());
                assertEquals(1, peer.sessions.size(), "one connection for the three messages");
                await(() -> peer.sessions.getFirst().contains("QUIT"), Duration.ofSeconds(5));
                assertEquals(List.of("EHLO mail.local.test",
                        "MAIL FROM:<a@local.test>", "RCPT TO:<b@remote.test>", "DATA",
                        "RSET", "MAIL FROM:<a@local.test>", "RCPT TO:<b@remote.test>", "DATA",
                        "RSET", "MAIL FROM:<a@local.test>", "RCPT TO:<b@remote.test>", "DATA",
                        "QUIT"), peer.sessions.getFirst(), "RSET between transactions (RFC 5321 §4.1.1.5), QUIT when idle");
            }
        }
    }

    @Test
    void aConnectionCarriesAtMostTheCapThenANewOneOpens() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("remote.test. 300 IN MX 10 mx.remote.test.")
                .add("mx.remote.test. 300 IN A 127.0.0.1");
             Peer peer = new Peer("127.0.0.1", 0);
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            var c = new QueueRunner.Connections(5, 2, Duration.ofSeconds(10), Duration.ofSeconds(30));
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings(peer.port(), 1, c)).start()) {
                for (int i = 0; i < 5; i++) {
                    enqueue(store, "m" + i, "b@remote.test");
                    int n = i + 1;
                    await(() -> peer.arrivals.size() == n, Duration.ofSeconds(10));
                }
                assertEquals(5, peer.arrivals.size());
                assertEquals(3, peer.sessions.size(), "2 + 2 + 1 messages");
                assertEquals("QUIT", peer.sessions.getFirst().getLast(), "a full connection is QUIT at once");
            }
        }
    }

    @Test
    void aReusedConnectionTheServerClosedIsReplacedAndTheMessageStillGoesOut() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("remote.test. 300 IN MX 10 mx.remote.test.")
                .add("mx.remote.test. 300 IN A 127.0.0.1");
             Peer peer = new Peer("127.0.0.1", 0);
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            peer.dropAfterMessages = 1; // closes without a word after each message: the kept session is dead
            var c = new QueueRunner.Connections(5, 100, Duration.ofSeconds(10), Duration.ofSeconds(30));
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings(peer.port(), 1, c)).start()) {
                enqueue(store, "m0", "b@remote.test");
                await(() -> peer.arrivals.size() == 1, Duration.ofSeconds(10));
                enqueue(store, "m1", "b@remote.test");
                await(() -> peer.arrivals.size() == 2 && store.queue().list().isEmpty(), Duration.ofSeconds(10));
                assertEquals(Map.of("m0", 1, "m1", 1), peer.arrivals);
                assertEquals(List.of(), store.queue().list(), "delivered on the first attempt, no retry recorded");
                assertEquals(2, peer.sessions.size());
            }
        }
    }

    @Test
    void anOpportunisticSessionIsNotReusedForMailThatNeedsAVerifiedCertificate() throws Exception {
        try (Peer peer = new Peer("127.0.0.1", 0)) {
            SmtpClient client = new SmtpClient("client.test");
            try (ConnectionPool pool = new ConnectionPool(client, new ConnectionPool.Limits(5, 100, Duration.ofSeconds(10)))) {
                InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.port());
                byte[] body = "Subject: x\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);
                var msg = new SmtpClient.Outgoing("a@local.test", List.of("b@peer.test"), body.length,
                        () -> new ByteArrayInputStream(body), false);
                var first = assertInstanceOf(ConnectionPool.Lease.Got.class,
                        pool.acquire("mx.peer.test", at, SmtpClient.Security.OPPORTUNISTIC, Duration.ofSeconds(1)));
                assertInstanceOf(DeliveryStatus.Delivered.class, first.session().send(msg).get("b@peer.test"));
                pool.release(first.session());
                // MTA-STS enforce (RFC 8461 §5): TLS with a verified certificate; the plain session must not serve it.
                var enforce = new SmtpClient.Security(SSLContext.getDefault(), true, false, null, null);
                var second = pool.acquire("mx.peer.test", at, enforce, Duration.ofSeconds(1));
                var failed = assertInstanceOf(ConnectionPool.Lease.Failed.class, second);
                assertTrue(failed.status().toString().contains("does not offer STARTTLS"), failed.toString());
                assertEquals(2, peer.sessions.size(), "a new connection was tried");
                assertEquals(List.of("EHLO client.test", "MAIL FROM:<a@local.test>", "RCPT TO:<b@peer.test>", "DATA"),
                        peer.sessions.getFirst(), "the first session was not used for it");
                // and opportunistic mail still reuses the plain one
                var third = assertInstanceOf(ConnectionPool.Lease.Got.class,
                        pool.acquire("mx.peer.test", at, SmtpClient.Security.OPPORTUNISTIC, Duration.ofSeconds(1)));
                assertTrue(third.reused());
                pool.release(third.session());
            }
        }
    }

    /** Two peers on the same port of two loopback addresses, so two MX hosts share {@code mx_port}. */
    private static Peer[] twoPeers() throws Exception {
        for (int tries = 0; ; tries++) {
            Peer a = new Peer("127.0.0.1", 0);
            try {
                return new Peer[] {a, new Peer("127.0.0.2", a.port())};
            } catch (java.io.IOException taken) {
                a.close();
                if (tries > 20) throw taken;
            }
        }
    }

    @Test
    void aHostThatSays421RestsWhileOtherDomainsFlow() throws Exception {
        Peer[] peers = twoPeers();
        try (Peer busy = peers[0]; Peer fine = peers[1];
             TestDnsServer dns = new TestDnsServer().add("busy.test. 300 IN MX 10 mx.busy.test.")
                     .add("mx.busy.test. 300 IN A 127.0.0.1")
                     .add("fine.test. 300 IN MX 10 mx.fine.test.").add("mx.fine.test. 300 IN A 127.0.0.2");
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            busy.greeting = n -> "421 4.3.2 too busy, come back later\r\n";
            var c = new QueueRunner.Connections(5, 100, Duration.ofSeconds(10), Duration.ofSeconds(30));
            var settings = new QueueRunner.Settings(busy.port(), Duration.ofMillis(500), Duration.ofMinutes(1),
                    Duration.ofDays(5), 4, Duration.ofMillis(50), null, Map.of(), null, c);
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings).start()) {
                Instant start = Instant.now(); // the first 421, and so the host's rest, comes after this
                for (int i = 0; i < 10; i++) enqueue(store, "busy" + i, "u@busy.test");
                for (int i = 0; i < 10; i++) enqueue(store, "fine" + i, "u@fine.test");
                await(() -> fine.arrivals.size() == 10, Duration.ofSeconds(15));
                int firstWave = busy.sessions.size();
                Thread.sleep(1500); // several polls and retry periods of the entries (500 ms first retry)
                assertEquals(10, fine.arrivals.size(), "other domains flow");
                // Only the attempts already under way when the first 421 came (at most the 4 delivery slots) connect.
                assertTrue(firstWave <= 4, "the 421 host was not hammered: " + firstWave + " connections");
                assertEquals(firstWave, busy.sessions.size(), "no connection while the host rests");
                var left = store.queue().list();
                assertEquals(10, left.size());
                assertTrue(left.stream().allMatch(e -> e.recipients().equals(List.of("u@busy.test"))));
                assertTrue(left.stream().filter(e -> e.attempts() == 0).count() >= 6,
                        "entries that waited for the resting host did not count an attempt: " + left);
                // from the start, not from now: on a loaded machine the waits above may take many seconds
                assertTrue(left.stream().allMatch(e -> e.nextAttempt().isAfter(start.plusSeconds(29))),
                        "they wait for the host's rest (30 s) to end: " + left);
            }
        }
    }

    @Test
    void mailForAHostThatKeepsRestingStillGivesUpAtTheMaximumAge() throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("busy.test. 300 IN MX 10 mx.busy.test.")
                .add("mx.busy.test. 300 IN A 127.0.0.1");
             Peer busy = new Peer("127.0.0.1", 0);
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            busy.greeting = n -> "421 4.3.2 too busy\r\n";
            var c = new QueueRunner.Connections(5, 100, Duration.ofSeconds(10), Duration.ofSeconds(60));
            var settings = new QueueRunner.Settings(busy.port(), Duration.ofMillis(200), Duration.ofMinutes(1),
                    Duration.ofSeconds(2), 2, Duration.ofMillis(50), null, Map.of(), null, c);
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings).start()) {
                for (int i = 0; i < 4; i++) enqueue(store, "busy" + i, "u@busy.test");
                await(() -> store.queue().list().stream().noneMatch(e -> e.recipients().contains("u@busy.test")), Duration.ofSeconds(8));
                var left = store.queue().list();
                assertTrue(left.stream().noneMatch(e -> e.recipients().contains("u@busy.test")),
                        "given up although the host rests (60 s) beyond the 2 s maximum age: " + left);
            }
        }
    }

    @Test
    void aSlowHostGetsAtMostItsConnectionsAndDoesNotHoldUpOthers() throws Exception {
        Peer[] peers = twoPeers();
        try (Peer slow = peers[0]; Peer fine = peers[1];
             TestDnsServer dns = new TestDnsServer().add("slow.test. 300 IN MX 10 mx.slow.test.")
                     .add("mx.slow.test. 300 IN A 127.0.0.1")
                     .add("fine.test. 300 IN MX 10 mx.fine.test.").add("mx.fine.test. 300 IN A 127.0.0.2");
             EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            slow.dataDelay = Duration.ofSeconds(4);
            var c = new QueueRunner.Connections(2, 100, Duration.ofSeconds(10), Duration.ofSeconds(30));
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings(slow.port(), 6, c)).start()) {
                for (int i = 0; i < 12; i++) enqueue(store, "slow" + i, "u@slow.test");
                Thread.sleep(300);
                long t0 = System.nanoTime();
                List<String> fineSubjects = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    enqueue(store, "fine" + i, "u@fine.test");
                    fineSubjects.add("fine" + i);
                }
                await(() -> fine.arrivals.size() == 10, Duration.ofSeconds(15));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(10, fine.arrivals.size());
                // held up, it would wait for slots behind three rounds of the slow host's 4 s: 12 s at least
                assertTrue(ms < 10_000, "the fast domain was not held up behind the slow one: " + ms + " ms");
                assertTrue(slow.maxOpen.get() <= 2, "at most 2 connections to the slow host: " + slow.maxOpen.get());
            }
        }
    }
}
