package org.tegami.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real S3-compatible server on loopback for tests: Adobe's S3Mock, run from its standalone jar (a test
 * dependency, {@code com.adobe.testing:s3mock:exec}) as a separate Java process, one per test JVM, stopped when
 * the JVM exits. It speaks the S3 REST API (SigV4-signed requests are accepted without checking the keys), keeps
 * objects in a temporary directory, and supports ranged GETs, multipart uploads and ListObjectsV2. Tests take a
 * fresh bucket each ({@link #newBucket}). It binds port 0 and reads back the port it got, so servers starting at
 * the same time never race for a port. See docs/adr/0021-s3-blobs.md.
 */
public final class S3TestServer {
    /** Any keys do: S3Mock does not check signatures. */
    public static final String ACCESS_KEY = "tegami-test";
    public static final String SECRET_KEY = "tegami-test-secret";

    private static S3TestServer shared;
    private static final AtomicInteger buckets = new AtomicInteger();

    private final Process process;
    private final URI endpoint;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private S3TestServer(Process process, URI endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
    }

    /** The server of this JVM, started on first use (about 5 s). */
    public static synchronized S3TestServer get() throws IOException {
        if (shared == null || !shared.process.isAlive()) shared = start();
        return shared;
    }

    /** The endpoint to configure, {@code http://127.0.0.1:PORT}. */
    public URI endpoint() {
        return endpoint;
    }

    /** Creates a bucket no other test uses and returns its name. */
    public String newBucket() throws IOException {
        String name = "test-" + ProcessHandle.current().pid() + "-" + buckets.incrementAndGet();
        HttpResponse<String> r = send(HttpRequest.newBuilder(endpoint.resolve("/" + name))
                .PUT(HttpRequest.BodyPublishers.noBody()));
        if (r.statusCode() != 200) throw new IOException("cannot create bucket " + name + ": " + r.statusCode() + " " + r.body());
        return name;
    }

    /** Every object key in a bucket, in order (ListObjectsV2, following continuation tokens). */
    public List<String> keys(String bucket) throws IOException {
        List<String> out = new ArrayList<>();
        String token = null;
        while (true) {
            String q = "/" + bucket + "?list-type=2" + (token == null ? ""
                    : "&continuation-token=" + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8));
            HttpResponse<String> r = send(HttpRequest.newBuilder(endpoint.resolve(q)).GET());
            if (r.statusCode() != 200) throw new IOException("cannot list bucket " + bucket + ": " + r.statusCode() + " " + r.body());
            Matcher m = Pattern.compile("<Key>([^<]*)</Key>").matcher(r.body());
            while (m.find()) out.add(m.group(1));
            Matcher next = Pattern.compile("<NextContinuationToken>([^<]*)</NextContinuationToken>").matcher(r.body());
            if (!r.body().contains("<IsTruncated>true</IsTruncated>") || !next.find()) return out;
            token = next.group(1);
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException {
        try {
            return http.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /**
     * Starts a server of its own (about 5 s), for tests that need more than the shared one; {@link #stop} ends it (the
     * JVM's exit does too).
     */
    public static S3TestServer startNew() throws IOException {
        return start();
    }

    /** Stops this server's process (for a server from {@link #startNew}; the shared one stops when the JVM exits). */
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /**
     * S3Mock binds port 0 (the kernel picks a free port as it binds, so two servers starting at once, in this JVM
     * or another, never race for one) and says which port it got in its log, where this reads it back.
     */
    private static S3TestServer start() throws IOException {
        Path jar = jar();
        Path dir = Files.createTempDirectory("tegami-s3mock");
        Path log = dir.resolve("s3mock.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString(),
                "--http.port=0", "--server.port=0", "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.store.root=" + dir.resolve("root"),
                "--com.adobe.testing.s3mock.max-payload-size=64MB",
                "--spring.main.banner-mode=off", "--logging.level.root=WARN",
                // the one INFO line that names the ports bound
                "--logging.level." + TOMCAT_LOGGER + "=INFO");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException ignored) {
                p.destroyForcibly();
            }
        }));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        S3TestServer server = null;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new IOException("S3Mock exited at start:\n" + tail(log));
            if (server == null) {
                int port = boundPort(log);
                if (port > 0) server = new S3TestServer(p, URI.create("http://127.0.0.1:" + port), log);
            }
            if (server != null) {
                try {
                    if (server.send(HttpRequest.newBuilder(server.endpoint.resolve("/")).GET()).statusCode() == 200) return server;
                } catch (IOException notYet) {
                    // still starting
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException(e);
            }
        }
        p.destroyForcibly();
        throw new IOException("S3Mock did not " + (server == null ? "say which port it bound" : "answer")
                + " within 60 s:\n" + tail(log));
    }

    /** Spring Boot's Tomcat server, which logs the ports it bound. */
    private static final String TOMCAT_LOGGER = "org.springframework.boot.tomcat.TomcatWebServer";
    /** {@code Tomcat started on ports 42801 (https), 40939 (http) with context path '/'}. */
    private static final Pattern STARTED = Pattern.compile("Tomcat started on ports? .*?(\\d+) \\(http\\)");

    /** The http port S3Mock's log says it bound, or 0 while it has not said yet. */
    static int boundPort(Path log) throws IOException {
        if (!Files.exists(log)) return 0;
        Matcher m = STARTED.matcher(Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * S3Mock's standalone jar, which Maven put on the test classpath; or where {@code -Dtegami.s3mock.jar} says (for
     * benchmarks run from a jar).
     */
    private static Path jar() throws IOException {
        String given = System.getProperty("tegami.s3mock.jar");
        if (given != null) return Path.of(given);
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.startsWith("s3mock-") && name.endsWith("-exec.jar")) return Path.of(entry);
        }
        throw new IOException("S3Mock's jar is not on the classpath: add the test dependency"
                + " com.adobe.testing:s3mock (classifier exec, no transitive dependencies) to this module's pom.xml");
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return "S3Mock at " + endpoint + " (log " + log + ")";
    }
}
