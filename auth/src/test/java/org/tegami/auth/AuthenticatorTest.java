package org.tegami.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.embedded.EmbeddedStore;

/** Logins against a real embedded store; the throttle runs on a test clock. */
class AuthenticatorTest {
    private static final PasswordHasher HASHER = new PasswordHasher();
    private static final String ALICE = "alice@example.test";

    @TempDir
    Path dir;
    private EmbeddedStore store;
    private final TestClock clock = new TestClock();
    private final LoginThrottle throttle = new LoginThrottle(clock);
    private Authenticator auth;
    private Account alice;
    private InetAddress ip;

    @BeforeEach
    void open() throws Exception {
        store = EmbeddedStore.open(dir, clock);
        store.accounts().addDomain("example.test");
        alice = store.accounts().addUser(EmailAddress.parse(ALICE).orElseThrow(), HASHER.hash("pw-alice-1".toCharArray()));
        auth = new Authenticator(store.accounts(), HASHER, throttle);
        ip = InetAddress.getByName("127.0.0.1");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void theRightPasswordLogsIn() {
        assertEquals(new AuthResult.Success(alice), auth.authenticate(ALICE, "pw-alice-1", ip));
        assertEquals(new AuthResult.Success(alice), auth.authenticate("ALICE@Example.TEST", "pw-alice-1", ip));
    }

    @Test
    void wrongPasswordsAndUnknownUsersLookTheSame() {
        assertEquals(new AuthResult.Failure(), auth.authenticate(ALICE, "pw-alice-2", ip));
        assertEquals(new AuthResult.Failure(), auth.authenticate("ghost@example.test", "pw-alice-1", ip));
    }

    @Test
    void usernamesThatAreNotAddressesFail() {
        assertEquals(new AuthResult.Failure(), auth.authenticate("alice", "pw-alice-1", ip), "the full address is the name");
        assertEquals(new AuthResult.Failure(), auth.authenticate("", "pw-alice-1", InetAddress.getLoopbackAddress()));
    }

    @Test
    void failuresAreCountedUnderTheFoldedAddress() throws Exception {
        auth.authenticate("ALICE@example.test", "wrong", ip);
        auth.authenticate("alice@EXAMPLE.test", "wrong", ip);
        // A third failure for the same mailbox, from elsewhere, slows the account by 1 s only if both were counted.
        InetAddress other = InetAddress.getByName("192.0.2.7");
        throttle.recordFailure(other, ALICE);
        assertEquals(Duration.ofSeconds(1), throttle.accountDelay(ALICE));
    }

    @Test
    void aGoodLoginDoesNotClearFailures() throws Exception {
        auth.authenticate(ALICE, "wrong", ip);
        auth.authenticate(ALICE, "wrong", ip);
        assertEquals(new AuthResult.Success(alice), auth.authenticate(ALICE, "pw-alice-1", ip));
        throttle.recordFailure(ip, "bob@example.test");
        assertEquals(Duration.ofSeconds(1), throttle.delayAfterFailure(ip, "bob@example.test"),
                "one good login does not unlock guessing from this address");
        assertEquals(Duration.ofSeconds(0), throttle.accountDelay(ALICE));
        throttle.recordFailure(InetAddress.getByName("192.0.2.7"), ALICE);
        assertEquals(Duration.ofSeconds(1), throttle.accountDelay(ALICE), "nor ends the slow-down of the account");
    }

    @Test
    void theThirdFailureIsAnsweredAfterADelay() {
        auth.authenticate(ALICE, "wrong", ip);
        auth.authenticate(ALICE, "wrong", ip);
        long start = System.nanoTime();
        assertEquals(new AuthResult.Failure(), auth.authenticate(ALICE, "wrong", ip));
        long elapsed = System.nanoTime() - start;
        assertTrue(elapsed >= Duration.ofSeconds(1).toNanos(), elapsed + " ns");
    }

    @Test
    void aThrottledLoginIsRefusedEvenWithTheRightPassword() {
        for (int i = 0; i < 10; i++) throttle.recordFailure(ip, ALICE);
        assertEquals(new AuthResult.Throttled(Duration.ofMinutes(15)), auth.authenticate(ALICE, "pw-alice-1", ip));
        assertEquals(new AuthResult.Throttled(Duration.ofMinutes(15)), auth.authenticate("Alice@Example.test", "pw-alice-1", ip));
        clock.advance(Duration.ofMinutes(15));
        assertEquals(new AuthResult.Success(alice), auth.authenticate(ALICE, "pw-alice-1", ip));
    }

    @Test
    void aWeakStoredHashIsUpgradedOnLogin() {
        PasswordHasher weak = new PasswordHasher(256, 1, 1);
        Account bob = store.accounts().addUser(EmailAddress.parse("bob@example.test").orElseThrow(),
                weak.hash("pw-bob-1".toCharArray()));
        assertTrue(bob.passwordHash().startsWith("$argon2id$v=19$m=256,t=1,p=1$"), bob.passwordHash());
        assertEquals(AuthResult.Success.class, auth.authenticate("bob@example.test", "pw-bob-1", ip).getClass());
        String upgraded = store.accounts().user(bob.address()).orElseThrow().passwordHash();
        assertTrue(upgraded.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), upgraded);
        assertTrue(HASHER.verify("pw-bob-1".toCharArray(), upgraded));
        assertEquals(AuthResult.Success.class, auth.authenticate("bob@example.test", "pw-bob-1", ip).getClass());
        assertEquals(upgraded, store.accounts().user(bob.address()).orElseThrow().passwordHash(), "upgraded once");
        assertNotEquals(alice.passwordHash(), upgraded);
    }
}
