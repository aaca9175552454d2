package org.tegami.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the {@code tegami} CLI as a separate JVM (for crash tests: a process we can kill -9). */
final class ServerProcess {
    private static final java.util.Map<Process, Path> LOGS = new java.util.concurrent.ConcurrentHashMap<>();

    private ServerProcess() {}

    /** Starts {@code tegami ARGS --config CONFIG} in {@code dir}, feeding {@code stdin} (may be null). */
    static Process cli(Path dir, Path config, String stdin, String... args) throws IOException {
        return cliWith(dir, config, List.of(), stdin, args);
    }

    /** As {@link #cli(Path, Path, String, String...)}, with {@code jvmOptions} (e.g. {@code -Dname=value}) for the JVM. */
    static Process cliWith(Path dir, Path config, List<String> jvmOptions, String stdin, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.tegami.server.Main"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--config", config.toString()));
        Path log = dir.resolve("process-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LOGS.put(p, log);
        try (OutputStream o = p.getOutputStream()) {
            if (stdin != null) o.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        return p;
    }

    /** Waits until an SMTP greeting arrives on {@code port}, failing if the process exits first. */
    static void awaitGreeting(int port, Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) throw new AssertionError("server exited with " + server.exitValue() + ":\n" + log(server));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(5000);
                String greeting = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                if (greeting != null && greeting.startsWith("220 ")) return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("server did not greet on port " + port + ":\n" + log(server));
    }

    /** The last lines the process wrote, for failure messages. */
    private static String log(Process p) {
        Path log = LOGS.get(p);
        try {
            List<String> lines = log == null ? List.of() : java.nio.file.Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** A port for the child to listen on: below the ephemeral range, so nothing else takes it meanwhile. */
    static int freePort() throws IOException {
        return org.tegami.testkit.FreePort.pick();
    }
}
