package org.tegami.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.Mailbox;
import org.tegami.testkit.TestTls;

/**
 * The IMAP issue's benchmarks (b) and (c): SELECT and {@code FETCH 1:* (UID FLAGS)} on a large mailbox, over
 * 993 with TLS, and the server's heap per idle IDLE connection over TLS, the clients running in a separate JVM
 * ({@link ImapIdleClients}) so that their memory is not counted.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.tegami.bench.ImapBench [messages] [idleConnections]</pre>
 */
public final class ImapBench {
    static final String USER = "alice@example.test";
    static final String PASSWORD = "bench-password";

    private ImapBench() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int idle = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        try (TegamiServer server = startImapsOnly("tegami-imapbench-", idle + 100)) {
            Account alice = server.store().accounts().user(EmailAddress.parse(USER).orElseThrow()).orElseThrow();
            int port = server.port("imaps");
            Mailbox big = server.store().mail().createMailbox(alice.id(), "Big", java.util.Optional.empty());
            populate(server, big, messages);
            largeMailbox(port, messages);
            idleMemory(port, idle);
        }
    }

    /**
     * A server in a new directory under the working directory listening only on 993 (ephemeral port), with the
     * bench user; {@code connections} raises the per-address connection cap for the load generator.
     */
    static TegamiServer startImapsOnly(String prefix, int connections) throws IOException {
        return startImapsOnly(imapsOnlyConfig(prefix, connections));
    }

    /** Starts the server of an {@link #imapsOnlyConfig} and adds the bench user. */
    static TegamiServer startImapsOnly(Path config) throws IOException {
        TegamiServer server = TegamiServer.start(ConfigLoader.load(config), InstantSource.system());
        server.store().accounts().addDomain("example.test");
        server.store().accounts().addUser(EmailAddress.parse(USER).orElseThrow(),
                new PasswordHasher().hash(PASSWORD.toCharArray()));
        return server;
    }

    /** The configuration file of such a server, in a new directory under the working directory. */
    static Path imapsOnlyConfig(String prefix, int connections) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("."), prefix);
        Path config = dir.resolve("tegami.toml");
        Files.writeString(config, """
                hostname = "bench.example.test"
                data_dir = "data"
                [listen]
                smtp = []
                submission = []
                submissions = []
                pop3 = []
                pop3s = []
                imap = []
                imaps = ["127.0.0.1:0"]
                managesieve = []
                metrics = []
                [limits]
                connections = %d
                connections_per_ip = %d
                """.formatted(connections, connections));
        return config;
    }

    /** Appends {@code n} small messages from 16 threads (group commit), printing progress. */
    private static void populate(TegamiServer server, Mailbox big, int n) throws Exception {
        long t0 = System.nanoTime();
        byte[] msg = "From: bench@example.org\r\nSubject: bench\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        BlobId blob;
        try (BlobStore.BlobWriter w = server.store().blobs().create()) {
            w.stream().write(msg);
            blob = w.commit();
            server.store().mail().append(big.id(), blob, msg.length, Instant.now(), Set.of());
        }
        AtomicInteger done = new AtomicInteger(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                fs.add(pool.submit(() -> {
                    while (done.getAndIncrement() < n) {
                        server.store().mail().append(big.id(), blob, msg.length, Instant.now(),
                                done.get() % 3 == 0 ? Set.of("\\Seen") : Set.of());
                        if (done.get() % 20_000 == 0) System.out.printf("  populated %,d messages%n", done.get());
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        System.out.printf("populated %,d messages in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    }

    private static void largeMailbox(int port, int messages) throws IOException {
        try (Client c = new Client(port)) {
            c.command("a LOGIN " + USER + " " + PASSWORD);
            long[] select = new long[7];
            long[] fetch = new long[7];
            long fetchBytes = 0;
            for (int i = 0; i < select.length; i++) {
                long t0 = System.nanoTime();
                c.command("s SELECT Big");
                select[i] = System.nanoTime() - t0;
                t0 = System.nanoTime();
                fetchBytes = c.command("f FETCH 1:* (UID FLAGS)");
                fetch[i] = System.nanoTime() - t0;
            }
            System.out.printf("SELECT on %,d messages: median %.1f ms (goal < 100 ms); runs %s%n", messages,
                    median(select), ms(select));
            System.out.printf("FETCH 1:* (UID FLAGS) on %,d messages: median %.1f ms (goal < 300 ms), %,d bytes; runs %s%n",
                    messages, median(fetch), fetchBytes, ms(fetch));
            // IMAP extensions issue: SORT and THREAD on the same mailbox (goal: under 500 ms each)
            for (String cmd : new String[] {"SORT (ARRIVAL) UTF-8 ALL", "SORT (SUBJECT) UTF-8 ALL", "SORT (FROM) UTF-8 ALL",
                    "THREAD REFERENCES UTF-8 ALL"}) {
                long[] runs = new long[5];
                for (int i = 0; i < runs.length; i++) {
                    long t0 = System.nanoTime();
                    c.command("x " + cmd);
                    runs[i] = System.nanoTime() - t0;
                }
                System.out.printf("%s on %,d messages: median %.1f ms (goal < 500 ms); runs %s%n", cmd, messages,
                        median(runs), ms(runs));
            }
        }
    }

    private static void idleMemory(int port, int n) throws Exception {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ImapIdleClients.class.getName(),
                Integer.toString(port), Integer.toString(n)).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            int first = waitIdling(r);
            gc();
            long before = mem.getHeapMemoryUsage().getUsed();
            p.getOutputStream().write('\n');
            p.getOutputStream().flush();
            int all = waitIdling(r);
            gc();
            long after = mem.getHeapMemoryUsage().getUsed();
            System.out.printf("IDLE over TLS: server heap %.1f MiB with %,d connections, %.1f MiB with %,d: %.1f KiB per"
                    + " connection (goal < 64 KiB)%n", before / 1048576.0, first, after / 1048576.0, all,
                    (after - before) / 1024.0 / (all - first));
        } finally {
            p.destroy();
        }
    }

    /** Echoes the clients' progress until they say {@code idling N}; returns N. */
    private static int waitIdling(BufferedReader r) throws IOException {
        String line;
        while ((line = r.readLine()) != null) {
            System.out.println("  clients: " + line);
            if (line.startsWith("idling ")) return Integer.parseInt(line.substring(7));
        }
        throw new IOException("the client process ended");
    }

    private static void gc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
    }

    static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }

    static String ms(long[] nanos) {
        StringBuilder sb = new StringBuilder();
        for (long n : nanos) sb.append(String.format("%.0f ", n / 1e6));
        return sb.toString().trim();
    }

    /** A minimal IMAP client over TLS: sends a command, reads to its tagged response, counts the bytes. */
    static final class Client implements AutoCloseable {
        private final SSLSocket socket;
        private final InputStream in;
        private final OutputStream out;

        Client(int port) throws IOException {
            socket = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory().createSocket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            socket.startHandshake();
            in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
            out = socket.getOutputStream();
            readUntil("* OK");
        }

        /** Sends a command tagged with its first word and returns the response bytes up to the tagged line. */
        long command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readUntil(line.substring(0, line.indexOf(' ') + 1));
        }

        void raw(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        void send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Reads lines until one starts with {@code prefix}; no literals are expected in these responses. */
        long readUntil(String prefix) throws IOException {
            long total = 0;
            byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
            while (true) {
                int len = 0;
                boolean match = true;
                int b;
                while ((b = in.read()) != '\n') {
                    if (b < 0) throw new IOException("connection closed");
                    if (len < p.length && b != p[len]) match = false;
                    len++;
                }
                total += len + 1;
                if (match && len >= p.length) return total;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
