package org.tegami.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.Mailbox;

/**
 * The IMAP issue's benchmark (a), imaptest-like: C clients over 993 on M mailboxes of one account, each looping
 * over SELECT, FETCH of flags and of a whole message, STORE, APPEND, EXPUNGE and a short IDLE, for a fixed time.
 * Every command is counted when its tagged OK arrives; APPEND/STORE/EXPUNGE are durable (fsync'd) by then.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.tegami.bench.ImapMixedBench [clients] [mailboxes] [seconds]</pre>
 */
public final class ImapMixedBench {
    static final List<String> OPS = List.of("SELECT", "FETCH-FLAGS", "FETCH-BODY", "STORE", "APPEND", "EXPUNGE", "IDLE");

    private ImapMixedBench() {}

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int mailboxes = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        try (TegamiServer server = ImapBench.startImapsOnly("tegami-imapmixed-", clients + 10)) {
            Account alice = server.store().accounts().user(EmailAddress.parse(ImapBench.USER).orElseThrow()).orElseThrow();
            byte[] msg = ("From: load@example.org\r\nSubject: mixed\r\n\r\n" + "text ".repeat(400) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            BlobId blob;
            try (BlobStore.BlobWriter w = server.store().blobs().create()) {
                w.stream().write(msg);
                blob = w.commit();
                for (int m = 0; m < mailboxes; m++) {
                    Mailbox mb = server.store().mail().createMailbox(alice.id(), "box" + m, Optional.empty());
                    for (int i = 0; i < 20; i++) server.store().mail().append(mb.id(), blob, msg.length, Instant.now(), Set.of());
                }
            }
            System.out.printf("IMAP mixed load: %d clients, %d mailboxes of 20 messages, %d s over 993%n", clients, mailboxes, seconds);
            int port = server.port("imaps");
            ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();
            ConcurrentHashMap<String, LongAdder> nanos = new ConcurrentHashMap<>();
            for (String op : OPS) {
                counts.put(op, new LongAdder());
                nanos.put(op, new LongAdder());
            }
            AtomicBoolean stop = new AtomicBoolean();
            LongAdder errors = new LongAdder();
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        run(port, id, mailboxes, msg, stop, counts, nanos);
                    } catch (IOException e) {
                        errors.increment();
                        System.out.println("client " + id + ": " + e.getMessage());
                    }
                }));
            }
            Thread.sleep(5000); // logins (Argon2id) and warm-up
            counts.values().forEach(LongAdder::reset);
            nanos.values().forEach(LongAdder::reset);
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long total = counts.values().stream().mapToLong(LongAdder::sum).sum();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            stop.set(true);
            for (Thread t : threads) t.join(10_000);
            System.out.printf("total: %,d commands in %.1f s = %,.0f ops/s (%d client errors)%n", total, elapsed, total / elapsed,
                    errors.sum());
            for (String op : OPS) {
                long n = counts.get(op).sum();
                System.out.printf("  %-12s %,8d  %,7.0f/s  mean %.1f ms%n", op, n, n / elapsed, n == 0 ? 0 : nanos.get(op).sum() / 1e6 / n);
            }
        }
    }

    /** One client's loop until {@code stop}, on {@code port}, counting each command in {@code counts}/{@code nanos}. */
    static void run(int port, int id, int mailboxes, byte[] msg, AtomicBoolean stop,
                            ConcurrentHashMap<String, LongAdder> counts, ConcurrentHashMap<String, LongAdder> nanos) throws IOException {
        Random r = new Random(id);
        try (ImapBench.Client c = new ImapBench.Client(port)) {
            c.command("l LOGIN " + ImapBench.USER + " " + ImapBench.PASSWORD);
            int n = 0;
            while (!stop.get()) {
                String box = "box" + r.nextInt(mailboxes);
                timed(counts, nanos, "SELECT", () -> c.command("s SELECT " + box));
                for (int i = 0; i < 5 && !stop.get(); i++) {
                    timed(counts, nanos, "FETCH-FLAGS", () -> c.command("f FETCH 1:* (UID FLAGS)"));
                    timed(counts, nanos, "FETCH-BODY", () -> c.command("b UID FETCH " + (1 + r.nextInt(20)) + " (BODY.PEEK[])"));
                    String flag = r.nextBoolean() ? "\\Seen" : "\\Flagged";
                    timed(counts, nanos, "STORE", () -> c.command("t STORE 1 FLAGS (" + flag + ")"));
                }
                timed(counts, nanos, "APPEND", () -> {
                    var append = new java.io.ByteArrayOutputStream();
                    append.writeBytes(("a APPEND " + box + " (\\Deleted) {" + msg.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
                    append.writeBytes(msg);
                    append.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                    c.raw(append.toByteArray());
                    return c.readUntil("a ");
                });
                timed(counts, nanos, "EXPUNGE", () -> c.command("e EXPUNGE"));
                if (++n % 4 == 0) {
                    timed(counts, nanos, "IDLE", () -> {
                        c.send("i IDLE");
                        c.readUntil("+ ");
                        c.send("DONE");
                        return c.readUntil("i ");
                    });
                }
            }
        }
    }

    @FunctionalInterface
    private interface Op {
        long run() throws IOException;
    }

    private static void timed(ConcurrentHashMap<String, LongAdder> counts, ConcurrentHashMap<String, LongAdder> nanos,
                              String op, Op body) throws IOException {
        long t0 = System.nanoTime();
        body.run();
        nanos.get(op).add(System.nanoTime() - t0);
        counts.get(op).increment();
    }
}
