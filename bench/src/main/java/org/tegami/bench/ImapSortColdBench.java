package org.tegami.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.BlobStore;
import org.tegami.store.Mailbox;

/**
 * SORT and THREAD on a mailbox of N <em>distinct</em> messages (ImapBench stores one blob N times, so it times only
 * the sorting): the first SORT parses every message; later ones use the in-memory keys; after a restart the keys
 * come from the blob index instead of the messages.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.tegami.bench.ImapSortColdBench [messages]</pre>
 */
public final class ImapSortColdBench {
    private static final String SORT = "SORT (SUBJECT) UTF-8 ALL";
    private static final String THREAD = "THREAD REFERENCES UTF-8 ALL";

    private ImapSortColdBench() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Path config = ImapBench.imapsOnlyConfig("tegami-sortbench-", 100);
        try (TegamiServer server = ImapBench.startImapsOnly(config)) {
            Account alice = server.store().accounts().user(EmailAddress.parse(ImapBench.USER).orElseThrow()).orElseThrow();
            Mailbox box = server.store().mail().createMailbox(alice.id(), "Threads", Optional.empty());
            populate(server, box, messages);
            try (ImapBench.Client c = login(server)) {
                time(c, "first " + SORT + " (parses every message)", SORT, 1, messages);
                time(c, SORT + " again", SORT, 3, messages);
                time(c, THREAD, THREAD, 3, messages);
            }
            Thread.sleep(5_000); // let the background writer store the derived keys
        }
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(config), InstantSource.system());
             ImapBench.Client c = login(server)) {
            time(c, "after a restart, first " + SORT + " (keys from the blob index)", SORT, 1, messages);
            time(c, "after a restart, " + THREAD, THREAD, 3, messages);
        }
    }

    private static ImapBench.Client login(TegamiServer server) throws IOException {
        ImapBench.Client c = new ImapBench.Client(server.port("imaps"));
        c.command("a LOGIN " + ImapBench.USER + " " + ImapBench.PASSWORD);
        c.command("s SELECT Threads");
        return c;
    }

    private static void time(ImapBench.Client c, String what, String command, int runs, int messages) throws IOException {
        long[] t = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            c.command("x " + command);
            t[i] = System.nanoTime() - t0;
        }
        System.out.printf("%s on %,d messages: median %.1f ms; runs %s%n", what, messages, ImapBench.median(t),
                ImapBench.ms(t));
    }

    /**
     * Appends {@code n} distinct messages from 16 threads: threads of ten replies (References to the thread's first
     * message), 500 senders, subjects with Re: prefixes, dates a minute apart.
     */
    private static void populate(TegamiServer server, Mailbox box, int n) throws Exception {
        long t0 = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        int root = i - i % 10;
                        String msg = "From: Sender " + (i % 500) + " <s" + (i % 500) + "@example.org>\r\n"
                                + "Subject: " + (i == root ? "" : "Re: ") + "topic " + root + "\r\n"
                                + "Date: " + java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                                        java.time.ZonedDateTime.ofInstant(Instant.ofEpochSecond(1_700_000_000L + 60L * i),
                                                java.time.ZoneOffset.UTC)) + "\r\n"
                                + "Message-ID: <" + i + "@bench.example>\r\n"
                                + (i == root ? "" : "References: <" + root + "@bench.example>\r\n")
                                + "\r\nbody " + i + "\r\n";
                        byte[] bytes = msg.getBytes(StandardCharsets.US_ASCII);
                        try (BlobStore.BlobWriter w = server.store().blobs().create()) {
                            w.stream().write(bytes);
                            server.store().mail().append(box.id(), w.commit(), bytes.length, Instant.now(), Set.of());
                        }
                        if ((i + 1) % 20_000 == 0) System.out.printf("  populated %,d messages%n", i + 1);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
        System.out.printf("populated %,d distinct messages in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    }
}
