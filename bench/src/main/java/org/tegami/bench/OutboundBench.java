package org.tegami.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.MessageMeta;
import org.tegami.testkit.TestDnsServer;

/**
 * Issue-5 benchmark: server A delivers N queued messages of S KiB to server B over loopback, for D destination
 * domains (all MX → B), through the real path (MX lookup, STARTTLS, DKIM-less). Reports messages/s and the time
 * from enqueue to B's durable acceptance (p50/p99, 10 ms resolution).
 *
 * <p>Runs three configurations one after the other on fresh servers, so the figures compare within one run: a
 * new connection (and TLS handshake) per message with up to 20 connections to B, as before connection reuse;
 * connection reuse with the defaults (5 connections per MX host, 100 messages each); and reuse with 20
 * connections per host.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.tegami.bench.OutboundBench [messages] [sizeKib] [domains]</pre>
 */
public final class OutboundBench {
    private OutboundBench() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int kib = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int domains = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        run("no reuse, 20 connections", "messages_per_connection = 1\nconnections_per_host = 20\n", messages, kib, domains);
        run("reuse, defaults (5 per host, 100 per connection)", "", messages, kib, domains);
        run("reuse, 20 per host", "connections_per_host = 20\n", messages, kib, domains);
    }

    private static void run(String label, String outbound, int messages, int kib, int domains) throws Exception {
        Path dir = Files.createTempDirectory("tegami-outbound-");
        System.out.printf("%n== %s ==%noutbound benchmark: %d messages x %d KiB to %d domains, data in %s%n", label,
                messages, kib, domains, dir);
        String none = "submission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n";
        try (TestDnsServer dns = new TestDnsServer();
             TegamiServer b = start(dir.resolve("b"), "hostname = \"mx.b.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\n" + none)) {
            dns.add("mx.b.test. 300 IN A 127.0.0.1");
            Account[] users = new Account[domains];
            for (int d = 0; d < domains; d++) {
                dns.add("d" + d + ".test. 300 IN MX 10 mx.b.test.");
                b.store().accounts().addDomain("d" + d + ".test");
                users[d] = b.store().accounts().addUser(EmailAddress.parse("u@d" + d + ".test").orElseThrow(),
                        new PasswordHasher().hash("unused-password".toCharArray()));
            }
            String a = "hostname = \"mail.a.test\"\n[listen]\nsmtp = []\n" + none + "[dns]\nnameservers = [\"127.0.0.1:"
                    + dns.address().getPort() + "\"]\n[outbound]\nmx_port = " + b.port("smtp") + "\n" + outbound;
            try (TegamiServer sa = start(dir.resolve("a"), a)) {
                Map<String, Long> sent = new ConcurrentHashMap<>();
                Map<String, Long> arrived = new ConcurrentHashMap<>();
                byte[] filler = ("x".repeat(74) + "\r\n").repeat(Math.max(1, kib * 1024 / 76)).getBytes(StandardCharsets.US_ASCII);
                long t0 = System.nanoTime();
                for (int i = 0; i < messages; i++) {
                    String id = "m" + i;
                    byte[] head = ("From: <load@a.test>\r\nTo: <u@d" + (i % domains) + ".test>\r\nX-Bench-Id: " + id
                            + "\r\nSubject: outbound " + i + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                    try (BlobStore.BlobWriter w = sa.store().blobs().create()) {
                        w.stream().write(head);
                        w.stream().write(filler);
                        var blob = w.commit();
                        sent.put(id, System.nanoTime());
                        sa.store().mail().deliver(new DeliveryRequest(blob, w.size(), Instant.now(), Set.of(),
                                Optional.of(new DeliveryRequest.Outbound("load@a.test", List.of("u@d" + (i % domains) + ".test"), 0))));
                    }
                }
                long deadline = System.nanoTime() + 600_000_000_000L;
                long[] seenModseq = new long[domains];
                while (arrived.size() < messages && System.nanoTime() < deadline) {
                    for (int d = 0; d < domains; d++) poll(b, users[d], seenModseq, d, arrived);
                    Thread.sleep(10);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                long[] lat = sent.entrySet().stream().filter(e -> arrived.containsKey(e.getKey()))
                        .mapToLong(e -> arrived.get(e.getKey()) - e.getValue()).sorted().toArray();
                System.out.printf("delivered %d of %d in %.2f s: %.0f msgs/s; enqueue-to-accepted p50 %.0f ms, p99 %.0f ms%n",
                        arrived.size(), messages, seconds, arrived.size() / seconds,
                        SmtpLoad.percentile(lat, 0.50) / 1e6, SmtpLoad.percentile(lat, 0.99) / 1e6);
                System.out.println("queue left on A: " + sa.store().queue().list().size());

                // Latency without a backlog: one message at a time, enqueue to durable acceptance at B.
                int single = Math.min(100, messages);
                long[] one = new long[single];
                for (int i = 0; i < single; i++) {
                    String id = "s" + i;
                    byte[] head = ("From: <load@a.test>\r\nTo: <u@d0.test>\r\nX-Bench-Id: " + id + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                    long start = System.nanoTime();
                    try (BlobStore.BlobWriter w = sa.store().blobs().create()) {
                        w.stream().write(head);
                        w.stream().write(filler);
                        sa.store().mail().deliver(new DeliveryRequest(w.commit(), w.size(), Instant.now(), Set.of(),
                                Optional.of(new DeliveryRequest.Outbound("load@a.test", List.of("u@d0.test"), 0))));
                    }
                    while (!arrived.containsKey(id) && System.nanoTime() < deadline) {
                        poll(b, users[0], seenModseq, 0, arrived);
                        Thread.sleep(1);
                    }
                    one[i] = arrived.get(id) - start;
                }
                java.util.Arrays.sort(one);
                System.out.printf("one at a time (%d messages): enqueue-to-accepted p50 %.1f ms, p99 %.1f ms%n",
                        single, SmtpLoad.percentile(one, 0.50) / 1e6, SmtpLoad.percentile(one, 0.99) / 1e6);
            }
        }
    }

    private static void poll(TegamiServer b, Account u, long[] seen, int d, Map<String, Long> arrived) throws IOException {
        var inbox = b.store().mail().mailbox(u.id(), "INBOX").orElseThrow();
        if (inbox.highestModSeq().value() == seen[d]) return;
        long now = System.nanoTime();
        for (MessageMeta m : b.store().mail().changedSince(inbox.id(), new org.tegami.store.ModSeq(seen[d]))) {
            try (InputStream in = b.store().blobs().open(m.content())) {
                String head = new String(in.readNBytes(2048), StandardCharsets.US_ASCII);
                int i = head.indexOf("X-Bench-Id: ");
                arrived.putIfAbsent(head.substring(i + 12, head.indexOf("\r\n", i)), now);
            }
            seen[d] = Math.max(seen[d], m.modSeq().value());
        }
    }

    private static TegamiServer start(Path dir, String toml) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tegami.toml"), toml);
        return TegamiServer.start(ConfigLoader.load(dir.resolve("tegami.toml")), InstantSource.system());
    }
}
