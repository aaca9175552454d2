package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What greylisting (RFC 6647) needs of every backend: triples kept across restarts, replaced, pruned by age. */
public interface GreylistStoreContract extends StoreContract {

    @Test
    default void triplesAreKeptReplacedAndPruned() {
        Account a = user(store(), "alice@example.test");
        Account b = user(store(), "bob@example.test");
        var t1 = new GreylistStore.Triple("192.0.2.0/24", "news@example.org", a.id());
        var t2 = new GreylistStore.Triple("192.0.2.0/24", "", b.id());
        var t3 = new GreylistStore.Triple("2001:db8:1:2::/64", "news@example.org", a.id());
        GreylistStore g = store().greylist();
        assertEquals(Optional.empty(), g.entry(t1));
        g.put(t1, new GreylistStore.Entry(NOW, NOW, false));
        g.put(t2, new GreylistStore.Entry(NOW.minus(Duration.ofDays(40)), NOW.minus(Duration.ofDays(40)), true));
        g.put(t3, new GreylistStore.Entry(NOW.minus(Duration.ofDays(2)), NOW.minus(Duration.ofDays(2)), false));
        assertEquals(Optional.of(new GreylistStore.Entry(NOW, NOW, false)), g.entry(t1));
        assertEquals(Optional.empty(), g.entry(new GreylistStore.Triple("192.0.2.0/24", "news@example.org", b.id())),
                "the recipient is part of the triple");
        var passed = new GreylistStore.Entry(NOW, NOW.plusSeconds(600), true);
        g.put(t1, passed);
        assertEquals(Optional.of(passed), reopen().greylist().entry(t1), "kept across a restart, replaced");
        g = store().greylist();
        assertEquals(Optional.of(passed), second().greylist().entry(t1), "seen by another process");
        // pending rows older than a day and passed rows unused for 35 days go; the fresh passed row stays
        assertEquals(2, g.prune(NOW.minus(Duration.ofDays(1)), NOW.minus(Duration.ofDays(35))));
        assertEquals(Optional.of(passed), g.entry(t1));
        assertTrue(g.entry(t2).isEmpty() && g.entry(t3).isEmpty());
        assertEquals(0, g.prune(NOW.minus(Duration.ofDays(1)), NOW.minus(Duration.ofDays(35))));
    }
}
