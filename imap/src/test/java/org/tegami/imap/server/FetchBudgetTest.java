package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tegami.store.AccountId;

/** FETCH responses over message text hold room in a budget: per user and in all, waiting rather than growing. */
class FetchBudgetTest {
    private static final long MIB = 1 << 20;

    @Test
    void aUserWhoseResponsesStallWaitsAloneWhileOthersProceed() throws Exception {
        FetchBudget budget = new FetchBudget(256 * MIB, 64 * MIB);
        AccountId mallory = new AccountId(1);
        AccountId alice = new AccountId(2);
        // mallory's slow-reading connections each hold a response over a 20 MiB message (40 MiB counted): one fits
        FetchBudget.Hold first = budget.hold(mallory, 20 * MIB);
        CountDownLatch second = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> {
            try (FetchBudget.Hold h = budget.hold(mallory, 20 * MIB)) {
                second.countDown();
            }
        });
        assertFalse(second.await(300, TimeUnit.MILLISECONDS), "mallory's second response waits for the first");
        try (FetchBudget.Hold h = budget.hold(alice, 20 * MIB)) {
            assertEquals((256 - 80) * 1024, budget.availableKib(), "alice is not held up by mallory");
        }
        first.close();
        assertTrue(second.await(30, TimeUnit.SECONDS), "room given back lets the waiting response go");
        t.join();
        assertEquals(256 * 1024, budget.availableKib(), "everything given back");
    }

    @Test
    void allUsersTogetherNeverHoldMoreThanTheTotalAndAHugeMessageTakesOneUsersWholeBudget() throws Exception {
        FetchBudget budget = new FetchBudget(100 * MIB, 64 * MIB);
        FetchBudget.Hold a = budget.hold(new AccountId(1), 500 * MIB); // counted as the whole 64 MiB of its user
        assertEquals(36 * 1024, budget.availableKib());
        CountDownLatch b = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> {
            try (FetchBudget.Hold h = budget.hold(new AccountId(2), 30 * MIB)) { // 60 MiB: more than the 36 left
                b.countDown();
            }
        });
        assertFalse(b.await(300, TimeUnit.MILLISECONDS), "another user waits once the total is used");
        a.close();
        assertTrue(b.await(30, TimeUnit.SECONDS));
        t.join();
        assertEquals(100 * 1024, budget.availableKib());
    }
}
