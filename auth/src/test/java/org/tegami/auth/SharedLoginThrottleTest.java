package org.tegami.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.embedded.EmbeddedStore;

/**
 * Two nodes' throttles on one store (ADR 0024): failures counted on either refuse and slow on both, with the same
 * delays and refusal times as one node's; when the shared store fails, each node keeps its own count.
 */
class SharedLoginThrottleTest {
    private static final String ALICE = "alice@example.test";
    private final TestClock clock = new TestClock();
    @TempDir
    Path dir;
    private EmbeddedStore store;

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private EmbeddedStore store() {
        if (store == null) store = EmbeddedStore.open(dir, clock);
        return store;
    }

    @AfterEach
    void close() {
        if (store != null) store.close();
    }

    @Test
    void failuresOnOneNodeRefuseOnTheOther() throws Exception {
        LoginThrottle a = LoginThrottle.shared(store().coordination(), clock);
        LoginThrottle b = LoginThrottle.shared(store().coordination(), clock);
        InetAddress attacker = ip("192.0.2.7");
        for (int i = 0; i < 5; i++) a.recordFailure(attacker, "u" + i + "@example.test");
        for (int i = 5; i < 9; i++) b.recordFailure(attacker, "u" + i + "@example.test");
        assertEquals(Duration.ofSeconds(8), b.delayAfterFailure(attacker, "x"), "nine failures across the nodes");
        assertEquals(Optional.empty(), a.refusal(attacker, ALICE), "nine is not yet ten");
        a.recordFailure(attacker, "u9@example.test");
        assertEquals(Optional.of(Duration.ofMinutes(15)), b.refusal(attacker, ALICE), "the tenth, on node A, refuses on node B");
        clock.advance(Duration.ofMinutes(14));
        assertEquals(Optional.of(Duration.ofMinutes(1)), b.refusal(attacker, ALICE));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Optional.empty(), b.refusal(attacker, ALICE));
        assertEquals(Optional.empty(), a.refusal(attacker, ALICE));
        assertEquals(Optional.empty(), b.refusal(ip("192.0.2.8"), ALICE), "per address");
    }

    @Test
    void anAccountUnderAttackOnBothNodesIsSlowedOnBoth() throws Exception {
        LoginThrottle a = LoginThrottle.shared(store().coordination(), clock);
        LoginThrottle b = LoginThrottle.shared(store().coordination(), clock);
        for (int i = 0; i < 3; i++) a.recordFailure(ip("192.0.2." + i), ALICE);
        for (int i = 3; i < 6; i++) b.recordFailure(ip("198.51.100." + i), "ALICE@Example.TEST");
        assertEquals(Duration.ofSeconds(4), a.accountDelay(ALICE), "six failures from anywhere: capped at 4 s");
        assertEquals(Optional.empty(), b.refusal(ip("203.0.113.1"), ALICE), "the owner is never locked out");
        clock.advance(LoginThrottle.WINDOW);
        assertEquals(Duration.ZERO, b.accountDelay(ALICE), "aged out");
    }

    @Test
    void aFailingSharedStoreLeavesEachNodeItsOwnCount() throws Exception {
        LoginThrottle a = LoginThrottle.shared(store().coordination(), clock);
        InetAddress attacker = ip("192.0.2.9");
        for (int i = 0; i < 3; i++) a.recordFailure(attacker, ALICE);
        store.close(); // every shared call now fails
        for (int i = 3; i < 10; i++) a.recordFailure(attacker, ALICE);
        assertEquals(Optional.of(Duration.ofMinutes(15)), a.refusal(attacker, ALICE), "not unthrottled: the node's own ten");
        assertEquals(Duration.ofSeconds(4), a.accountDelay(ALICE));
        clock.advance(LoginThrottle.WINDOW);
        assertEquals(Optional.empty(), a.refusal(attacker, ALICE), "nor locked out for good");
        store = null;
    }
}
