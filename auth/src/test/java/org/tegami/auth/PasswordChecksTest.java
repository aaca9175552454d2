package org.tegami.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.embedded.EmbeddedStore;

/** Password checks are bounded (a login flood runs at most N Argon2id at once) and recent successes remembered. */
class PasswordChecksTest {
    private static final PasswordHasher HASHER = new PasswordHasher();
    private static final String ALICE = "alice@example.test";

    @TempDir
    Path dir;
    private EmbeddedStore store;
    private final TestClock clock = new TestClock();
    private Account alice;
    private InetAddress ip;

    @BeforeEach
    void open() throws Exception {
        store = EmbeddedStore.open(dir, clock);
        store.accounts().addDomain("example.test");
        alice = store.accounts().addUser(EmailAddress.parse(ALICE).orElseThrow(), HASHER.hash("pw-alice-1".toCharArray()));
        ip = InetAddress.getByName("127.0.0.1");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aSuccessIsRememberedUntilThePasswordChangesOrTheTimeToLiveEnds() {
        PasswordChecks checks = new PasswordChecks(HASHER, 2, 16, Duration.ofMinutes(60), 100, clock);
        Authenticator auth = new Authenticator(store.accounts(), HASHER, new LoginThrottle(clock), checks);
        assertEquals(new AuthResult.Success(alice), auth.authenticate(ALICE, "pw-alice-1", ip));
        assertEquals(1, checks.argon2Runs());
        assertEquals(new AuthResult.Success(alice), auth.authenticate(ALICE, "pw-alice-1", ip));
        assertEquals(1, checks.argon2Runs(), "the second login is served from the cache");
        assertEquals(new AuthResult.Failure(), auth.authenticate(ALICE, "pw-alice-2", ip));
        assertEquals(new AuthResult.Failure(), auth.authenticate(ALICE, "pw-alice-2", ip));
        assertEquals(3, checks.argon2Runs(), "failures are never cached: each guess pays for its check");

        store.accounts().setPasswordHash(alice.address(), HASHER.hash("pw-alice-new".toCharArray()));
        assertEquals(new AuthResult.Failure(), auth.authenticate(ALICE, "pw-alice-1", ip), "the old password is gone");
        Account renewed = store.accounts().user(alice.id()).orElseThrow();
        assertEquals(new AuthResult.Success(renewed), auth.authenticate(ALICE, "pw-alice-new", ip));
        long runs = checks.argon2Runs();
        clock.advance(Duration.ofMinutes(61));
        assertEquals(new AuthResult.Success(renewed), auth.authenticate(ALICE, "pw-alice-new", ip));
        assertEquals(runs + 1, checks.argon2Runs(), "checked again after the time to live");
    }

    @Test
    void aLoginFloodRunsAtMostTheWorkersAtOnceAndTurnsAwayWhatCannotWait() throws Exception {
        PasswordChecks checks = new PasswordChecks(HASHER, 2, 4, Duration.ofMinutes(60), 100, clock);
        Authenticator auth = new Authenticator(store.accounts(), HASHER, new LoginThrottle(clock), checks);
        int logins = 20;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<AuthResult> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < logins; i++) {
            String user = "user" + i + "@example.test"; // unknown users: a dummy check each, nothing cached
            InetAddress from = InetAddress.getByName("127.0.1." + (i + 1)); // no address throttle in the way
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                results.add(auth.authenticate(user, "guess", from));
            }));
        }
        go.countDown();
        for (Thread t : threads) t.join();
        assertTrue(checks.mostRunning() <= 2, "at most the workers at once: " + checks.mostRunning());
        long busy = results.stream().filter(r -> r instanceof AuthResult.Throttled).count();
        long failed = results.stream().filter(r -> r instanceof AuthResult.Failure).count();
        assertEquals(logins, busy + failed);
        assertTrue(busy > 0, "more than 2 running + 4 waiting were turned away as busy");
        assertEquals(failed, checks.argon2Runs());
    }
}
