package org.tegami.pop3.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.AccountId;
import org.tegami.store.embedded.EmbeddedStore;

/**
 * RFC 1939 §8 across nodes (ADR 0024): a maildrop locked on one node is refused on another, renewed while held,
 * freed at unlock, taken over once a dead node's lease runs out; taking a lease fails closed.
 */
class SharedMaildropLocksTest {
    private static final Duration TTL = Duration.ofMillis(600);
    @TempDir
    Path dir;

    @Test
    void oneSessionPerMaildropAcrossNodes() throws Exception {
        AccountId alice = new AccountId(1);
        try (EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.system())) {
            MaildropLocks a = MaildropLocks.shared(store.coordination(), "node-a", InstantSource.system(), TTL);
            MaildropLocks b = MaildropLocks.shared(store.coordination(), "node-b", InstantSource.system(), TTL);
            assertTrue(a.tryLock(alice));
            assertFalse(a.tryLock(alice), "a second session on the same node");
            assertFalse(b.tryLock(alice), "a session on another node");
            assertTrue(b.tryLock(new AccountId(2)), "another maildrop");
            Thread.sleep(TTL.toMillis() * 3); // renewed meanwhile: still held
            assertFalse(b.tryLock(alice), "renewed while the session lives");
            assertTrue(a.held(alice));
            a.unlock(alice);
            assertFalse(a.held(alice));
            assertTrue(b.tryLock(alice), "free once the session ended");
            b.unlock(alice);

            // a node that died holding the lease: refused until its time is up, then taken over
            Instant now = Instant.now();
            assertTrue(store.coordination().tryAcquire("pop3:1", "dead-node/1", now, now.plus(TTL)));
            assertFalse(b.tryLock(alice));
            Thread.sleep(TTL.toMillis() + 50);
            assertTrue(b.tryLock(alice), "the dead node's lease ran out");

            store.close();
            assertThrows(RuntimeException.class, () -> a.tryLock(new AccountId(3)), "fails closed when the store fails");
            assertFalse(a.held(new AccountId(3)));
        }
    }
}
