package org.tegami.bench;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * SMTP load generator: {@code messages} messages of {@code sizeKib} KiB over {@code connections} concurrent
 * sessions to an SMTP listener, one transaction after another per session (MAIL, RCPT, DATA). A message counts
 * when the server answers 250 after the data, which for Tegami means it is on stable storage.
 */
public final class SmtpLoad {

    /** Result of one run. */
    public record Result(int messages, int failed, double seconds, double msgsPerSecond, double p50Ms, double p99Ms) {
        @Override
        public String toString() {
            return String.format("%d msgs (%d failed) in %.2f s: %.0f msgs/s, latency p50 %.2f ms, p99 %.2f ms",
                    messages, failed, seconds, msgsPerSecond, p50Ms, p99Ms);
        }
    }

    private SmtpLoad() {}

    public static Result run(InetSocketAddress target, int messages, int sizeKib, int connections,
                             String from, String to) throws InterruptedException {
        byte[] body = message(sizeKib, from, to);
        long[] latencies = new long[messages];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(connections);
        long start = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = new Socket()) {
                    s.connect(target, 10_000);
                    s.setSoTimeout(60_000);
                    s.setTcpNoDelay(true);
                    var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
                    expect(in, "220");
                    send(out, "EHLO load.example\r\n");
                    expect(in, "250");
                    int i;
                    while ((i = next.getAndIncrement()) < messages) {
                        long t0 = System.nanoTime();
                        // RFC 2920: MAIL, RCPT and DATA may be sent as one group.
                        send(out, "MAIL FROM:<" + from + ">\r\nRCPT TO:<" + to + ">\r\nDATA\r\n");
                        expect(in, "250");
                        expect(in, "250");
                        expect(in, "354");
                        out.write(body);
                        send(out, ".\r\n");
                        String reply = readReply(in);
                        if (reply.startsWith("250")) {
                            accepted.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, new IOException("server said: " + reply));
                        }
                        latencies[i] = System.nanoTime() - t0;
                    }
                    send(out, "QUIT\r\n");
                } catch (IOException e) {
                    firstError.compareAndSet(null, e);
                    failed.incrementAndGet();
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (firstError.get() != null) System.err.println("first error: " + firstError.get());
        long[] ok = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
        int delivered = accepted.get();
        return new Result(delivered, failed.get(), seconds, delivered / seconds,
                percentile(ok, 0.50) / 1e6, percentile(ok, 0.99) / 1e6);
    }

    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** A plain-text message of about {@code kib} KiB with 76-character lines. */
    static byte[] message(int kib, String from, String to) {
        StringBuilder sb = new StringBuilder();
        sb.append("From: <").append(from).append(">\r\nTo: <").append(to).append(">\r\n")
                .append("Subject: load test\r\nMessage-ID: <load@example>\r\n\r\n");
        String line = "x".repeat(74) + "\r\n";
        while (sb.length() < kib * 1024) sb.append(line);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String readReply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String r = readReply(in);
        if (!r.startsWith(code)) throw new IOException("expected " + code + ", got: " + r);
    }
}
