package org.tegami.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private static final String ALICE = "alice@example.test";
    private final TestClock clock = new TestClock();
    private final LoginThrottle throttle = new LoginThrottle(clock);

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static final InetAddress LOOPBACK = ip("127.0.0.1");

    @Test
    void delaysGrowFromTheThirdFailureAndCapAtEightSeconds() {
        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            throttle.recordFailure(LOOPBACK, ALICE);
            delays.add(throttle.delayAfterFailure(LOOPBACK, ALICE));
        }
        assertEquals(List.of(0L, 0L, 1L, 2L, 4L, 8L, 8L), delays.stream().map(Duration::toSeconds).toList());
        assertEquals(Duration.ofSeconds(8), delays.getLast());
    }

    @Test
    void tenFailuresRefuseUntilTheyAgeOut() {
        for (int i = 0; i < 9; i++) throttle.recordFailure(LOOPBACK, ALICE);
        assertEquals(Optional.empty(), throttle.refusal(LOOPBACK, ALICE), "nine is not yet ten");
        throttle.recordFailure(LOOPBACK, ALICE);
        assertEquals(Optional.of(Duration.ofMinutes(15)), throttle.refusal(LOOPBACK, ALICE), "loopback is not exempt");
        clock.advance(Duration.ofMinutes(14));
        assertEquals(Optional.of(Duration.ofMinutes(1)), throttle.refusal(LOOPBACK, ALICE));
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Optional.empty(), throttle.refusal(LOOPBACK, ALICE));
        throttle.recordFailure(LOOPBACK, ALICE);
        assertEquals(Duration.ZERO, throttle.delayAfterFailure(LOOPBACK, ALICE), "old failures no longer count");
    }

    @Test
    void failuresSpreadOverTheWindowAgeOutOneByOne() {
        for (int i = 0; i < 10; i++) {
            throttle.recordFailure(LOOPBACK, ALICE);
            clock.advance(Duration.ofMinutes(1));
        }
        // First failure at 0, tenth at 9 min, now 10 min: refused until the first ages out at 15 min.
        assertEquals(Optional.of(Duration.ofMinutes(5)), throttle.refusal(LOOPBACK, ALICE));
        clock.advance(Duration.ofMinutes(5));
        assertEquals(Optional.empty(), throttle.refusal(LOOPBACK, ALICE), "nine left in the window");
        throttle.recordFailure(LOOPBACK, ALICE);
        assertEquals(Optional.of(Duration.ofMinutes(1)), throttle.refusal(LOOPBACK, ALICE),
                "ten again: refused until the one from minute 1 ages out at 16 min");
    }

    @Test
    void refusalLastsAtLeastOneMinute() {
        throttle.recordFailure(LOOPBACK, ALICE);
        clock.advance(Duration.ofSeconds(14 * 60 + 50));
        for (int i = 0; i < 9; i++) throttle.recordFailure(LOOPBACK, ALICE);
        assertEquals(Optional.of(Duration.ofMinutes(1)), throttle.refusal(LOOPBACK, ALICE));
        clock.advance(Duration.ofSeconds(30));
        assertEquals(Optional.of(Duration.ofSeconds(30)), throttle.refusal(LOOPBACK, ALICE),
                "still refused although the first failure has aged out");
        clock.advance(Duration.ofSeconds(30));
        assertEquals(Optional.empty(), throttle.refusal(LOOPBACK, ALICE));
    }

    @Test
    void anAccountIsOnlySlowedFromOtherAddresses() {
        for (int i = 0; i < 10; i++) throttle.recordFailure(ip("192.0.2." + i), ALICE);
        assertEquals(Optional.empty(), throttle.refusal(ip("198.51.100.1"), ALICE), "issue 12: the owner is not locked out");
        assertEquals(Duration.ofSeconds(4), throttle.accountDelay(ALICE), "capped");
        assertEquals(Duration.ofSeconds(4), throttle.accountDelay("ALICE@Example.TEST"), "account names fold like addresses");
        assertEquals(Duration.ZERO, throttle.accountDelay("bob@example.test"));
        assertEquals(Duration.ZERO, throttle.delayAfterFailure(ip("198.51.100.1"), ALICE), "a fresh address has no failures");
    }

    @Test
    void theAccountDelayGrowsWithFailuresFromAnywhere() {
        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            delays.add(throttle.accountDelay(ALICE));
            throttle.recordFailure(ip("192.0.2." + i), ALICE);
        }
        assertEquals(List.of(0L, 0L, 0L, 1L, 2L, 4L, 4L), delays.stream().map(Duration::toSeconds).toList());
        clock.advance(LoginThrottle.WINDOW);
        assertEquals(Duration.ZERO, throttle.accountDelay(ALICE), "aged out");
    }

    @Test
    void anAddressThatGuessedOneAccountIsRefusedForIt() {
        for (int i = 0; i < 10; i++) throttle.recordFailure(LOOPBACK, ALICE);
        assertEquals(Optional.of(Duration.ofMinutes(15)), throttle.refusal(LOOPBACK, ALICE));
        assertEquals(Optional.empty(), throttle.refusal(ip("127.0.0.2"), ALICE));
    }

    @Test
    void anAddressIsRefusedForEveryAccount() {
        for (int i = 0; i < 10; i++) throttle.recordFailure(LOOPBACK, "user" + i + "@example.test");
        assertEquals(Optional.of(Duration.ofMinutes(15)), throttle.refusal(LOOPBACK, "fresh@example.test"));
        assertEquals(Optional.empty(), throttle.refusal(ip("127.0.0.2"), "fresh@example.test"));
        assertEquals(Duration.ZERO, throttle.delayAfterFailure(ip("127.0.0.2"), "user3@example.test"),
                "one failure for user3");
    }

    @Test
    void ipv6AddressesAreCountedPerSlash64() {
        assertEquals(LoginThrottle.ipKey(ip("2001:db8::1")), LoginThrottle.ipKey(ip("2001:db8::ffff:ffff:ffff:ffff")));
        assertNotEquals(LoginThrottle.ipKey(ip("2001:db8::1")), LoginThrottle.ipKey(ip("2001:db8:0:1::1")));
        assertNotEquals(LoginThrottle.ipKey(ip("192.0.2.1")), LoginThrottle.ipKey(ip("192.0.2.2")), "IPv4: per address");
        for (int i = 0; i < 10; i++) throttle.recordFailure(ip("2001:db8::" + Integer.toHexString(i + 1)), "u" + i);
        assertEquals(Optional.of(Duration.ofMinutes(15)), throttle.refusal(ip("2001:db8::abcd:1"), "other"));
        assertEquals(Optional.empty(), throttle.refusal(ip("2001:db8:0:1::1"), "other"));
        for (int i = 0; i < 10; i++) throttle.recordFailure(ip("::1"), "v" + i);
        assertEquals(Optional.of(Duration.ofMinutes(15)), throttle.refusal(ip("::1"), "other"), "IPv6 loopback too");
    }

    @Test
    void theOldestKeysAreDroppedAtTheCap() {
        LoginThrottle small = new LoginThrottle(clock, 4);
        for (int i = 0; i < 3; i++) small.recordFailure(ip("192.0.2.1"), "a@example.test");
        assertEquals(Duration.ofSeconds(1), small.delayAfterFailure(ip("192.0.2.1"), "a@example.test"));
        small.recordFailure(ip("192.0.2.2"), "b@example.test");
        small.recordFailure(ip("192.0.2.3"), "c@example.test");
        assertEquals(4, small.size());
        assertEquals(Duration.ZERO, small.delayAfterFailure(ip("192.0.2.1"), "a@example.test"), "forgotten");
        for (int i = 0; i < 2; i++) small.recordFailure(ip("192.0.2.3"), "c@example.test");
        assertEquals(Duration.ofSeconds(1), small.delayAfterFailure(ip("192.0.2.3"), "c@example.test"), "kept");
    }

    @Test
    void theDefaultCapHoldsUnderAFlood() {
        for (int i = 0; i < LoginThrottle.MAX_KEYS + 50; i++) throttle.recordFailure(LOOPBACK, "u" + i);
        assertEquals(LoginThrottle.MAX_KEYS, throttle.size());
        assertEquals(Optional.of(Duration.ofMinutes(15)), throttle.refusal(LOOPBACK, "new"),
                "the flooding address itself stays tracked");
    }

    @Test
    void concurrentFailuresAreAllCounted() throws Exception {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 8; t++) {
                int n = t;
                pool.submit(() -> {
                    for (int i = 0; i < 5; i++) throttle.recordFailure(ip("192.0.2." + n), "user" + n);
                    for (int i = 0; i < 5; i++) throttle.recordFailure(ip("198.51.100." + i), ALICE);
                });
            }
        }
        for (int t = 0; t < 8; t++) {
            assertEquals(Duration.ofSeconds(4), throttle.delayAfterFailure(ip("192.0.2." + t), "user" + t), "5 each");
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(Duration.ofSeconds(8), throttle.delayAfterFailure(ip("198.51.100." + i), ALICE), "8 each");
        }
    }
}
