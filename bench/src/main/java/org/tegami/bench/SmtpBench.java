package org.tegami.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.InstantSource;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;

/**
 * The issue-2 benchmark: N messages of S KiB over C connections to port 25, counted when durably stored.
 * Prints the machine's fsync rate and a no-storage run of the same load beside Tegami's figure, so results
 * compare as ratios across machines.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.tegami.bench.SmtpBench [messages] [sizeKib] [connections] [dir] [trained]</pre>
 *
 * With {@code trained}, the recipient's spam model has learned a few messages first, so that every delivery is
 * tokenized and scored by the inbound pipeline (without it, no model exists and the classifier is skipped).
 */
public final class SmtpBench {
    private SmtpBench() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int sizeKib = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path dir = Files.createTempDirectory(Path.of(args.length > 3 ? args[3] : "."), "tegami-bench-");
        System.out.printf("SMTP benchmark: %d messages x %d KiB over %d connections, data in %s%n",
                messages, sizeKib, connections, dir);

        double fsync = FsyncRate.measure(dir, 2000);
        System.out.printf("disk: %.0f fsyncs/s single stream (10 KiB file write + fsync)%n", fsync);

        try (SmtpSink sink = new SmtpSink()) {
            SmtpLoad.run(sink.address(), Math.min(messages, 500), sizeKib, connections, "load@example.org", "alice@example.test");
            SmtpLoad.Result r = SmtpLoad.run(sink.address(), messages, sizeKib, connections, "load@example.org", "alice@example.test");
            System.out.println("no-storage sink: " + r);
        }

        // the sender's domain publishes SPF and DMARC on a DNS server of our own: the machine's resolver may be slow,
        // dead or absent, and what is measured is the checking, not someone's DNS
        org.tegami.testkit.TestDnsServer dns = new org.tegami.testkit.TestDnsServer()
                .add("example.org. 300 IN TXT \"v=spf1 ip4:127.0.0.1 -all\"")
                .add("_dmarc.example.org. 300 IN TXT \"v=DMARC1; p=none\"");
        Path config = dir.resolve("tegami.toml");
        Files.writeString(config, """
                hostname = "bench.example.test"
                data_dir = "data"
                [listen]
                smtp = ["127.0.0.1:0"]
                submission = []
                submissions = []
                pop3 = []
                pop3s = []
                imap = []
                imaps = []
                managesieve = []
                metrics = %s
                [dns]
                nameservers = ["127.0.0.1:%d"]
                """.formatted(List.of(args).contains("metrics") ? "[\"127.0.0.1:0\"]" : "[]", dns.address().getPort()) + (List.of(args).contains("noverify") ? "[inbound]\nverify = false\n" : ""));
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(config), InstantSource.system())) {
            server.store().accounts().addDomain("example.test");
            server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                    new PasswordHasher().hash("not used here".toCharArray()));
            if (List.of(args).contains("trained")) {
                var alice = server.store().accounts().user(EmailAddress.parse("alice@example.test").orElseThrow()).orElseThrow();
                for (int i = 0; i < 10; i++) {
                    server.store().classifier().learn(alice.id(), "spam" + i, org.tegami.store.ClassifierStore.Verdict.SPAM,
                            java.util.List.of("cheap", "pills", "casino", "winner", "spam" + i));
                    server.store().classifier().learn(alice.id(), "ham" + i, org.tegami.store.ClassifierStore.Verdict.HAM,
                            java.util.List.of("meeting", "agenda", "project", "notes", "ham" + i));
                }
                System.out.println("spam model trained: every delivery is tokenized and scored");
            }
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", server.port("smtp"));
            SmtpLoad.run(target, Math.min(messages, 500), sizeKib, connections, "load@example.org", "alice@example.test");
            MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
            System.gc();
            long heapBefore = mem.getHeapMemoryUsage().getUsed();
            SmtpLoad.Result r = SmtpLoad.run(target, messages, sizeKib, connections, "load@example.org", "alice@example.test");
            System.gc();
            long heapAfter = mem.getHeapMemoryUsage().getUsed();
            System.out.println("tegami (durable): " + r);
            System.out.printf("ratio to single-stream fsync rate: %.1fx%n", r.msgsPerSecond() / fsync);
            System.out.printf("heap after GC: %.1f MiB before the run, %.1f MiB after%n", heapBefore / 1048576.0, heapAfter / 1048576.0);
            for (var m : server.metricsHttp()) { // "metrics": what the scrape says about the same run
                var http = java.net.http.HttpClient.newHttpClient();
                long t0 = System.nanoTime();
                String scrape = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + m.port()
                        + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                System.out.printf("metrics scrape: %d bytes in %.1f ms; %s%n", scrape.length(), (System.nanoTime() - t0) / 1e6,
                        scrape.lines().filter(l -> l.startsWith("tegami_smtp_messages_total")).toList());
            }
        }
    }
}
