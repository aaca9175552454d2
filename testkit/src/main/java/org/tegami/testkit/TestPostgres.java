package org.tegami.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests: one per JVM, started on first use from the distribution's binaries
 * ({@code /usr/lib/postgresql/<version>/bin}, the newest found, or {@code $TEGAMI_PG_BIN}) in a temporary directory,
 * listening on 127.0.0.1 on an ephemeral port with its Unix socket in that directory, trust authentication, stopped
 * when the JVM exits. Each test takes a fresh database from {@link #newDatabase()}.
 *
 * <p>initdb and postgres refuse to run as root: as root, they run as the {@code postgres} user (the Debian package
 * creates it) through {@code runuser}. Tests call {@link #available()} and are skipped with {@link #WHY_MISSING}
 * only where no binaries exist; CI installs the {@code postgresql} package, so there they run.
 */
public final class TestPostgres {
    /** The message tests are skipped with when PostgreSQL is not installed. */
    public static final String WHY_MISSING = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install"
            + " postgresql, or set TEGAMI_PG_BIN); PostgreSQL tests skipped";
    public static final String USER = "tegami";

    private static TestPostgres instance;
    private final Path dir;
    private final Path bin;
    private final int port;
    private final boolean asPostgresUser;
    private final AtomicInteger databases = new AtomicInteger();

    /** A database: its JDBC URL, user and (empty: trust) password. */
    public record Database(String url, String user, String password) {}

    private TestPostgres(Path bin) throws IOException, InterruptedException {
        this.bin = bin;
        this.asPostgresUser = "root".equals(System.getProperty("user.name"));
        dir = Files.createTempDirectory("tegami-pg");
        if (asPostgresUser) {
            // the postgres user must write here; the data directory inside is its own (0700, made by initdb)
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        port = FreePort.pick(); // PostgreSQL binds it later, in another process
        Path data = dir.resolve("data");
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--auth=trust", "-E", "UTF8",
                "--locale=C", "--no-sync"), 120);
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("log").toString(), "-w",
                "-t", "60", "-o", "-p " + port + " -h 127.0.0.1 -k " + dir + " -c max_connections=300"
                        + " -c fsync=on -c synchronous_commit=on", "start"), 90);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    }

    /** Where the binaries are, if anywhere: {@code $TEGAMI_PG_BIN}, else the newest {@code /usr/lib/postgresql/N/bin}. */
    public static Optional<Path> binaries() {
        String env = System.getenv("TEGAMI_PG_BIN");
        if (env != null && Files.isExecutable(Path.of(env, "pg_ctl"))) return Optional.of(Path.of(env));
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) return Optional.empty();
        try (Stream<Path> versions = Files.list(base)) {
            return versions.filter(p -> p.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .map(p -> p.resolve("bin"))
                    .filter(p -> Files.isExecutable(p.resolve("pg_ctl")) && Files.isExecutable(p.resolve("initdb")))
                    .max(Comparator.comparingDouble(p -> Double.parseDouble(p.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static boolean available() {
        return binaries().isPresent();
    }

    /** The shared server, started on first use. */
    public static synchronized TestPostgres get() {
        if (instance == null) {
            Path bin = binaries().orElseThrow(() -> new IllegalStateException(WHY_MISSING));
            try {
                instance = new TestPostgres(bin);
            } catch (IOException e) {
                throw new IllegalStateException("cannot start PostgreSQL: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting PostgreSQL", e);
            }
        }
        return instance;
    }

    public int port() {
        return port;
    }

    /**
     * A new, empty store on the shared server: a schema of its own in one shared database (creating a database per
     * test copies a thousand files each), reached through the URL's {@code currentSchema}.
     */
    public Database newDatabase() {
        String name = "t" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url("postgres"), USER, "");
             Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test schema: " + e.getMessage(), e);
        }
        return new Database(url("postgres") + "?currentSchema=" + name, USER, "");
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private void run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (asPostgresUser) cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        cmd.addAll(command);
        Path out = Files.createTempFile("tegami-pg-cmd", ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        String output = Files.readString(out);
        Files.deleteIfExists(out);
        if (!done) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s: " + output);
        }
        if (p.exitValue() != 0) {
            String log = Files.exists(dir.resolve("log")) ? Files.readString(dir.resolve("log")) : "";
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + output + log);
        }
    }

    private void stop() {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w",
                    "stop"), 30);
        } catch (IOException | InterruptedException e) {
            System.err.println("TestPostgres: stopping failed: " + e.getMessage());
        }
        try {
            // Not waited for: thousands of files (a schema per test) can take longer than the JVM may spend exiting.
            new ProcessBuilder("rm", "-rf", dir.toString()).start();
        } catch (IOException ignored) {
            // a temporary directory left behind
        }
    }
}
