package org.tegami.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tegami.auth.sasl.PlainCredentials;
import org.tegami.auth.sasl.Sasl;
import org.tegami.auth.sasl.SaslException;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;

/** Password hashing, the login throttle, SASL decoding, and recipient resolution against a real store. */
class AuthTest {
    private static final PasswordHasher HASHER = new PasswordHasher();

    @TempDir
    Path dir;
    private Store store;

    @AfterEach
    void close() {
        if (store != null) store.close();
    }

    private static EmailAddress a(String s) {
        return EmailAddress.parse(s).orElseThrow();
    }

    @Test
    void argon2idHashesVerifyAndResistTampering() {
        String h = HASHER.hash("correct horse".toCharArray());
        assertTrue(h.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), h);
        assertTrue(HASHER.verify("correct horse".toCharArray(), h));
        assertFalse(HASHER.verify("correct horsE".toCharArray(), h));
        assertNotEquals(h, HASHER.hash("correct horse".toCharArray()), "salted");
        String tampered = h.substring(0, h.length() - 2) + (h.endsWith("A") ? "BB" : "AA");
        assertFalse(HASHER.verify("correct horse".toCharArray(), tampered));
        assertFalse(HASHER.verify("x".toCharArray(), "$2y$10$notargon"));
        assertFalse(HASHER.verify("x".toCharArray(), "$argon2id$v=19$m=99999999,t=2,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"),
                "absurd parameters are refused, not computed");
        assertFalse(HASHER.needsRehash(h));
        assertTrue(HASHER.needsRehash("$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"));
    }

    @Test
    void argon2idMatchesAnIndependentImplementation() {
        // Reference value from the argon2 CLI (P-H-C reference implementation):
        // echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1 -l 32 -e
        String ref = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        assertTrue(HASHER.verify("password".toCharArray(), ref));
    }

    /** A clock the test moves by hand. */
    private static final class TestClock implements InstantSource {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void throttleDelaysGrowThenRefusesThenAgesOut() throws Exception {
        TestClock clock = new TestClock();
        LoginThrottle t = new LoginThrottle(clock);
        InetAddress ip = InetAddress.getByName("127.0.0.1");
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 7; i++) delays.add(t.recordFailure(ip, "alice@example.test").toSeconds());
        assertEquals(List.of(0L, 0L, 1L, 2L, 4L, 8L, 8L), delays);
        assertEquals(Optional.empty(), t.refusal(ip, "alice@example.test"));
        for (int i = 0; i < 3; i++) t.recordFailure(ip, "alice@example.test");
        assertTrue(t.refusal(ip, "alice@example.test").isPresent(), "refused after 10, loopback included");
        assertTrue(t.refusal(InetAddress.getByName("192.0.2.9"), "alice@example.test").isPresent(), "per account");
        assertTrue(t.refusal(ip, "bob@example.test").isPresent(), "per address");
        clock.now = clock.now.plus(Duration.ofMinutes(16));
        assertEquals(Optional.empty(), t.refusal(ip, "alice@example.test"));
    }

    @Test
    void successClearsTheAccountButNotTheAddress() throws Exception {
        LoginThrottle t = new LoginThrottle(new TestClock());
        InetAddress ip = InetAddress.getByName("2001:db8::1");
        for (int i = 0; i < 10; i++) t.recordFailure(ip, "user" + i + "@example.test");
        t.recordSuccess(ip, "user0@example.test");
        assertTrue(t.refusal(InetAddress.getByName("2001:db8::ffff"), "other@example.test").isPresent(), "same /64");
        assertFalse(t.refusal(InetAddress.getByName("2001:db8:1::1"), "other@example.test").isPresent());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void saslPlainParsesAndDetectsImpersonation() throws SaslException {
        assertEquals(new PlainCredentials("", "alice@example.test", "pw d"), Sasl.parsePlain(b64("\0alice@example.test\0pw d")));
        assertFalse(Sasl.parsePlain(b64("alice@example.test\0alice@example.test\0pw")).impersonates());
        assertTrue(Sasl.parsePlain(b64("bob@example.test\0alice@example.test\0pw")).impersonates());
        assertEquals("ünï", Sasl.decodeBase64Utf8(b64("ünï")));
        assertTrue(Sasl.isCancel("*"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "not base64!                   | invalid base64",
            "AGFsaWNl                      | PLAIN response must be authzid NUL authcid NUL password",
            "AGFsaWNlAHB3AHg=              | PLAIN response must be authzid NUL authcid NUL password",
            "AABwdw==                      | empty user name or password",
            "AGFsaWNlAA==                  | empty user name or password",
            "AGFsaWNlAP8=                  | invalid UTF-8",
    })
    void saslPlainRejects(String input, String message) {
        assertEquals(message, assertThrows(SaslException.class, () -> Sasl.parsePlain(input.strip())).getMessage());
    }

    private Store store() {
        if (store == null) {
            store = EmbeddedStore.open(dir, InstantSource.system());
            store.accounts().addDomain("example.test");
        }
        return store;
    }

    private Account user(String address, String password) {
        return store().accounts().addUser(a(address), HASHER.hash(password.toCharArray()));
    }

    @Test
    void resolverFollowsUsersAliasesSubaddressesAndCatchAll() {
        Account alice = user("alice@example.test", "pw-alice-1");
        Account bob = user("bob@example.test", "pw-bob-12");
        var acc = store().accounts();
        acc.putAlias("team@example.test", List.of("alice@example.test", "staff@example.test", "x@remote.test"));
        acc.putAlias("staff@example.test", List.of("bob@example.test", "team@example.test")); // a loop
        RecipientResolver r = new RecipientResolver(acc);
        assertEquals(new Recipient.Local(Set.of(alice.id())), r.resolve(a("Alice@Example.TEST")));
        assertEquals(new Recipient.Local(Set.of(alice.id())), r.resolve(a("alice+lists@example.test")));
        assertEquals(new Recipient.Local(Set.of(alice.id(), bob.id())), r.resolve(a("team@example.test")));
        assertEquals(new Recipient.Local(Set.of(alice.id(), bob.id())), r.resolve(a("team+x@example.test")));
        assertInstanceOf(Recipient.Unknown.class, r.resolve(a("nobody@example.test")));
        assertInstanceOf(Recipient.Remote.class, r.resolve(a("alice@remote.test")));
        acc.putAlias("@example.test", List.of("bob@example.test"));
        assertEquals(new Recipient.Local(Set.of(bob.id())), r.resolve(a("nobody@example.test")), "catch-all");
        assertEquals(new Recipient.Local(Set.of(alice.id())), r.resolve(a("alice@example.test")), "a user beats the catch-all");
        assertTrue(r.mayUseSender(alice, a("alice+x@example.test")));
        assertTrue(r.mayUseSender(alice, a("team@example.test")));
        assertFalse(r.mayUseSender(alice, a("bob@example.test")));
        assertFalse(r.mayUseSender(alice, a("nobody@example.test")), "a catch-all does not make every address yours");
    }

    @Test
    void authenticatorAcceptsThrottlesAndHidesUnknownUsers() throws Exception {
        user("alice@example.test", "pw-alice-1");
        Authenticator auth = new Authenticator(store().accounts(), HASHER, new LoginThrottle(new TestClock()));
        InetAddress ip = InetAddress.getByName("127.0.0.1");
        assertInstanceOf(AuthResult.Success.class, auth.authenticate("ALICE@example.test", "pw-alice-1", ip));
        assertInstanceOf(AuthResult.Failure.class, auth.authenticate("alice@example.test", "wrong", ip));
        assertInstanceOf(AuthResult.Failure.class, auth.authenticate("ghost@example.test", "pw-alice-1", ip));
        AtomicReference<AuthResult> last = new AtomicReference<>();
        LoginThrottle fast = new LoginThrottle(new TestClock());
        for (int i = 0; i < 10; i++) fast.recordFailure(ip, "alice@example.test");
        last.set(new Authenticator(store().accounts(), HASHER, fast).authenticate("alice@example.test", "pw-alice-1", ip));
        assertInstanceOf(AuthResult.Throttled.class, last.get(), "refused even with the right password");
    }
}
