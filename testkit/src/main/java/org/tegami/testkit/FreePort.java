package org.tegami.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A loopback port that nothing listens on, for what a test cannot hand a bound socket to: another process
 * (PostgreSQL, a server JVM, Pebble, Dovecot), a server configured before the one it talks to starts, or an MX that
 * must refuse connections.
 *
 * <p>A port from {@code new ServerSocket(0)}, closed and used later, comes from the kernel's ephemeral range, which
 * every bind to port 0 and every outgoing connection of every process on the machine draws from: on a loaded CI
 * machine with other builds beside, another test may take it in between (the child then fails to bind, or a
 * "refusing" MX answers). The ports here are below that range, where the kernel hands out nothing by itself, and are
 * checked free on every address; random, so test JVMs running side by side rarely even try the same one.
 */
public final class FreePort {
    /** The lowest port tried: above the well-known and most registered services' ports. */
    private static final int LOW = 20_000;

    private FreePort() {}

    /** A port below the ephemeral range that no socket on this machine is bound to now. */
    public static int pick() throws IOException {
        int high = ephemeralLow();
        if (high - LOW < 1000) return ephemeral(); // a machine whose ephemeral range starts low: no room below it
        for (int i = 0; i < 200; i++) {
            int port = ThreadLocalRandom.current().nextInt(LOW, high);
            // the wildcard bind fails when any address holds the port, loopback included
            try (ServerSocket s = new ServerSocket(port, 1, null)) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port in " + LOW + ".." + high);
    }

    /** The first port of the kernel's ephemeral range (Linux), or IANA's 49152 elsewhere. */
    static int ephemeralLow() {
        // Read as a stream, from the start in one go: a sysctl file reports size 0 and answers any read that does not
        // start at offset 0 with end-of-file, and Files.readString (JDK 25) got only "3" of "32768\t60999", which
        // made every pick fall back to an ephemeral port.
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String range = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 49152;
        }
    }

    private static int ephemeral() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
