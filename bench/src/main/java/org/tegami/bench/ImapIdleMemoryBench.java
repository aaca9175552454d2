package org.tegami.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.tegami.testkit.TestTls;

/**
 * Issue 14 (b): the server's memory per idle IMAP connection (TLS, logged in, INBOX selected, in IDLE), without and
 * with COMPRESS=DEFLATE. The server runs as its own process ({@code tegami.jar serve}) with a fixed, pre-touched
 * heap, so its resident size grows only by native memory (zlib, TLS, thread stacks); the heap in use is read from
 * {@code jstat} after a full GC. Both are the difference between no client and N clients, divided by N.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.tegami.bench.ImapIdleMemoryBench [connections=400]</pre>
 */
public final class ImapIdleMemoryBench {
    private ImapIdleMemoryBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        Path jar = Path.of(System.getProperty("sbs.jar", "server/target/tegami.jar")).toAbsolutePath();
        System.setProperty("sbs.heap", System.getProperty("sbs.heap", "512m"));
        System.setProperty("sbs.jvm", "-Xms512m -XX:+AlwaysPreTouch");
        Path dir = Files.createTempDirectory("tegami-idle-memory-");
        List<Process> servers = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            servers.forEach(Process::destroy);
            SoakBench.deleteTree(dir);
        }));
        // each account may have 50 IMAP sessions (ImapLimits.SESSIONS): spread the connections over enough users
        int users = n / 40 + 1;
        SideBySideServers setup = new SideBySideServers(dir, users);
        setup.certificate();
        DovecotSideBySideBench.Target t = setup.startTegami(jar, servers);
        long pid = servers.getFirst().pid();
        SSLContext tls = TestTls.trustAllClientContext();
        // warm up: the code paths (and their classes) of both kinds, so they are not counted per connection
        for (boolean compress : new boolean[] {false, true}) {
            List<Idle> warm = open(tls, t.port(), Math.min(n, 20 * users), compress, users);
            for (Idle i : warm) i.socket().close();
        }
        System.out.printf("idle IMAP connections over TLS (LOGIN, SELECT INBOX, IDLE), %d per measurement, server pid %d%n", n, pid);
        for (boolean compress : new boolean[] {false, true, false, true}) {
            Thread.sleep(1000);
            long[] before = measure(pid);
            List<Idle> idle = open(tls, t.port(), n, compress, users);
            long[] after = measure(pid);
            System.out.printf("  %-22s native (RSS) %6.1f KiB, heap %6.1f KiB per connection%n",
                    compress ? "with COMPRESS=DEFLATE" : "without COMPRESS", (after[0] - before[0]) / 1024.0 / n,
                    (after[1] - before[1]) / 1024.0 / n);
            for (Idle i : idle) i.socket().close();
        }
    }

    record Idle(SSLSocket socket) {}

    private static List<Idle> open(SSLContext tls, int port, int n, boolean compress, int users) throws IOException {
        List<Idle> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
            s.setSoTimeout(30_000);
            s.startHandshake();
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream o = s.getOutputStream();
            line(in);
            command(o, in, "a LOGIN " + DovecotSideBySideBench.user(i % users) + " " + DovecotSideBySideBench.password(i % users), "a ");
            command(o, in, "b SELECT INBOX", "b ");
            if (compress) {
                command(o, in, "c COMPRESS DEFLATE", "c ");
                in = new InflaterInputStream(s.getInputStream(), new Inflater(true));
                o = new DeflaterOutputStream(o, new Deflater(Deflater.BEST_SPEED, true), true);
            }
            command(o, in, "d IDLE", "+ ");
            out.add(new Idle(s));
        }
        return out;
    }

    private static void command(OutputStream o, InputStream in, String line, String until) throws IOException {
        o.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        o.flush();
        String l;
        do {
            l = line(in);
        } while (!l.startsWith(until));
        if (!until.equals("+ ") && !l.startsWith(until + "OK")) throw new IOException(line + ": " + l);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) throw new IOException("closed");
            sb.append((char) b);
        }
        return sb.toString();
    }

    /** Resident set size and heap used after a full GC, in bytes. */
    private static long[] measure(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        for (int i = 0; i < 2; i++) {
            new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor();
            Thread.sleep(300);
        }
        Map<String, Double> gc = SoakBench.jstat(pid);
        long heap = (long) ((gc.get("S0U") + gc.get("S1U") + gc.get("EU") + gc.get("OU")) * 1024);
        long rss = 0;
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) rss = Long.parseLong(l.replaceAll("\\D", "")) * 1024;
        }
        return new long[] {rss, heap};
    }
}
