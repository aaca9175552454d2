package org.tegami.auth;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountStore;

/**
 * Checks a username (the full address) and password for every protocol, through the shared
 * {@link LoginThrottle}. Unknown users cost the same time as wrong passwords. Callers run on virtual threads,
 * so the failure delay is a plain sleep.
 */
public final class Authenticator {
    private final AccountStore accounts;
    private final PasswordHasher hasher;
    private final LoginThrottle throttle;

    public Authenticator(AccountStore accounts, PasswordHasher hasher, LoginThrottle throttle) {
        this.accounts = accounts;
        this.hasher = hasher;
        this.throttle = throttle;
    }

    public AuthResult authenticate(String username, String password, InetAddress client) {
        String key = username.strip();
        Optional<Duration> refused = throttle.refusal(client, key);
        if (refused.isPresent()) return new AuthResult.Throttled(refused.get());
        char[] pw = password.toCharArray();
        try {
            Optional<Account> account = EmailAddress.parse(key).flatMap(accounts::user);
            if (account.isEmpty()) {
                hasher.verifyDummy(pw);
            } else if (hasher.verify(pw, account.get().passwordHash())) {
                throttle.recordSuccess(client, key);
                return new AuthResult.Success(account.get());
            }
        } finally {
            java.util.Arrays.fill(pw, '\0');
        }
        Duration delay = throttle.recordFailure(client, key);
        sleep(delay);
        return new AuthResult.Failure();
    }

    private static void sleep(Duration d) {
        if (d.isZero()) return;
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
