package org.tegami.store.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;

/**
 * The figures of ADR 0002: the disk's fsync rate and durable deliveries per second through the store API, one
 * caller and twenty. Slow and machine-dependent, so off unless {@code -Dtegami.measure=true}:
 * {@code mvn -o -pl store test -Dtest=StoreThroughputMeasurement -Dtegami.measure=true}.
 */
@EnabledIfSystemProperty(named = "tegami.measure", matches = "true")
class StoreThroughputMeasurement {
    static final int SIZE = 10 * 1024;
    static final int ROUNDS = 3;

    @TempDir
    Path dir;
    private final AtomicLong unique = new AtomicLong();

    @Test
    void measure() throws Exception {
        for (int round = 1; round <= ROUNDS; round++) {
            System.out.printf("round %d: fsync 10 KiB new file %.0f/s, + dir fsync %.0f/s%n",
                    round, fsyncRate(500, false), fsyncRate(300, true));
            for (int inline : new int[] {FileBlobStore.INLINE_MAX, 0}) {
                String kind = inline == 0 ? "blob files" : "blobs inline";
                System.out.printf("round %d: %s, 1 thread: %s%n", round, kind, deliveries(inline, 1, 1500));
                System.out.printf("round %d: %s, 20 threads: %s%n", round, kind, deliveries(inline, 20, 150));
            }
        }
    }

    /** Writes and fsyncs a new 10 KiB file {@code n} times (and its directory, as a blob commit does). */
    private double fsyncRate(int n, boolean dirToo) throws IOException {
        Path d = Files.createDirectories(dir.resolve("fsync-" + unique.incrementAndGet()));
        byte[] data = content();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (FileChannel ch = FileChannel.open(d.resolve("f" + i), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(data));
                ch.force(true);
            }
            if (dirToo) FileObjects.fsyncDir(d);
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private byte[] content() {
        byte[] b = new byte[SIZE];
        long u = unique.incrementAndGet();
        for (int i = 0; i < b.length; i++) b[i] = (byte) ('a' + (i + u) % 26);
        byte[] tag = Long.toString(u).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(tag, 0, b, 0, tag.length); // every message distinct: no dedup shortcut
        return b;
    }

    private String deliveries(int inlineMax, int threads, int each) throws Exception {
        Path data = dir.resolve("store-" + unique.incrementAndGet());
        try (EmbeddedStore s = EmbeddedStore.open(data, unique::incrementAndGet, inlineMax)) {
            s.accounts().addDomain("example.test");
            AccountId a = s.accounts().addUser(EmailAddress.parse("bench@example.test").orElseThrow(), "x").id();
            for (int i = 0; i < 100; i++) deliver(s, a); // warm-up
            long commits = s.db().commits();
            long start = System.nanoTime();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ts.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < each; i++) deliver(s, a);
                }));
            }
            for (Thread t : ts) t.join();
            double secs = (System.nanoTime() - start) / 1e9;
            long n = (long) threads * each;
            commits = s.db().commits() - commits;
            return String.format("%.0f deliveries/s (%d in %.2f s, %d commits, %.1f writes per commit)",
                    n / secs, n, secs, commits, (double) n / commits);
        }
    }

    /** What SMTP does per accepted message: stream the blob, commit it, deliver, close the writer. */
    private void deliver(EmbeddedStore s, AccountId a) {
        byte[] m = content();
        try (BlobStore.BlobWriter w = s.blobs().create()) {
            w.stream().write(m);
            BlobId id = w.commit();
            s.mail().deliver(new DeliveryRequest(id, m.length, Instant.EPOCH, Set.of(a), Optional.empty()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
