package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * What nodes sharing a store coordinate through (throttles, rate limits, POP3 maildrop locks), on every backend:
 * sliding-window events seen by another instance at once, bounded per key, pruned; bookings and leases decided once
 * when two instances (two nodes) race.
 */
public interface CoordinationStoreContract extends StoreContract {

    @Test
    default void coordinationEventsCountInTheirWindowBoundedPerKey() {
        CoordinationStore c = store().coordination();
        assertEquals(CoordinationStore.Recent.NONE, c.recent("login:ip:7f000001", NOW.minusSeconds(900), 10));
        for (int i = 0; i < 12; i++) c.record("login:ip:7f000001", NOW.plusSeconds(i), 10);
        c.record("login:ip:7f000002", NOW, 10);
        var r = second().coordination().recent("login:ip:7f000001", NOW.minusSeconds(900), 10);
        assertEquals(new CoordinationStore.Recent(10, Optional.of(NOW.plusSeconds(2)), Optional.of(NOW.plusSeconds(11))), r,
                "another node sees the latest ten; the two oldest were dropped by the bound");
        assertEquals(new CoordinationStore.Recent(3, Optional.of(NOW.plusSeconds(9)), Optional.of(NOW.plusSeconds(11))),
                c.recent("login:ip:7f000001", NOW.minusSeconds(900), 3), "limit: the latest three");
        assertEquals(2, c.recent("login:ip:7f000001", NOW.plusSeconds(9), 10).count(), "only events after the window's start");
        c.record("same", NOW, 5);
        c.record("same", NOW, 5);
        assertEquals(2, reopen().coordination().recent("same", NOW.minusSeconds(1), 5).count(),
                "two events at one instant are two; kept across a restart");

        c = store().coordination();
        String longKey = "login:acct:" + "x".repeat(5_000);
        c.record(longKey, NOW, 10);
        c.record(longKey + "y", NOW, 10);
        assertEquals(1, c.recent(longKey, NOW.minusSeconds(1), 10).count(), "a long key is kept by its digest");

        assertEquals(6, c.prune(NOW.plusSeconds(3)), "events before the cutoff go");
        assertEquals(9, c.recent("login:ip:7f000001", NOW.minusSeconds(900), 10).count());
        assertEquals(0, c.prune(NOW.plusSeconds(3)));
    }

    @Test
    default void coordinationBookingSpreadsABurstOverLaterWindows() throws Exception {
        CoordinationStore c = store().coordination();
        Duration hour = Duration.ofHours(1);
        assertEquals(NOW, c.book("fwd:a", NOW, hour, 2));
        assertEquals(NOW.plusSeconds(1), c.book("fwd:a", NOW.plusSeconds(1), hour, 2));
        assertEquals(NOW.plus(hour), c.book("fwd:a", NOW.plusSeconds(2), hour, 2), "third in the hour: when the first ages out");
        assertEquals(NOW.plus(hour).plusSeconds(1), c.book("fwd:a", NOW.plusSeconds(3), hour, 2));
        assertEquals(NOW.plusSeconds(3), c.book("fwd:b", NOW.plusSeconds(3), hour, 2), "per key");
        Instant later = NOW.plus(Duration.ofHours(5));
        assertEquals(later, c.book("fwd:a", later, hour, 2), "once the window has passed: at once");

        // two nodes booking one key at once: distinct slots, five per hour
        List<CoordinationStore> nodes = List.of(store().coordination(), second().coordination());
        ConcurrentLinkedQueue<Instant> slots = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 20; t++) {
                CoordinationStore node = nodes.get(t % 2);
                all.add(pool.submit(() -> {
                    start.await();
                    slots.add(node.book("fwd:race", NOW, hour, 5));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : all) f.get();
        }
        Map<Instant, Integer> perSlot = new TreeMap<>();
        for (Instant s : slots) perSlot.merge(s, 1, Integer::sum);
        assertEquals(Map.of(NOW, 5, NOW.plus(hour), 5, NOW.plus(hour.multipliedBy(2)), 5, NOW.plus(hour.multipliedBy(3)), 5),
                perSlot);
    }

    @Test
    default void coordinationLeaseIsHeldByOneUntilReleasedOrExpired() {
        CoordinationStore a = store().coordination();
        CoordinationStore b = second().coordination();
        Instant ttl = NOW.plusSeconds(60);
        assertTrue(a.tryAcquire("pop3:1", "node-a/1", NOW, ttl));
        assertTrue(a.tryAcquire("pop3:1", "node-a/1", NOW, ttl), "its holder may take it again");
        assertFalse(b.tryAcquire("pop3:1", "node-b/1", NOW.plusSeconds(30), NOW.plusSeconds(90)), "held on another node");
        assertTrue(b.tryAcquire("pop3:2", "node-b/1", NOW, ttl), "another name is free");
        assertTrue(a.renew("pop3:1", "node-a/1", NOW.plusSeconds(120)));
        assertFalse(b.tryAcquire("pop3:1", "node-b/1", NOW.plusSeconds(90), NOW.plusSeconds(150)), "renewed: still held");
        assertFalse(b.renew("pop3:1", "node-b/1", NOW.plusSeconds(500)), "not its lease");
        b.release("pop3:1", "node-b/1");
        assertFalse(b.tryAcquire("pop3:1", "node-b/1", NOW.plusSeconds(90), NOW.plusSeconds(150)), "a stranger cannot release it");
        a.release("pop3:1", "node-a/1");
        assertTrue(b.tryAcquire("pop3:1", "node-b/1", NOW.plusSeconds(90), NOW.plusSeconds(150)), "released: free");

        // node B dies holding it: once its time is up, node A takes it over, and B's late renewal fails
        assertFalse(a.tryAcquire("pop3:1", "node-a/2", NOW.plusSeconds(149), NOW.plusSeconds(209)));
        assertTrue(a.tryAcquire("pop3:1", "node-a/2", NOW.plusSeconds(150), NOW.plusSeconds(210)), "expired: taken over");
        assertFalse(b.renew("pop3:1", "node-b/1", NOW.plusSeconds(300)), "lost");
        b.release("pop3:1", "node-b/1");
        assertFalse(reopen().coordination().tryAcquire("pop3:1", "node-c/1", NOW.plusSeconds(200), NOW.plusSeconds(260)),
                "kept across a restart");
        assertEquals(1, store().coordination().prune(NOW.plusSeconds(100)), "pop3:2 expired long ago");
        assertTrue(store().coordination().tryAcquire("pop3:2", "node-c/1", NOW.plusSeconds(200), NOW.plusSeconds(260)));
    }

    @Test
    default void coordinationLeaseRaceBetweenTwoNodesHasExactlyOneWinner() throws Exception {
        List<CoordinationStore> nodes = List.of(store().coordination(), second().coordination());
        for (int round = 0; round < 5; round++) {
            String name = "pop3:race" + round;
            CountDownLatch start = new CountDownLatch(1);
            ConcurrentLinkedQueue<String> winners = new ConcurrentLinkedQueue<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> all = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    String holder = "node-" + (t % 2) + "/" + t;
                    CoordinationStore node = nodes.get(t % 2);
                    all.add(pool.submit(() -> {
                        start.await();
                        if (node.tryAcquire(name, holder, NOW, NOW.plusSeconds(60))) winners.add(holder);
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : all) f.get();
            }
            assertEquals(1, winners.size(), "round " + round + ": " + winners);
        }
    }
}
