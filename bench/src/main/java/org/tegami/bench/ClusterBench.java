package org.tegami.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tegami.testkit.S3TestServer;
import org.tegami.testkit.TestPostgres;

/**
 * The cluster benchmark, in one run on this machine: SMTP deliveries per second and {@link ImapMixedBench}'s mix of
 * IMAP commands per second for (1) one node on the embedded store, (2) one node on PostgreSQL + S3, (3) two nodes
 * on the same PostgreSQL + S3 with the clients split across them; then IDLE wake-up latency within a node and
 * across the two nodes, and the SQL statements per delivery and per IMAP command. PostgreSQL is testkit's
 * {@link TestPostgres} (Debian's binaries, fsync on, synchronous_commit on), S3 is testkit's {@link S3TestServer}
 * (S3Mock), both on loopback on the same cores as the servers and the clients.
 *
 * <pre>bench/cluster.sh [clients=20] [messages=2000] [seconds=15] [rounds=3] [idleDeliveries=200]</pre>
 *
 * System properties: {@code -Dcluster.setups=embedded,pg1,pg2} (a subset), {@code -Dcluster.count=false} (no
 * statement counting), {@code -Dcluster.verbose=true} (print every statement kind counted), {@code -Dcluster.keep=true}
 * (keep the nodes' directories, made under the working directory).
 */
public final class ClusterBench {
    static final int SMALL_KIB = 10;
    static final int LARGE_KIB = 150;

    private ClusterBench() {}

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int idleDeliveries = args.length > 4 ? Integer.parseInt(args[4]) : 200;
        int mailboxes = 2 * clients;
        // one INFO line per delivery would cost the clients' and servers' shared CPU; warnings still show
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        List<String> wanted = List.of(System.getProperty("cluster.setups", "embedded,pg1,pg2").split(","));
        List<ClusterNodes.Setup> setups = new ArrayList<>();
        if (wanted.contains("embedded")) setups.add(new ClusterNodes.Setup("1 node embedded", false, 1));
        if (wanted.contains("pg1")) setups.add(new ClusterNodes.Setup("1 node PG+S3", true, 1));
        if (wanted.contains("pg2")) setups.add(new ClusterNodes.Setup("2 nodes PG+S3", true, 2));
        Path base = Files.createTempDirectory(Path.of("."), "tegami-cluster-");
        System.out.printf("cluster benchmark: %d clients, %d SMTP messages (%d KiB, every %dth %d KiB) to %d recipients,"
                        + " IMAP mix %d s on %d mailboxes, %d IDLE deliveries, %d rounds; %d cores, load average %s%n",
                clients, messages, SMALL_KIB, ClusterLoads.LARGE_EVERY, LARGE_KIB, ClusterNodes.RECIPIENTS, seconds,
                mailboxes, idleDeliveries, rounds, Runtime.getRuntime().availableProcessors(), loadAverage());
        if (setups.stream().anyMatch(ClusterNodes.Setup::postgres)) {
            if (!TestPostgres.available()) throw new IllegalStateException(TestPostgres.WHY_MISSING);
            System.out.println("PostgreSQL: testkit TestPostgres on 127.0.0.1:" + TestPostgres.get().port()
                    + " (fsync=on, synchronous_commit=on); S3: " + S3TestServer.get());
        }

        Map<String, List<Double>> smtp = new LinkedHashMap<>();
        Map<String, List<Double>> imap = new LinkedHashMap<>();
        Map<String, List<long[]>> wake = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            // each round starts with another setup, so that none always runs first (warm caches, quiet machine)
            for (int k = 0; k < setups.size(); k++) {
                ClusterNodes.Setup setup = setups.get((k + round - 1) % setups.size());
                Path dir = Files.createDirectories(base.resolve("r" + round + "-" + setup.nodes() + (setup.postgres() ? "pg" : "emb")));
                try (ClusterNodes c = ClusterNodes.start(setup, dir, 4 * clients + 20)) {
                    ClusterLoads.smtp(c, Math.min(200, messages), clients, SMALL_KIB, LARGE_KIB); // warm-up
                    ClusterLoads.Smtp s = ClusterLoads.smtp(c, messages, clients, SMALL_KIB, LARGE_KIB);
                    long smtpRetries = c.retries();
                    ClusterLoads.Imap m = ClusterLoads.imapMixed(c, clients, mailboxes, seconds);
                    System.out.printf("round %d, %-16s SMTP %,6.0f msg/s (%d failed, p50 %.1f ms, p99 %.1f ms); IMAP %,6.0f ops/s"
                                    + " (%d errors; %s); serialization retries %d SMTP, %d IMAP; load %s%n", round, setup.name(), s.rate(),
                            s.failed(), s.p50Ms(), s.p99Ms(), m.opsPerSecond(), m.errors(), m.detail(), smtpRetries,
                            c.retries() - smtpRetries, loadAverage());
                    smtp.computeIfAbsent(setup.name(), x -> new ArrayList<>()).add(s.rate());
                    imap.computeIfAbsent(setup.name(), x -> new ArrayList<>()).add(m.opsPerSecond());
                    if (idleDeliveries > 0) {
                        wakeups(wake, setup.name() + ", same node", c.smtpPort(0), c.imapsPort(0), idleDeliveries, round);
                        if (setup.nodes() > 1) {
                            wakeups(wake, setup.name() + ", A to B", c.smtpPort(0), c.imapsPort(1), idleDeliveries, round);
                        }
                    }
                }
            }
        }

        if (Boolean.parseBoolean(System.getProperty("cluster.count", "true")) && setups.stream().anyMatch(ClusterNodes.Setup::postgres)) {
            try (ClusterNodes c = ClusterNodes.start(new ClusterNodes.Setup("count", true, 1), base.resolve("count"), 20)) {
                ClusterStatements.run(c, Boolean.getBoolean("cluster.verbose"));
            }
        }

        String ref = setups.getFirst().name();
        System.out.printf("%nmedians of %d rounds (ratios against %s, same run; load average now %s):%n", rounds, ref, loadAverage());
        System.out.printf("%-18s %12s %7s %12s %7s%n", "setup", "SMTP msg/s", "ratio", "IMAP ops/s", "ratio");
        for (ClusterNodes.Setup s : setups) {
            double sm = median(smtp.get(s.name()));
            double im = median(imap.get(s.name()));
            System.out.printf("%-18s %,12.0f %6.2fx %,12.0f %6.2fx   (rounds: %s / %s)%n", s.name(), sm, sm / median(smtp.get(ref)),
                    im, im / median(imap.get(ref)), rounded(smtp.get(s.name())), rounded(imap.get(s.name())));
        }
        if (!wake.isEmpty()) {
            System.out.printf("%nIDLE wake-up, ms from the SMTP 250 (and from the end of DATA) to the EXISTS, all rounds:%n");
            System.out.printf("%-28s %6s %8s %8s %8s %8s %7s%n", "setup", "n", "p50", "p99", "p50 data", "p99 data", "p50/ref");
            long[] refWake = sorted(wake.values().iterator().next(), 0);
            for (var e : wake.entrySet()) {
                long[] r = sorted(e.getValue(), 0);
                long[] d = sorted(e.getValue(), 1);
                System.out.printf("%-28s %6d %8.2f %8.2f %8.2f %8.2f %6.2fx%n", e.getKey(), r.length, ms(r, 0.5), ms(r, 0.99),
                        ms(d, 0.5), ms(d, 0.99), ms(r, 0.5) / ms(refWake, 0.5));
            }
        }
        if (Boolean.getBoolean("cluster.keep")) {
            System.out.println("data kept under " + base);
        } else {
            try (var files = Files.walk(base)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0); // S3Mock and PostgreSQL stop with this JVM (their shutdown hooks)
    }

    private static void wakeups(Map<String, List<long[]>> wake, String name, int smtpPort, int imapsPort, int n, int round)
            throws Exception {
        ClusterLoads.Wakeups w = ClusterLoads.idle(smtpPort, imapsPort, n);
        long[] r = w.fromReply().clone();
        Arrays.sort(r);
        System.out.printf("round %d, IDLE %-26s p50 %.2f ms, p99 %.2f ms over %d (%d missed)%n", round, name,
                ms(r, 0.5), ms(r, 0.99), r.length, w.missed());
        List<long[]> list = wake.computeIfAbsent(name, x -> new ArrayList<>(List.of(new long[0], new long[0])));
        list.set(0, concat(list.get(0), w.fromReply()));
        list.set(1, concat(list.get(1), w.fromData()));
    }

    private static long[] concat(long[] a, long[] b) {
        long[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static long[] sorted(List<long[]> l, int which) {
        long[] r = l.get(which).clone();
        Arrays.sort(r);
        return r;
    }

    /** Percentile in ms; latencies may be negative (the EXISTS came before the client had read the 250). */
    private static double ms(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) return Double.NaN;
        return sortedNanos[Math.min(sortedNanos.length - 1, (int) Math.ceil(p * sortedNanos.length) - 1)] / 1e6;
    }

    static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String rounded(List<Double> v) {
        return String.join(" ", v.stream().map(d -> String.format("%.0f", d)).toList());
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
