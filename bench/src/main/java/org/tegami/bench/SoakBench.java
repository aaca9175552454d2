package org.tegami.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.embedded.EmbeddedStore;

/**
 * Soak benchmark (issue 12): the real server as a separate process ({@code server/target/tegami.jar serve}, its own
 * heap limit) under about {@code connections} concurrent connections for {@code seconds}, 40% honest clients (IMAP
 * over TLS, SMTP on the inbound port, POP3 over TLS) and 60% abusive ones (slow readers, half-open TLS, literal
 * floods, login floods, idle pre-login connections, oversized lines). Every 10 s it samples the server's heap
 * ({@code jstat -gc}), threads, RSS and descriptors; at the end it stops the server and checks, in its data
 * directory, that every message acknowledged by SMTP 250 or APPEND OK is there. See bench/README.md.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar org.tegami.bench.SoakBench [seconds] [connections] [heapMiB]</pre>
 *
 * System properties: {@code soak.jar} (default server/target/tegami.jar), {@code soak.dir} (parent of the temporary
 * directory, default java.io.tmpdir), {@code soak.keep=true} keeps that directory.
 */
public final class SoakBench {
    /** Clients start spread over this long, so logins (Argon2id) do not all land at once. */
    static int RAMP_MS = 20_000;
    private static final int SAMPLE_SECONDS = 10;
    private static final String[] ALARMS = {"OutOfMemoryError", "Exception in thread", "SEVERE", "ERROR"};

    /** Shares of the requested connections, in percent: honest first. */
    private static final Map<String, Integer> MIX = new LinkedHashMap<>();

    static {
        MIX.put("honest-imap", 20);
        MIX.put("honest-smtp", 12);
        MIX.put("honest-pop3", 8);
        MIX.put("slow-reader", 3);
        MIX.put("half-open-tls", 10);
        MIX.put("literal-append", 2);
        MIX.put("literal-other", 2);
        MIX.put("login-flood", 8);
        MIX.put("idle-prelogin", 25);
        MIX.put("oversized-line", 10);
    }

    private SoakBench() {}

    record Sample(double t, double heapUsedMiB, double heapCommittedMiB, long ygc, long fgc, int threads, double rssMiB,
                  int fds, int honestOpen, int abusiveOpen, double opsInterval, double opsTotal, double p50, double p99,
                  long errors, double cpu, double clientCpu, double load, boolean alive) {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int heapMiB = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        RAMP_MS = (int) Math.max(1000, Math.min(20_000, seconds * 1000L / 6));
        Path jar = Path.of(System.getProperty("soak.jar", "server/target/tegami.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) throw new IllegalStateException(jar + " not found: build with mvn -pl bench,server -am package");
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("soak.dir", System.getProperty("java.io.tmpdir"))),
                "tegami-soak-");
        boolean keep = Boolean.getBoolean("soak.keep");
        Process[] server = new Process[1];
        Thread cleanup = new Thread(() -> {
            if (server[0] != null && server[0].isAlive()) server[0].destroyForcibly();
            if (!keep) deleteTree(dir);
        });
        Runtime.getRuntime().addShutdownHook(cleanup);

        Map<String, Integer> counts = new LinkedHashMap<>();
        for (var e : MIX.entrySet()) counts.put(e.getKey(), Math.max(1, Math.round(connections * e.getValue() / 100f)));
        int honest = counts.get("honest-imap") + counts.get("honest-smtp") + counts.get("honest-pop3");
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        int perIp = honest + 20;
        int cap = Math.max(2000, 2 * connections);
        int imapUsers = Math.max(5, counts.get("honest-imap") / 10);
        int popUsers = counts.get("honest-pop3");

        int smtpPort = freePort();
        int submissionPort = freePort();
        int imapsPort = freePort();
        int pop3sPort = freePort();
        Path config = dir.resolve("tegami.toml");
        Files.writeString(config, """
                hostname = "soak.example.test"
                data_dir = "data"
                [listen]
                smtp = ["127.0.0.1:%d"]
                submission = ["127.0.0.1:%d"]
                submissions = []
                pop3 = []
                pop3s = ["127.0.0.1:%d"]
                imap = []
                imaps = ["127.0.0.1:%d"]
                managesieve = []
                metrics = []
                [limits]
                connections = %d
                connections_per_ip = %d
                """.formatted(smtpPort, submissionPort, pop3sPort, imapsPort, cap, perIp));
        System.out.printf("Soak: %d s, %d connections (%d honest from 127.0.0.1, %d abusive from 127.0.0.2-250), server -Xmx%dm,"
                + " %d cores, load average at start %s%n", seconds, total, honest, total - honest, heapMiB,
                Runtime.getRuntime().availableProcessors(), loadAverage());
        System.out.printf("  mix: %s%n", counts);
        System.out.printf("  config: connections = %d, connections_per_ip = %d (so the %d honest clients on 127.0.0.1 fit);"
                + " ports smtp %d, submission %d, imaps %d, pop3s %d; data in %s%n", cap, perIp, honest, smtpPort,
                submissionPort, imapsPort, pop3sPort, dir);

        // Domain and the two named accounts through the CLI, as an operator would; the many honest users through
        // the store API (one JVM instead of one per user), all with the same password hash.
        cli(jar, dir, config, null, "domain", "add", SoakClients.DOMAIN);
        cli(jar, dir, config, SoakClients.PASSWORD + "\n", "user", "add", SoakClients.MALLORY, "--password-stdin");
        cli(jar, dir, config, "victim's real password\n", "user", "add", SoakClients.VICTIM, "--password-stdin");
        List<String> imapUserNames = new ArrayList<>();
        List<String> popUserNames = new ArrayList<>();
        for (int i = 0; i < imapUsers; i++) imapUserNames.add("imap" + i + "@" + SoakClients.DOMAIN);
        for (int i = 0; i < popUsers; i++) popUserNames.add("pop" + i + "@" + SoakClients.DOMAIN);
        prepareStore(dir.resolve("data"), imapUserNames, popUserNames);

        Path log = dir.resolve("server.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        server[0] = new ProcessBuilder(java, "-Xmx" + heapMiB + "m", "--enable-native-access=ALL-UNNAMED", "-jar",
                jar.toString(), "serve", "--config", config.toString()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        Process p = server[0];
        long pid = p.pid();
        awaitGreeting(smtpPort, p);
        System.out.printf("server pid %d up; output in %s%n%n", pid, log);

        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        SoakStats stats = new SoakStats(start);
        SoakClients c = new SoakClients(smtpPort, submissionPort, imapsPort, pop3sPort, deadline, stats, imapUserNames,
                popUserNames);
        LogWatch watch = new LogWatch(log, stats);
        Thread watcher = Thread.ofPlatform().daemon().start(() -> watch.run(deadline + 120_000_000_000L));
        List<Thread> threads = startClients(c, counts);

        List<Sample> samples = new ArrayList<>();
        System.out.println("    t  heap-used  committed  ygc fgc threads    rss   fds  honest abusive  ops/s(10s) ops/s(all)"
                + "  p50ms  p99ms errors  cpu% client%  load  server");
        long[] cpuBefore = {cpuTicks(pid), ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L)};
        long tPrev = System.nanoTime();
        Double deathAt = null;
        String histogram = null;
        List<String> histogramLines = List.of();
        for (int i = 1; System.nanoTime() < deadline; i++) {
            long next = start + i * SAMPLE_SECONDS * 1_000_000_000L;
            long sleep = (Math.min(next, deadline) - System.nanoTime()) / 1_000_000;
            if (sleep > 0) Thread.sleep(sleep);
            long now = System.nanoTime();
            Sample s = sample(pid, p, stats, cpuBefore, (now - tPrev) / 1e9);
            tPrev = now;
            samples.add(s);
            if (!s.alive() && deathAt == null) deathAt = s.t();
            print(s);
            if (histogram == null && s.alive() && s.heapUsedMiB() > 0.9 * heapMiB) {
                histogram = String.format("t=%.0f s, heap used %.0f MiB; the clients held %d accepted APPEND {50000000}"
                        + " and %d accepted non-APPEND {60000000} literals open", s.t(), s.heapUsedMiB(),
                        c.appendLiteralsHeld.get(), c.otherLiteralsHeld.get());
                histogramLines = classHistogram(pid, 12);
                System.out.println("      heap over 90% (" + histogram + "); live objects by class (jcmd GC.class_histogram, a full GC):");
                for (String l : histogramLines) System.out.println("      " + l);
            }
        }

        // Stop the load: every loop sees the deadline; closing the sockets unblocks the ones waiting on a read.
        System.out.printf("%ndeadline: closing %d client connections%n", SoakWire.OPEN.size());
        SoakWire.closeAll();
        long joinBy = System.nanoTime() + 30_000_000_000L;
        int stuck = 0;
        for (Thread t : threads) {
            long left = (joinBy - System.nanoTime()) / 1_000_000;
            if (left <= 0 || !t.join(Duration.ofMillis(left))) stuck++;
            SoakWire.closeAll();
        }
        if (stuck > 0) System.out.printf("  %d client threads still running after 30 s (abandoned)%n", stuck);

        boolean aliveAtEnd = p.isAlive();
        String stop;
        long t0 = System.nanoTime();
        if (aliveAtEnd) {
            p.destroy(); // SIGTERM: the server's shutdown hook closes it
            if (p.waitFor(60, TimeUnit.SECONDS)) {
                stop = String.format("stopped by SIGTERM in %.1f s, exit code %d", (System.nanoTime() - t0) / 1e9, p.exitValue());
            } else {
                p.destroyForcibly();
                p.waitFor(20, TimeUnit.SECONDS);
                stop = "did not stop within 60 s of SIGTERM: killed with SIGKILL";
            }
        } else {
            stop = "had already exited (code " + p.exitValue() + ")";
        }
        Thread.sleep(1500);
        watch.stop();
        watcher.join(5000);

        report(stats, c, samples, watch, stop, aliveAtEnd, deathAt, dir.resolve("data"), log, keep);
        if (histogram != null) {
            System.out.println();
            System.out.println("== heap over 90% first at " + histogram + ": live objects by class");
            for (String l : histogramLines) System.out.println("  " + l);
        }
        System.out.flush();
    }

    private static List<Thread> startClients(SoakClients c, Map<String, Integer> counts) {
        List<Thread> threads = new ArrayList<>();
        for (var e : counts.entrySet()) {
            for (int i = 0; i < e.getValue(); i++) {
                int id = i;
                Runnable r = switch (e.getKey()) {
                    case "honest-imap" -> () -> c.honestImap(id);
                    case "honest-smtp" -> () -> c.honestSmtp(id);
                    case "honest-pop3" -> () -> c.honestPop3(id);
                    case "slow-reader" -> () -> c.abusive("slow-reader (993)", id, c.imaps, true, 4096, c::slowReader);
                    case "half-open-tls" -> id % 2 == 0
                            ? () -> c.abusive("half-open-tls 993", id, c.imaps, false, 0, c::halfOpenTls)
                            : () -> c.abusive("half-open-tls 995", id, c.pop3s, false, 0, c::halfOpenTls);
                    case "literal-append" -> () -> c.abusive("literal-flood APPEND", id, c.imaps, true, 0,
                            (w, rnd, k) -> c.literalFlood(w, rnd, k, true));
                    case "literal-other" -> () -> c.abusive("literal-flood non-APPEND", id, c.imaps, true, 0,
                            (w, rnd, k) -> c.literalFlood(w, rnd, k, false));
                    case "login-flood" -> switch (id % 3) {
                        case 0 -> () -> c.abusive("login-flood imap", id, c.imaps, true, 0,
                                (w, rnd, k) -> c.loginFlood(w, rnd, k, "imap"));
                        case 1 -> () -> c.abusive("login-flood pop3", id, c.pop3s, true, 0,
                                (w, rnd, k) -> c.loginFlood(w, rnd, k, "pop3"));
                        default -> () -> c.abusive("login-flood submission", id, c.submission, false, 0,
                                (w, rnd, k) -> c.loginFlood(w, rnd, k, "submission"));
                    };
                    case "idle-prelogin" -> id % 2 == 0
                            ? () -> c.abusive("idle-prelogin 25", id, c.smtp, false, 0, c::idlePreLogin)
                            : () -> c.abusive("idle-prelogin 993", id, c.imaps, true, 0, c::idlePreLogin);
                    case "oversized-line" -> switch (id % 3) {
                        case 0 -> () -> c.abusive("oversized-line imap", id, c.imaps, true, 0,
                                (w, rnd, k) -> c.oversizedLines(w, rnd, k, "imap"));
                        case 1 -> () -> c.abusive("oversized-line smtp25", id, c.smtp, false, 0,
                                (w, rnd, k) -> c.oversizedLines(w, rnd, k, "smtp"));
                        default -> () -> c.abusive("oversized-line pop3", id, c.pop3s, true, 0,
                                (w, rnd, k) -> c.oversizedLines(w, rnd, k, "pop3"));
                    };
                    default -> throw new IllegalStateException(e.getKey());
                };
                threads.add(Thread.ofVirtual().name(e.getKey() + "-" + id).start(() -> {
                    try {
                        r.run();
                    } catch (RuntimeException | Error ex) {
                        System.out.println("client " + e.getKey() + "-" + id + " died: " + ex);
                    }
                }));
            }
        }
        return threads;
    }

    // ---------------------------------------------------------------- set-up

    private static void cli(Path jar, Path dir, Path config, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--config", config.toString()));
        Path out = dir.resolve("cli.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
        try (var o = p.getOutputStream()) {
            if (stdin != null) o.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("tegami " + String.join(" ", args) + " failed: " + Files.readString(out));
        }
    }

    /**
     * Adds the honest users (one Argon2id hash shared by all), five small messages in each INBOX so FETCH and
     * RETR have something from the start, and a 8 MiB message in mallory's INBOX for the slow readers.
     */
    private static void prepareStore(Path data, List<String> imapUsers, List<String> popUsers) throws IOException {
        String hash = new PasswordHasher().hash(SoakClients.PASSWORD.toCharArray());
        try (EmbeddedStore store = EmbeddedStore.open(data, InstantSource.system())) {
            byte[] small = SoakClients.message("seed", "seed@example.test", "seed", 2000);
            BlobId smallBlob = blob(store, small);
            List<String> all = new ArrayList<>(imapUsers);
            all.addAll(popUsers);
            for (String u : all) {
                Account a = store.accounts().addUser(EmailAddress.parse(u).orElseThrow(), hash);
                Mailbox inbox = store.mail().mailbox(a.id(), Mailbox.INBOX).orElseThrow();
                for (int i = 0; i < 5; i++) store.mail().append(inbox.id(), smallBlob, small.length, Instant.now(), Set.of());
            }
            Account m = store.accounts().user(EmailAddress.parse(SoakClients.MALLORY).orElseThrow()).orElseThrow();
            byte[] big = SoakClients.message("big", SoakClients.MALLORY, "big", 8 * 1024 * 1024);
            store.mail().append(store.mail().mailbox(m.id(), Mailbox.INBOX).orElseThrow().id(), blob(store, big), big.length,
                    Instant.now(), Set.of());
        }
    }

    private static BlobId blob(EmbeddedStore store, byte[] bytes) throws IOException {
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(bytes);
            return w.commit();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void awaitGreeting(int port, Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) throw new IllegalStateException("server exited with " + server.exitValue());
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(5000);
                byte[] b = new byte[4];
                if (s.getInputStream().readNBytes(b, 0, 4) == 4 && new String(b, StandardCharsets.US_ASCII).equals("220 ")) return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("server did not greet on port " + port);
    }

    // ---------------------------------------------------------------- sampling

    private static Sample sample(long pid, Process p, SoakStats stats, long[] cpuBefore, double dt) {
        double t = stats.elapsed();
        boolean alive = p.isAlive();
        Map<String, Double> gc = alive ? jstat(pid) : Map.of();
        double used = -1;
        double committed = -1;
        if (!gc.isEmpty()) {
            used = (gc.get("S0U") + gc.get("S1U") + gc.get("EU") + gc.get("OU")) / 1024;
            committed = (gc.get("S0C") + gc.get("S1C") + gc.get("EC") + gc.get("OC")) / 1024;
        }
        Map<String, String> status = procStatus(pid);
        int threads = status.containsKey("Threads") ? Integer.parseInt(status.get("Threads").trim()) : -1;
        double rss = status.containsKey("VmRSS") ? Long.parseLong(status.get("VmRSS").trim().split("\\s+")[0]) / 1024.0 : -1;
        int fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) s.count();
        } catch (IOException | RuntimeException e) {
            fds = -1;
        }
        long ticks = cpuTicks(pid);
        double cpu = ticks < 0 || cpuBefore[0] < 0 ? -1 : (ticks - cpuBefore[0]) / 100.0 / dt * 100;
        cpuBefore[0] = ticks;
        double[] iv = stats.takeInterval();
        long clientNanos = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
        double clientCpu = clientNanos < 0 || cpuBefore[1] < 0 ? -1 : (clientNanos - cpuBefore[1]) / 1e9 / dt * 100;
        cpuBefore[1] = clientNanos;
        double load;
        try {
            load = Double.parseDouble(loadAverage().split(" ")[0]);
        } catch (RuntimeException e) {
            load = -1;
        }
        return new Sample(t, used, committed, gc.getOrDefault("YGC", -1.0).longValue(), gc.getOrDefault("FGC", -1.0).longValue(),
                threads, rss, fds, SoakWire.HONEST_OPEN.get(), SoakWire.ABUSIVE_OPEN.get(), iv[2] / dt,
                stats.honestOps.sum() / t, iv[0], iv[1], stats.honestErrors.sum(), cpu, clientCpu, load, alive);
    }

    private static void print(Sample s) {
        System.out.printf("%5.0f %8.1fM %9.1fM %4d %3d %7d %5.0fM %5d %7d %7d %11.1f %10.1f %6.0f %6.0f %6d %5.0f %7.0f %5.1f  %s%n",
                s.t(), s.heapUsedMiB(), s.heapCommittedMiB(), s.ygc(), s.fgc(), s.threads(), s.rssMiB(), s.fds(),
                s.honestOpen(), s.abusiveOpen(), s.opsInterval(), s.opsTotal(), s.p50(), s.p99(), s.errors(), s.cpu(),
                s.clientCpu(), s.load(), s.alive() ? "up" : "EXITED");
    }

    /** {@code jstat -gc PID}: column name to value (KiB for sizes, counts for YGC/FGC); empty if it fails. */
    static Map<String, Double> jstat(long pid) {
        try {
            Process j = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstat").toString(), "-gc",
                    Long.toString(pid)).redirectErrorStream(true).start();
            String out = new String(j.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            if (!j.waitFor(15, TimeUnit.SECONDS)) {
                j.destroyForcibly();
                return Map.of();
            }
            String[] lines = out.trim().split("\n");
            if (lines.length < 2) return Map.of();
            String[] h = lines[0].trim().split("\\s+");
            String[] v = lines[1].trim().split("\\s+");
            Map<String, Double> m = new HashMap<>();
            for (int i = 0; i < Math.min(h.length, v.length); i++) {
                try {
                    m.put(h[i], Double.parseDouble(v[i]));
                } catch (NumberFormatException ignored) {
                    m.put(h[i], 0.0); // "-" for an absent space
                }
            }
            return m.containsKey("OU") ? m : Map.of();
        } catch (IOException | InterruptedException e) {
            return Map.of();
        }
    }

    /** The first {@code n} rows of {@code jcmd PID GC.class_histogram} (live objects, after a full GC). */
    private static List<String> classHistogram(long pid, int n) {
        try {
            Path out = Files.createTempFile("soak-histogram-", ".txt");
            try {
                Process j = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!j.waitFor(60, TimeUnit.SECONDS)) {
                    j.destroyForcibly();
                    return List.of("(jcmd did not answer within 60 s)");
                }
                List<String> rows = Files.readAllLines(out, StandardCharsets.UTF_8);
                return rows.subList(Math.min(1, rows.size()), Math.min(rows.size(), n + 3));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException | InterruptedException e) {
            return List.of("(jcmd failed: " + e + ")");
        }
    }

    private static Map<String, String> procStatus(long pid) {
        Map<String, String> m = new HashMap<>();
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                int i = l.indexOf(':');
                if (i > 0) m.put(l.substring(0, i), l.substring(i + 1));
            }
        } catch (IOException e) {
            // gone
        }
        return m;
    }

    /** utime + stime of the process in clock ticks (USER_HZ, 100 on Linux), -1 when gone. */
    private static long cpuTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Follows the server's output, noting when lines with an alarm word first appear and how many there are. */
    static final class LogWatch {
        private final Path log;
        private final SoakStats stats;
        private volatile boolean stopped;
        final Map<String, AtomicLong> counts = new LinkedHashMap<>();
        final Map<String, String> first = new LinkedHashMap<>();
        final List<String> firstLines = new ArrayList<>();
        /** Log lines per level ({@code 2026-01-02 03:04:05 LEVEL logger: message}) and the first of each. */
        final Map<String, AtomicLong> levels = new java.util.TreeMap<>();
        final Map<String, String> firstOfLevel = new java.util.TreeMap<>();
        private static final java.util.regex.Pattern LEVEL =
                java.util.regex.Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d (\\w+) ");

        LogWatch(Path log, SoakStats stats) {
            this.log = log;
            this.stats = stats;
            for (String a : ALARMS) counts.put(a, new AtomicLong());
        }

        void stop() {
            stopped = true;
        }

        void run(long until) {
            long pos = 0;
            StringBuilder partial = new StringBuilder();
            while (true) {
                boolean last = stopped || System.nanoTime() > until;
                try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                    long len = f.length();
                    if (len > pos) {
                        f.seek(pos);
                        byte[] b = new byte[(int) Math.min(len - pos, 1 << 20)];
                        f.readFully(b);
                        pos += b.length;
                        partial.append(new String(b, StandardCharsets.UTF_8));
                        int nl;
                        while ((nl = partial.indexOf("\n")) >= 0) {
                            line(partial.substring(0, nl));
                            partial.delete(0, nl + 1);
                        }
                        if (pos < len) continue;
                    }
                } catch (IOException e) {
                    // not there yet
                }
                if (last) return;
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private synchronized void line(String l) {
            java.util.regex.Matcher m = LEVEL.matcher(l);
            if (m.lookingAt()) {
                levels.computeIfAbsent(m.group(1), k -> new AtomicLong()).incrementAndGet();
                if (!m.group(1).equals("INFO") && !m.group(1).equals("DEBUG")) {
                    firstOfLevel.putIfAbsent(m.group(1), String.format("t=%.1fs: %s", stats.elapsed(), abbreviate(l, 220)));
                }
            }
            boolean alarming = false;
            for (String a : ALARMS) {
                if (l.contains(a)) {
                    alarming = true;
                    counts.get(a).incrementAndGet();
                    first.putIfAbsent(a, String.format("t=%.1fs: %s", stats.elapsed(), abbreviate(l, 220)));
                }
            }
            if (alarming && firstLines.size() < 12) {
                firstLines.add(String.format("t=%.1fs: %s", stats.elapsed(), abbreviate(l, 220)));
            }
        }
    }

    static String abbreviate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n) + "...";
    }

    // ---------------------------------------------------------------- verification and report

    /** Opens the stopped server's data directory and returns each X-Soak-Id found in an INBOX, with its user. */
    private static Map<String, String> storedIds(Path data, int[] messages) throws IOException {
        Map<String, String> found = new HashMap<>();
        try (EmbeddedStore store = EmbeddedStore.open(data, InstantSource.system())) {
            for (Account a : store.accounts().users()) {
                var inbox = store.mail().mailbox(a.id(), Mailbox.INBOX);
                if (inbox.isEmpty()) continue;
                for (MessageMeta m : store.mail().messages(inbox.get().id())) {
                    messages[0]++;
                    byte[] head;
                    try (InputStream in = store.blobs().open(m.content())) {
                        head = in.readNBytes(16 * 1024);
                    }
                    String s = new String(head, StandardCharsets.ISO_8859_1);
                    int i = s.indexOf("\r\nX-Soak-Id: ");
                    if (i < 0) continue;
                    int e = s.indexOf("\r\n", i + 13);
                    found.put(s.substring(i + 13, e), a.address().toString());
                }
            }
        }
        return found;
    }

    private static void report(SoakStats stats, SoakClients c, List<Sample> samples, LogWatch watch, String stop,
                               boolean aliveAtEnd, Double deathAt, Path data, Path log, boolean keep) throws IOException {
        System.out.println();
        System.out.println("== honest operations (latency from request to complete answer; errors include timeouts)");
        System.out.println("  operation              count   errors    p50 ms    p95 ms    p99 ms    max ms");
        long allOk = 0;
        long allErr = 0;
        for (var e : stats.ops.entrySet()) {
            long[] s = e.getValue().sorted();
            long err = e.getValue().errors.sum();
            allOk += s.length;
            allErr += err;
            System.out.printf("  %-18s %9d %8d %9.1f %9.1f %9.1f %9.1f%n", e.getKey(), s.length, err, SoakStats.pct(s, 0.5) / 1e6,
                    SoakStats.pct(s, 0.95) / 1e6, SoakStats.pct(s, 0.99) / 1e6, s.length == 0 ? 0 : s[s.length - 1] / 1e6);
        }
        System.out.printf("  all: %d completed, %d errors; %.1f ops/s over %.0f s%n", allOk, allErr,
                allOk / Math.max(1, samples.isEmpty() ? 1 : samples.getLast().t()), samples.isEmpty() ? 0 : samples.getLast().t());
        for (var e : stats.ops.entrySet()) {
            if (e.getValue().errors.sum() == 0) continue;
            System.out.printf("  errors of %s (first: %s):%n", e.getKey(), e.getValue().firstError);
            for (var k : SoakStats.top(e.getValue().errorKinds, 4)) System.out.printf("    %6d  %s%n", k.getValue().sum(), k.getKey());
        }

        System.out.println();
        System.out.println("== abusive clients (what the server did to them)");
        System.out.println("  kind                        clients connects conn-fail closed-by-server mean-life-s held-to-end attempts");
        for (var e : stats.kinds.entrySet()) {
            SoakStats.Kind k = e.getValue();
            long n = k.lifetimes.sum();
            System.out.printf("  %-27s %7d %8d %9d %16d %11.1f %11d %8d%n", e.getKey(), k.clients.sum(), k.connects.sum(),
                    k.connectFailed.sum(), k.closedByServer.sum(), n == 0 ? 0 : k.lifetimeMs.sum() / 1000.0 / n,
                    k.heldToTheEnd.sum(), k.attempts.sum());
            for (var a : SoakStats.top(k.answers, 4)) System.out.printf("      %7d  %s%n", a.getValue().sum(), a.getKey());
        }

        System.out.println();
        System.out.println("== server");
        System.out.println("  process: " + (aliveAtEnd ? "up for the whole run" : "EXITED during the run (first seen at t="
                + deathAt + " s)") + "; at the end it " + stop);
        for (var e : watch.counts.entrySet()) {
            System.out.printf("  output lines with %-20s %6d%s%n", "\"" + e.getKey() + "\":", e.getValue().get(),
                    watch.first.containsKey(e.getKey()) ? "   first " + watch.first.get(e.getKey()) : "");
        }
        System.out.println("  log lines by level: " + watch.levels);
        for (var e : watch.firstOfLevel.entrySet()) System.out.println("    first " + e.getKey() + " " + e.getValue());
        if (!watch.firstLines.isEmpty()) {
            System.out.println("  first alarming lines:");
            for (String l : watch.firstLines) System.out.println("    " + l);
        }
        if (!samples.isEmpty()) {
            Sample maxHeap = samples.stream().max(Comparator.comparingDouble(Sample::heapUsedMiB)).orElseThrow();
            Sample maxThreads = samples.stream().max(Comparator.comparingInt(Sample::threads)).orElseThrow();
            Sample maxRss = samples.stream().max(Comparator.comparingDouble(Sample::rssMiB)).orElseThrow();
            System.out.printf("  heap used: first %.0f MiB, max %.0f MiB (t=%.0f s), last %.0f MiB; full GCs %d; threads max %d"
                    + " (t=%.0f s), last %d; RSS max %.0f MiB%n", samples.getFirst().heapUsedMiB(), maxHeap.heapUsedMiB(),
                    maxHeap.t(), samples.getLast().heapUsedMiB(), samples.getLast().fgc(), maxThreads.threads(), maxThreads.t(),
                    samples.getLast().threads(), maxRss.rssMiB());
        }

        System.out.println();
        System.out.println("== acknowledged messages (server stopped, data directory opened with the store API)");
        int[] messages = {0};
        Map<String, String> found;
        try {
            found = storedIds(data, messages);
        } catch (RuntimeException e) {
            System.out.println("  the store did not open: " + e);
            return;
        }
        check("SMTP 250", c.smtpAcked, found);
        check("APPEND OK", c.appendAcked, found);
        long unacked = found.keySet().stream().filter(id -> id.startsWith("smtp-") || id.startsWith("imap-"))
                .filter(id -> !c.smtpAcked.containsKey(id) && !c.appendAcked.containsKey(id)).count();
        System.out.printf("  %d messages in INBOXes; %d stored soak messages were never acknowledged (answer lost when a"
                + " connection ended: allowed)%n", messages[0], unacked);
        if (keep) System.out.println("  data and server output kept in " + data.getParent());
        else if (!aliveAtEnd || watch.counts.get("OutOfMemoryError").get() > 0) {
            System.out.println("  last lines of the server output:");
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (String l : lines.subList(Math.max(0, lines.size() - 15), lines.size())) System.out.println("    " + abbreviate(l, 200));
        }
    }

    private static void check(String what, Map<String, String> acked, Map<String, String> found) {
        List<String> missing = new ArrayList<>();
        int wrongUser = 0;
        for (var e : acked.entrySet()) {
            String u = found.get(e.getKey());
            if (u == null) missing.add(e.getKey());
            else if (!u.equalsIgnoreCase(e.getValue())) wrongUser++;
        }
        System.out.printf("  %-10s acknowledged %7d, found %7d, MISSING %d%s%s%n", what, acked.size(), acked.size() - missing.size(),
                missing.size(), wrongUser > 0 ? ", in the wrong mailbox " + wrongUser : "",
                missing.isEmpty() ? "" : " e.g. " + missing.subList(0, Math.min(10, missing.size())));
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // gone already
        }
    }
}
