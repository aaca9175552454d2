package org.tegami.smtp.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.AccountId;
import org.tegami.store.embedded.EmbeddedStore;

/** A user's submissions on two nodes count against one hourly limit (ADR 0024). */
class SharedSendRateTest {
    private static final Instant T = Instant.parse("2025-03-01T10:00:00Z");
    @TempDir
    Path dir;

    @Test
    void submissionsOnTwoNodesShareTheLimit() {
        AccountId alice = new AccountId(1);
        try (EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.fixed(T))) {
            SendRate a = SendRate.shared(3, store.coordination());
            SendRate b = SendRate.shared(3, store.coordination());
            a.record(alice, T);
            a.record(alice, T.plusSeconds(1));
            assertTrue(b.allows(alice, T.plusSeconds(2)));
            b.record(alice, T.plusSeconds(2));
            assertFalse(b.allows(alice, T.plusSeconds(3)), "three on two nodes: the limit on both");
            assertFalse(a.allows(alice, T.plusSeconds(3)));
            assertTrue(b.allows(new AccountId(2), T.plusSeconds(3)), "per account");
            assertTrue(b.allows(alice, T.plus(Duration.ofHours(1)).plusMillis(1)), "the first has left the sliding hour");
            a.record(alice, T.plusSeconds(4));
            store.close();
            assertFalse(a.allows(alice, T.plusSeconds(5)), "the shared store failing: the node's own three still refuse");
            assertTrue(b.allows(alice, T.plusSeconds(5)), "a node that counted fewer lets its own few through meanwhile");
        }
    }
}
