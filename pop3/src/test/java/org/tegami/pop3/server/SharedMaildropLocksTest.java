package org.tegami.pop3.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.AccountId;
import org.tegami.store.CoordinationStore;
import org.tegami.store.embedded.EmbeddedStore;

/**
 * RFC 1939 §8 across nodes (ADR 0024): a maildrop locked on one node is refused on another, renewed while held,
 * freed at unlock, taken over once a dead node's lease runs out; taking a lease fails closed.
 *
 * <p>The nodes' clock is the test's: a lease runs out only when the test moves the clock, never because a loaded
 * machine delayed a renewal past a short real-time TTL.
 */
class SharedMaildropLocksTest {
    private static final Duration TTL = Duration.ofMillis(600);
    @TempDir
    Path dir;

    @Test
    void oneSessionPerMaildropAcrossNodes() throws Exception {
        AccountId alice = new AccountId(1);
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
        InstantSource clock = now::get;
        try (EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            AtomicReference<Instant> renewedUntil = new AtomicReference<>(Instant.MIN);
            MaildropLocks a = MaildropLocks.shared(renewals(store.coordination(), renewedUntil), "node-a", clock, TTL);
            MaildropLocks b = MaildropLocks.shared(store.coordination(), "node-b", clock, TTL);
            assertTrue(a.tryLock(alice));
            assertFalse(a.tryLock(alice), "a second session on the same node");
            assertFalse(b.tryLock(alice), "a session on another node");
            assertTrue(b.tryLock(new AccountId(2)), "another maildrop");

            // long past the first lease's end: only a renewal (every TTL/3 of real time) keeps alice's maildrop held
            Instant later = now.get().plusSeconds(10);
            now.set(later);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline && renewedUntil.get().isBefore(later.plus(TTL))) Thread.sleep(10);
            assertFalse(renewedUntil.get().isBefore(later.plus(TTL)), "renewed from the moved clock: " + renewedUntil.get());
            assertFalse(b.tryLock(alice), "renewed while the session lives");
            assertTrue(a.held(alice));
            a.unlock(alice);
            assertFalse(a.held(alice));
            assertTrue(b.tryLock(alice), "free once the session ended");
            b.unlock(alice);

            // a node that died holding the lease: refused until its time is up, then taken over
            Instant t = now.get();
            assertTrue(store.coordination().tryAcquire("pop3:1", "dead-node/1", t, t.plus(TTL)));
            assertFalse(b.tryLock(alice));
            now.set(t.plus(TTL).minusMillis(1));
            assertFalse(b.tryLock(alice), "a millisecond before its end");
            now.set(t.plus(TTL).plusMillis(1));
            assertTrue(b.tryLock(alice), "the dead node's lease ran out");

            store.close();
            assertThrows(RuntimeException.class, () -> a.tryLock(new AccountId(3)), "fails closed when the store fails");
            assertFalse(a.held(new AccountId(3)));
        }
    }

    /** {@code store}, noting the latest end a successful renewal set (a delegate, not a mock: the store decides). */
    private static CoordinationStore renewals(CoordinationStore store, AtomicReference<Instant> until) {
        return new CoordinationStore() {
            @Override
            public void record(String key, Instant at, int keep) {
                store.record(key, at, keep);
            }

            @Override
            public Recent recent(String key, Instant after, int limit) {
                return store.recent(key, after, limit);
            }

            @Override
            public Instant book(String key, Instant now, Duration window, int limit) {
                return store.book(key, now, window, limit);
            }

            @Override
            public boolean tryAcquire(String name, String holder, Instant now, Instant end) {
                return store.tryAcquire(name, holder, now, end);
            }

            @Override
            public boolean renew(String name, String holder, Instant end) {
                boolean renewed = store.renew(name, holder, end);
                if (renewed) until.accumulateAndGet(end, (x, y) -> x.isAfter(y) ? x : y);
                return renewed;
            }

            @Override
            public void release(String name, String holder) {
                store.release(name, holder);
            }

            @Override
            public int prune(Instant before) {
                return store.prune(before);
            }
        };
    }
}
