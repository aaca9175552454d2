package org.tegami.bench;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.Mailbox;
import org.tegami.testkit.TestTls;

/** The three loads of {@link ClusterBench}: SMTP deliveries, the IMAP mix, and IDLE wake-up latency. */
final class ClusterLoads {
    /** Every {@code LARGE_EVERY}-th message is large: above the 128 KiB kept inline, so it goes to S3. */
    static final int LARGE_EVERY = 10;

    private ClusterLoads() {}

    /** Result of an SMTP run: messages accepted (250 after the data), failures, seconds, p50/p99 ms MAIL to 250. */
    record Smtp(int accepted, int failed, double seconds, double p50Ms, double p99Ms) {
        double rate() {
            return accepted / seconds;
        }
    }

    /**
     * {@code messages} deliveries over {@code clients} connections to port 25, client c on node {@code c % nodes},
     * recipients round-robin; nine in ten messages of {@code smallKib}, one of {@code largeKib}, each with its own
     * Message-ID and body (so no two share a blob). Pipelined MAIL/RCPT/DATA as in {@link SmtpLoad}.
     */
    static Smtp smtp(ClusterNodes c, int messages, int clients, int smallKib, int largeKib) throws InterruptedException {
        byte[] small = filler(smallKib);
        byte[] large = filler(largeKib);
        long[] latencies = new long[messages];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < clients; t++) {
            int port = c.smtpPort(t);
            threads.add(Thread.ofVirtual().start(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setSoTimeout(60_000);
                    s.setTcpNoDelay(true);
                    var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
                    expect(in, "220");
                    send(out, "EHLO load.example\r\n");
                    expect(in, "250");
                    int i;
                    while ((i = next.getAndIncrement()) < messages) {
                        String to = ClusterNodes.recipient(i);
                        long t0 = System.nanoTime();
                        // RFC 2920: MAIL, RCPT and DATA may be sent as one group.
                        send(out, "MAIL FROM:<load@example.org>\r\nRCPT TO:<" + to + ">\r\nDATA\r\n");
                        expect(in, "250");
                        expect(in, "250");
                        expect(in, "354");
                        writeMessage(out, "m" + i + "-" + t0, to, i % LARGE_EVERY == LARGE_EVERY - 1 ? large : small);
                        String reply = reply(in);
                        if (reply.startsWith("250")) {
                            accepted.incrementAndGet();
                            latencies[i] = System.nanoTime() - t0;
                        } else {
                            failed.incrementAndGet();
                        }
                    }
                    send(out, "QUIT\r\n");
                } catch (IOException e) {
                    failed.incrementAndGet();
                    System.out.println("  smtp client: " + e.getMessage());
                }
            }));
        }
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] ok = Arrays.stream(latencies).filter(l -> l > 0).sorted().toArray();
        return new Smtp(accepted.get(), failed.get(), seconds, SmtpLoad.percentile(ok, 0.5) / 1e6,
                SmtpLoad.percentile(ok, 0.99) / 1e6);
    }

    /** Body lines of 76 characters up to about {@code kib} KiB. */
    static byte[] filler(int kib) {
        StringBuilder sb = new StringBuilder();
        String line = "y".repeat(74) + "\r\n";
        while (sb.length() < kib * 1024) sb.append(line);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Headers naming {@code id}, the body, and the terminating dot. */
    static void writeMessage(OutputStream out, String id, String to, byte[] body) throws IOException {
        out.write(("From: <load@example.org>\r\nTo: <" + to + ">\r\nSubject: cluster " + id + "\r\nMessage-ID: <" + id
                + "@load.example>\r\n\r\n" + id + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        send(out, ".\r\n");
    }

    /** Result of an IMAP mix run: commands per second over the measured time, per-command counts and mean ms. */
    record Imap(double opsPerSecond, long errors, String detail) {}

    /**
     * {@link ImapMixedBench}'s loop: {@code clients} clients (client c on node {@code c % nodes}) over IMAPS on
     * {@code mailboxes} mailboxes of 20 messages, 5 s warm-up (logins), then {@code seconds} measured.
     */
    static Imap imapMixed(ClusterNodes c, int clients, int mailboxes, int seconds) throws Exception {
        var store = c.first().store();
        Account alice = store.accounts().user(EmailAddress.parse(ImapBench.USER).orElseThrow()).orElseThrow();
        byte[] msg = ("From: load@example.org\r\nSubject: mixed\r\n\r\n" + "text ".repeat(400) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        BlobId blob;
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(msg);
            blob = w.commit();
        }
        List<Thread> fill = new ArrayList<>();
        for (int m = 0; m < mailboxes; m++) {
            int box = m;
            fill.add(Thread.ofVirtual().start(() -> {
                Mailbox mb = store.mail().createMailbox(alice.id(), "box" + box, Optional.empty());
                for (int i = 0; i < 20; i++) store.mail().append(mb.id(), blob, msg.length, Instant.now(), Set.of());
            }));
        }
        for (Thread t : fill) t.join();
        ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();
        ConcurrentHashMap<String, LongAdder> nanos = new ConcurrentHashMap<>();
        for (String op : ImapMixedBench.OPS) {
            counts.put(op, new LongAdder());
            nanos.put(op, new LongAdder());
        }
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder errors = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            int port = c.imapsPort(i);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    ImapMixedBench.run(port, id, mailboxes, msg, stop, counts, nanos);
                } catch (IOException e) {
                    errors.increment();
                    System.out.println("  imap client " + id + ": " + e.getMessage());
                }
            }));
        }
        Thread.sleep(5000);
        counts.values().forEach(LongAdder::reset);
        nanos.values().forEach(LongAdder::reset);
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long total = counts.values().stream().mapToLong(LongAdder::sum).sum();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        StringBuilder detail = new StringBuilder();
        for (String op : ImapMixedBench.OPS) {
            long n = counts.get(op).sum();
            detail.append(String.format(" %s %.1f", op, n == 0 ? 0 : nanos.get(op).sum() / 1e6 / n));
        }
        stop.set(true);
        for (Thread t : threads) t.join(30_000);
        return new Imap(total / elapsed, errors.sum(), "mean ms:" + detail);
    }

    private static final Pattern EXISTS = Pattern.compile("\\* (\\d+) EXISTS");

    /** IDLE wake-up latencies in nanoseconds: from the SMTP 250 and from the end of the data, to the EXISTS. */
    record Wakeups(long[] fromReply, long[] fromData, int missed) {}

    /**
     * {@link ClusterNodes#IDLE_USER} IDLEs on IMAPS {@code imapsPort}; {@code deliveries} messages go one after another
     * over one SMTP connection to {@code smtpPort}; each waits for its EXISTS (up to 10 s: else counted missed).
     */
    static Wakeups idle(int smtpPort, int imapsPort, int deliveries) throws Exception {
        SSLSocket imap = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory().createSocket("127.0.0.1", imapsPort);
        try (imap; Socket smtp = new Socket("127.0.0.1", smtpPort)) {
            imap.setTcpNoDelay(true);
            imap.setSoTimeout(60_000);
            var iin = new BufferedReader(new InputStreamReader(imap.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream iout = imap.getOutputStream();
            untilPrefix(iin, "* OK");
            send(iout, "a LOGIN " + ClusterNodes.IDLE_USER + " " + ImapBench.PASSWORD + "\r\n");
            untilPrefix(iin, "a ");
            send(iout, "b SELECT INBOX\r\n");
            int base = 0;
            for (String line; !(line = readLine(iin)).startsWith("b ");) {
                Matcher m = EXISTS.matcher(line);
                if (m.matches()) base = Integer.parseInt(m.group(1));
            }
            send(iout, "c IDLE\r\n");
            untilPrefix(iin, "+ ");
            LinkedBlockingQueue<long[]> seen = new LinkedBlockingQueue<>();
            int start = base;
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    for (String line; !(line = readLine(iin)).startsWith("c ");) {
                        Matcher m = EXISTS.matcher(line);
                        if (m.matches()) seen.add(new long[] {Integer.parseInt(m.group(1)) - start, System.nanoTime()});
                    }
                } catch (IOException e) {
                    // the socket closed at the end
                }
            });
            smtp.setSoTimeout(60_000);
            smtp.setTcpNoDelay(true);
            var sin = new BufferedReader(new InputStreamReader(smtp.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream sout = new BufferedOutputStream(smtp.getOutputStream(), 64 * 1024);
            expect(sin, "220");
            send(sout, "EHLO idle.example\r\n");
            expect(sin, "250");
            byte[] body = filler(2);
            long[] fromReply = new long[deliveries];
            long[] fromData = new long[deliveries];
            int got = 0;
            int missed = 0;
            for (int i = 1; i <= deliveries; i++) {
                send(sout, "MAIL FROM:<load@example.org>\r\nRCPT TO:<" + ClusterNodes.IDLE_USER + ">\r\nDATA\r\n");
                expect(sin, "250");
                expect(sin, "250");
                expect(sin, "354");
                String id = "idle" + i + "-" + System.nanoTime();
                sout.write(("From: <load@example.org>\r\nSubject: " + id + "\r\nMessage-ID: <" + id + "@load.example>\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                sout.write(body);
                sout.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                long dataEnd = System.nanoTime();
                sout.flush();
                expect(sin, "250");
                long replied = System.nanoTime();
                long woke = -1;
                long deadline = replied + TimeUnit.SECONDS.toNanos(10);
                while (woke < 0) {
                    long[] e = seen.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (e == null) break;
                    if (e[0] >= i) woke = e[1];
                }
                if (woke < 0) {
                    missed++;
                    continue;
                }
                fromReply[got] = woke - replied;
                fromData[got] = woke - dataEnd;
                got++;
            }
            send(sout, "QUIT\r\n");
            send(iout, "DONE\r\n");
            reader.join(10_000);
            return new Wakeups(Arrays.copyOf(fromReply, got), Arrays.copyOf(fromData, got), missed);
        }
    }

    static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    static String readLine(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (line == null) throw new IOException("connection closed");
        return line;
    }

    static void untilPrefix(BufferedReader in, String prefix) throws IOException {
        String line;
        do {
            line = readLine(in);
        } while (!line.startsWith(prefix));
        if (prefix.endsWith(" ") && !line.startsWith(prefix + "OK") && !prefix.startsWith("+")) {
            throw new IOException("expected OK, got: " + line);
        }
    }

    static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = readLine(in);
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    static void expect(BufferedReader in, String code) throws IOException {
        String r = reply(in);
        if (!r.startsWith(code)) throw new IOException("expected " + code + ", got: " + r);
    }
}
