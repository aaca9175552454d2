package org.tegami.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import org.tegami.testkit.TestTls;

/**
 * Issue 14: Tegami and Debian's Dovecot (dovecot-imapd) on the same machine, same certificate (ECDSA P-256), same
 * users and passwords, same client, measured alternately (A B, then B A, for each round) under two loads:
 *
 * <ul>
 *   <li><b>steady</b>: C clients logged in over 993, each looping SELECT INBOX, FETCH 1:* (FLAGS), FETCH of ten
 *       ENVELOPEs, of one message's header and of one whole message, STORE +FLAGS/-FLAGS, SEARCH, APPEND (LITERAL+,
 *       with \Deleted) and EXPUNGE; after 20 such cycles LOGOUT and log in again as another user;</li>
 *   <li><b>churn</b>: C clients each looping connect, TLS handshake, LOGIN as a random user, SELECT INBOX, FETCH 1:*
 *       (FLAGS), FETCH of ten ENVELOPEs, LOGOUT.</li>
 * </ul>
 *
 * Every tagged OK counts as one operation; a tagged NO or BAD or a broken connection counts as a protocol error.
 * Dovecot checks SHA512-CRYPT passwords without its auth cache (its default); Tegami checks Argon2id behind its
 * verified-credentials cache. Each client keeps its own TLS session cache, so it resumes TLS sessions where the server
 * allows it, as mail clients do; {@code -Dsbs.resume=false} gives every connection a full handshake.
 *
 * <p>{@code -Dsbs.baseline=other/tegami.jar} adds a third server, another build of Tegami (say, before a change),
 * measured in the same rounds, so a change is judged against the same machine load.
 *
 * <pre>bench/dovecot-side-by-side.sh [clients] [users] [seconds] [rounds]</pre>
 */
public final class DovecotSideBySideBench {
    static final String DOMAIN = "bench.test";
    static final int SEEDED = 20;
    private static final boolean RESUME = !"false".equals(System.getProperty("sbs.resume"));

    private DovecotSideBySideBench() {}

    /** One server under test: its name and its IMAPS port. */
    record Target(String name, int port) {}

    /** One timed run. */
    record Run(String load, String server, long ops, double seconds, long errors, long logins) {
        double rate() {
            return ops / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int users = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        List<String> loads = List.of(System.getProperty("sbs.loads", "steady,churn").split(","));
        Path jar = Path.of(System.getProperty("sbs.jar", "server/target/tegami.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) throw new IllegalStateException(jar + " not found: mvn -pl bench,server -am package -DskipTests");
        Path dir = Files.createTempDirectory("tegami-vs-dovecot-");
        boolean keep = Boolean.getBoolean("sbs.keep");
        List<Process> servers = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Process p : servers) {
                p.destroy(); // SIGTERM: Tegami's shutdown hook, Dovecot's master stops its children
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
            if (!keep) SoakBench.deleteTree(dir);
        }));
        System.out.printf("Tegami vs Dovecot: %d clients, %d users (%d messages each), %d s per run, %d rounds, loads %s,"
                + " TLS resumption by the client %s; %d cores, load average at start %s; data in %s%n", clients, users,
                SEEDED, seconds, rounds, loads, RESUME ? "on" : "off", Runtime.getRuntime().availableProcessors(),
                SoakBench.loadAverage(), dir);

        SideBySideServers setup = new SideBySideServers(dir, users);
        setup.certificate();
        Target tegami = setup.startTegami(jar, servers);
        Target dovecot = setup.startDovecot(servers);
        String baselineJar = System.getProperty("sbs.baseline");
        Target baseline = baselineJar == null ? null
                : setup.startTegami("baseline", Path.of(baselineJar).toAbsolutePath(), servers);
        System.out.printf("Tegami pid %d on %d, Dovecot %s pid %d on %d (%s)%n", servers.get(0).pid(), tegami.port(),
                setup.dovecotVersion(), servers.get(1).pid(), dovecot.port(), SideBySideServers.FAST
                        ? "high-performance mode: login and imap processes reused; -Dsbs.dovecot=default for its defaults"
                        : "its defaults: a login and an imap process per connection");
        List<Target> all = baseline == null ? List.of(tegami, dovecot) : List.of(tegami, dovecot, baseline);
        if (baseline != null) System.out.printf("baseline: %s on %d%n", baselineJar, baseline.port());
        for (Target t : all) {
            long t0 = System.nanoTime();
            long errors = populate(t, clients, users);
            System.out.printf("  %s: %d users × %d messages appended in %.1f s, %d errors%n", t.name(), users, SEEDED,
                    (System.nanoTime() - t0) / 1e9, errors);
        }

        // An unmeasured round first: the JIT compiles Tegami's hot paths (Dovecot is compiled ahead); both get it.
        int warm = Integer.getInteger("sbs.warmup", 8);
        if (warm > 0) {
            for (String load : loads) {
                for (Target t : all) run(t, load, clients, users, warm);
            }
            System.out.printf("warm-up: %d s of each load on each server, not counted%n", warm);
        }
        List<Run> runs = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            List<Target> order = new ArrayList<>(all);
            java.util.Collections.rotate(order, round - 1); // who goes first changes every round
            for (String load : loads) {
                for (Target t : order) {
                    Run r = run(t, load, clients, users, seconds);
                    runs.add(r);
                    System.out.printf("round %d  %-6s %-8s %,9.0f ops/s  (%,d ops, %d logins, %d errors)%n", round, load,
                            t.name(), r.rate(), r.ops(), r.logins(), r.errors());
                }
            }
        }
        System.out.println();
        System.out.println("load     Tegami median  Dovecot median  ratio  errors (T/D)   runs Tegami | Dovecot");
        for (String load : loads) {
            double[] a = rates(runs, load, "tegami");
            double[] b = rates(runs, load, "dovecot");
            System.out.printf("%-8s %,13.0f  %,14.0f  %5.2fx  %d/%d   %s | %s%n", load, median(a), median(b), median(a) / median(b),
                    errors(runs, load, "tegami"), errors(runs, load, "dovecot"), list(a), list(b));
            if (baseline != null) {
                double[] c = rates(runs, load, "baseline");
                System.out.printf("%-8s baseline %,6.0f  vs Dovecot %5.2fx; Tegami/baseline %5.2fx  errors %d   runs %s%n", load,
                        median(c), median(c) / median(b), median(a) / median(c), errors(runs, load, "baseline"), list(c));
            }
        }
        System.out.printf("load average at end %s (other engineers share the machine: compare ratios, not absolutes)%n",
                SoakBench.loadAverage());
    }

    private static double[] rates(List<Run> runs, String load, String server) {
        return runs.stream().filter(r -> r.load().equals(load) && r.server().equals(server)).mapToDouble(Run::rate).toArray();
    }

    private static long errors(List<Run> runs, String load, String server) {
        return runs.stream().filter(r -> r.load().equals(load) && r.server().equals(server)).mapToLong(Run::errors).sum();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0 ? 0 : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String list(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double d : v) sb.append(String.format("%.0f ", d));
        return sb.toString().trim();
    }

    static String user(int i) {
        return String.format("user%03d@%s", i, DOMAIN);
    }

    static String password(int i) {
        return "pw-" + i + "-side-by-side";
    }

    /** A message of 1-20 KB with the headers ENVELOPE and SEARCH look at. */
    static byte[] message(Random r, int n) {
        int from = r.nextInt(50);
        StringBuilder sb = new StringBuilder();
        sb.append("From: Sender ").append(from).append(" <sender").append(from).append("@example.org>\r\n")
                .append("To: <someone@").append(DOMAIN).append(">\r\n")
                .append("Subject: side by side message ").append(n).append("\r\n")
                .append("Date: Sun, 06 Dec 2026 12:00:00 +0000\r\n")
                .append("Message-ID: <").append(n).append('.').append(r.nextInt(1 << 30)).append("@example.org>\r\n")
                .append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        int size = 1000 + r.nextInt(19_000);
        while (sb.length() < size) sb.append("Lorem ipsum dolor sit amet, consectetur adipiscing elit ").append(r.nextInt(1000)).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Fills every INBOX with {@link #SEEDED} messages through APPEND, {@code clients} users at a time. */
    private static long populate(Target t, int clients, int users) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        LongAdder errors = new LongAdder();
        SSLContext tls = TestTls.trustAllClientContext();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                int u;
                while ((u = next.getAndIncrement()) < users) {
                    Random r = new Random(u);
                    try (ImapWire w = ImapWire.connect(tls, t.port())) {
                        if (!w.ok("LOGIN " + user(u) + " " + password(u))) throw new IOException("login refused: " + w.last());
                        for (int i = 0; i < SEEDED; i++) {
                            if (!w.append("INBOX", "", message(r, i))) throw new IOException(w.last());
                        }
                        w.ok("LOGOUT");
                    } catch (IOException e) {
                        errors.increment();
                        System.out.println("    populate " + t.name() + " " + user(u) + ": " + e.getMessage());
                    }
                }
            }));
        }
        for (Thread th : threads) th.join();
        return errors.sum();
    }

    private static Run run(Target t, String load, int clients, int users, int seconds) throws InterruptedException {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder ops = new LongAdder();
        LongAdder logins = new LongAdder();
        LongAdder errors = new LongAdder();
        ConcurrentLinkedQueue<String> errorText = new ConcurrentLinkedQueue<>();
        Map<String, LongAdder[]> latency = new java.util.concurrent.ConcurrentSkipListMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            long seed = c * 7919L + load.hashCode();
            // one TLS context, so one session cache, per client, as each device has its own (the JDK keeps one
            // session per host and port, and a TLS 1.3 ticket is used once: shared, 20 clients would mostly miss)
            SSLContext tls = RESUME ? TestTls.trustAllClientContext() : null;
            threads.add(Thread.ofVirtual().start(() -> {
                Random r = new Random(seed);
                Counter counter = new Counter(measuring, ops, logins, errors, errorText, latency);
                while (!stop.get()) {
                    try {
                        if (load.equals("churn")) churn(t, tls, r, users, counter);
                        else steady(t, tls, r, users, stop, counter);
                    } catch (IOException e) {
                        counter.error(e.toString());
                    }
                }
            }));
        }
        Thread.sleep(3000); // warm-up: JIT, first logins, connections
        measuring.set(true);
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        measuring.set(false);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        stop.set(true);
        for (Thread th : threads) th.join(30_000);
        Map<String, Integer> kinds = new LinkedHashMap<>();
        for (String e : errorText) kinds.merge(e.replaceAll("\\d+", "N"), 1, Integer::sum);
        kinds.entrySet().stream().limit(5).forEach(e -> System.out.printf("    %s error ×%d: %s%n", t.name(), e.getValue(), e.getKey()));
        if (Boolean.getBoolean("sbs.latency")) {
            StringBuilder sb = new StringBuilder("    " + t.name() + " mean ms:");
            latency.forEach((k, v) -> sb.append(String.format(" %s %.2f;", k, v[1].sum() / 1e6 / Math.max(1, v[0].sum()))));
            System.out.println(sb);
        }
        return new Run(load, t.name(), ops.sum(), elapsed, errors.sum(), logins.sum());
    }

    /** Counts operations and errors only while measuring. */
    record Counter(AtomicBoolean measuring, LongAdder ops, LongAdder logins, LongAdder errors, ConcurrentLinkedQueue<String> text,
                   Map<String, LongAdder[]> latency) {
        void ok(ImapWire w, String command) throws IOException {
            long t0 = System.nanoTime();
            boolean ok = w.ok(command);
            if (!measuring.get()) return;
            time(command, t0);
            if (ok) {
                ops.increment();
            } else {
                error(command.split(" ", 2)[0] + ": " + w.last());
            }
        }

        /** Adds a command's time to its verb (SEARCH FROM and SEARCH UNSEEN, FETCH by item apart). */
        void time(String command, long t0) {
            String[] w = command.split(" ");
            String verb = switch (w[0]) {
                case "FETCH" -> "FETCH " + w[2].replace("(", "").replace(")", "").replaceAll("\\[.*", "");
                case "SEARCH" -> "SEARCH " + w[1];
                default -> w[0];
            };
            LongAdder[] a = latency.computeIfAbsent(verb, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
            a[0].increment();
            a[1].add(System.nanoTime() - t0);
        }

        void error(String what) {
            if (!measuring.get()) return;
            errors.increment();
            if (text.size() < 1000) text.add(what);
        }
    }

    private static ImapWire login(Target t, SSLContext tls, Random r, int users, Counter c) throws IOException {
        long t0 = System.nanoTime();
        ImapWire w = ImapWire.connect(tls != null ? tls : TestTls.trustAllClientContext(), t.port());
        if (c.measuring().get()) c.time("CONNECT", t0);
        int u = r.nextInt(users);
        c.ok(w, "LOGIN " + user(u) + " " + password(u));
        if (c.measuring().get()) c.logins().increment();
        return w;
    }

    private static void churn(Target t, SSLContext tls, Random r, int users, Counter c) throws IOException {
        try (ImapWire w = login(t, tls, r, users, c)) {
            c.ok(w, "SELECT INBOX");
            c.ok(w, "FETCH 1:* (FLAGS)");
            int from = 1 + r.nextInt(SEEDED - 9);
            c.ok(w, "FETCH " + from + ":" + (from + 9) + " (ENVELOPE)");
            c.ok(w, "LOGOUT");
        }
    }

    private static void steady(Target t, SSLContext tls, Random r, int users, AtomicBoolean stop, Counter c) throws IOException {
        try (ImapWire w = login(t, tls, r, users, c)) {
            for (int cycle = 0; cycle < 20 && !stop.get(); cycle++) {
                c.ok(w, "SELECT INBOX");
                c.ok(w, "FETCH 1:* (FLAGS)");
                int from = 1 + r.nextInt(SEEDED - 9);
                c.ok(w, "FETCH " + from + ":" + (from + 9) + " (ENVELOPE)");
                c.ok(w, "FETCH " + (1 + r.nextInt(SEEDED)) + " (BODY.PEEK[HEADER])");
                c.ok(w, "FETCH " + (1 + r.nextInt(SEEDED)) + " (BODY.PEEK[])");
                c.ok(w, "STORE " + (1 + r.nextInt(SEEDED)) + (r.nextBoolean() ? " +FLAGS" : " -FLAGS") + " (\\Seen)");
                c.ok(w, r.nextBoolean() ? "SEARCH UNSEEN" : "SEARCH FROM \"sender" + r.nextInt(50) + "@\"");
                byte[] m = message(r, 1000 + cycle);
                long t0 = System.nanoTime();
                boolean appended = w.append("INBOX", "\\Deleted", m);
                if (c.measuring().get()) {
                    c.time("APPEND", t0);
                    if (appended) c.ops().increment();
                    else c.error("APPEND: " + w.last());
                }
                c.ok(w, "EXPUNGE");
            }
            c.ok(w, "LOGOUT");
        }
    }
}
