package org.tegami.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the two servers of {@link DovecotSideBySideBench} in one temporary directory: Tegami
 * ({@code tegami.jar serve}, users from {@code tegami user import}) and Dovecot ({@code dovecot -F} with a
 * throwaway configuration: IMAPS only on 127.0.0.1, a passwd-file of SHA512-CRYPT hashes, Maildir under the
 * directory, mail stored as {@code nobody}). Both present the same ECDSA P-256 certificate.
 */
final class SideBySideServers {
    /** Dovecot's high-performance mode (the default here) rather than its one-process-per-connection default. */
    static final boolean FAST = !"default".equals(System.getProperty("sbs.dovecot", "fast"));

    private final Path dir;
    private final int users;

    SideBySideServers(Path dir, int users) {
        this.dir = dir;
        this.users = users;
    }

    void certificate() throws Exception {
        run(null, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(), "-days", "2",
                "-subj", "/CN=bench.example.test", "-addext", "subjectAltName=DNS:bench.example.test");
    }

    DovecotSideBySideBench.Target startTegami(Path jar, List<Process> servers) throws Exception {
        return startTegami("tegami", jar, servers);
    }

    /** A Tegami of the given jar in its own subdirectory {@code name}, reported under that name. */
    DovecotSideBySideBench.Target startTegami(String name, Path jar, List<Process> servers) throws Exception {
        Path t = Files.createDirectories(dir.resolve(name));
        int port = SoakBench.freePort();
        Path config = t.resolve("tegami.toml");
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
                imaps = ["127.0.0.1:%d"]
                managesieve = []
                metrics = []
                [tls]
                cert = "%s"
                key = "%s"
                [limits]
                connections = 2000
                connections_per_ip = 2000
                """.formatted(port, dir.resolve("cert.pem"), dir.resolve("key.pem")));
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < users; i++) {
            list.append(DovecotSideBySideBench.user(i)).append(' ').append(DovecotSideBySideBench.password(i)).append('\n');
        }
        Files.writeString(t.resolve("users.txt"), list);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cli = List.of(java, "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString());
        run(t, concat(cli, "domain", "add", DovecotSideBySideBench.DOMAIN, "--config", config.toString()));
        run(t, concat(cli, "user", "import", t.resolve("users.txt").toString(), "--config", config.toString()));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + System.getProperty("sbs.heap", "1g")));
        String opts = System.getProperty("sbs.jvm", "");
        if (!opts.isBlank()) cmd.addAll(List.of(opts.trim().split("\\s+")));
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "serve", "--config", config.toString()));
        Process p = new ProcessBuilder(cmd).directory(t.toFile()).redirectErrorStream(true)
                .redirectOutput(t.resolve("server.log").toFile()).start();
        servers.add(p);
        awaitPort(port, p);
        return new DovecotSideBySideBench.Target(name, port);
    }

    DovecotSideBySideBench.Target startDovecot(List<Process> servers) throws Exception {
        Path d = Files.createDirectories(dir.resolve("dovecot"));
        // The mail processes run as nobody: the path down to the Maildirs must be searchable by it.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path mail = Files.createDirectories(d.resolve("mail"));
        run(null, "chown", "nobody:nogroup", mail.toString());
        StringBuilder pw = new StringBuilder();
        for (int i = 0; i < users; i++) pw.append(DovecotSideBySideBench.password(i)).append('\n');
        // openssl passwd -6 is SHA512-CRYPT with 5000 rounds, what `doveadm pw -s SHA512-CRYPT` makes.
        String[] hashes = feed(pw.toString(), "openssl", "passwd", "-6", "-stdin").strip().split("\n");
        StringBuilder passwd = new StringBuilder();
        for (int i = 0; i < users; i++) passwd.append(DovecotSideBySideBench.user(i)).append(":{SHA512-CRYPT}").append(hashes[i].strip()).append('\n');
        Files.writeString(d.resolve("passwd"), passwd);
        int port = SoakBench.freePort();
        String dh = Files.exists(Path.of("/usr/share/dovecot/dh.pem")) ? "ssl_dh = </usr/share/dovecot/dh.pem\n" : "";
        Files.writeString(d.resolve("dovecot.conf"), """
                protocols = imap
                listen = 127.0.0.1
                base_dir = %1$s/run
                state_dir = %1$s/state
                log_path = %1$s/dovecot.log
                ssl = required
                ssl_cert = <%2$s
                ssl_key = <%3$s
                ssl_min_protocol = TLSv1.2
                %4$sdisable_plaintext_auth = yes
                auth_mechanisms = plain login
                auth_cache_size = 0
                passdb {
                  driver = passwd-file
                  args = scheme=SHA512-CRYPT %1$s/passwd
                }
                userdb {
                  driver = static
                  args = uid=nobody gid=nogroup home=%1$s/mail/%%d/%%n
                }
                mail_location = maildir:~/Maildir
                default_login_user = dovenull
                default_internal_user = dovecot
                service imap-login {
                  inet_listener imap {
                    port = 0
                  }
                  inet_listener imaps {
                    port = %5$d
                    ssl = yes
                  }
                }
                protocol imap {
                  mail_max_userip_connections = 1000
                }
                %6$s""".formatted(d, dir.resolve("cert.pem"), dir.resolve("key.pem"), dh, port, FAST ? """
                # Dovecot's "high-performance mode": login processes serve many connections (and so can resume TLS
                # sessions); imap processes are reused (all mail belongs to one uid here).
                service imap-login {
                  service_count = 0
                  process_min_avail = %d
                }
                service imap {
                  service_count = 0
                  process_min_avail = %d
                }
                """.formatted(Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().availableProcessors()) : ""));
        Files.createDirectories(d.resolve("state"));
        Process p = new ProcessBuilder("dovecot", "-F", "-c", d.resolve("dovecot.conf").toString()).directory(d.toFile())
                .redirectErrorStream(true).redirectOutput(d.resolve("stdout.log").toFile()).start();
        servers.add(p);
        awaitPort(port, p);
        return new DovecotSideBySideBench.Target("dovecot", port);
    }

    String dovecotVersion() throws Exception {
        return run(null, "dovecot", "--version").strip();
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(b));
        return out;
    }

    private static String run(Path cwd, List<String> cmd) throws Exception {
        return exec(cwd, null, cmd.toArray(String[]::new));
    }

    private static String run(Path cwd, String... cmd) throws Exception {
        return exec(cwd, null, cmd);
    }

    private static String feed(String stdin, String... cmd) throws Exception {
        return exec(null, stdin, cmd);
    }

    private static String exec(Path cwd, String stdin, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(stdin == null);
        if (cwd != null) pb.directory(cwd.toFile());
        Process p = pb.start();
        try (var o = p.getOutputStream()) {
            if (stdin != null) o.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private static void awaitPort(int port, Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) throw new IllegalStateException("server exited with " + server.exitValue());
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("nothing listens on port " + port);
    }
}
