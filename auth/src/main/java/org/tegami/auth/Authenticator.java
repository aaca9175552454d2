package org.tegami.auth;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.tegami.core.metrics.Metrics;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountStore;

/**
 * Checks a username (the full address, case-insensitive) and password for every protocol, through the shared
 * {@link LoginThrottle}: an address that guessed too often is refused, an account under attack is only slowed. Unknown users cost the same time as wrong passwords. A stored hash with weaker
 * parameters than today's is replaced after a successful login. Checks run bounded and recent successes are
 * remembered ({@link PasswordChecks}). Callers run on virtual threads, so the failure
 * delay is a plain sleep. Passwords are neither logged nor kept after the call.
 */
public final class Authenticator {
    private static final Logger LOG = System.getLogger(Authenticator.class.getName());

    private final AccountStore accounts;
    private final PasswordHasher hasher;
    private final LoginThrottle throttle;

    private final PasswordChecks checks;

    public Authenticator(AccountStore accounts, PasswordHasher hasher, LoginThrottle throttle) {
        this(accounts, hasher, throttle, new PasswordChecks(hasher, java.time.InstantSource.system()));
    }

    Authenticator(AccountStore accounts, PasswordHasher hasher, LoginThrottle throttle, PasswordChecks checks) {
        this.accounts = accounts;
        this.hasher = hasher;
        this.throttle = throttle;
        this.checks = checks;
    }

    public AuthResult authenticate(String username, String password, InetAddress client) {
        Optional<EmailAddress> address = EmailAddress.parse(username.strip());
        // One key per mailbox however the client spells it, so case variants share one failure count.
        String key = address.map(EmailAddress::key).orElse(username.strip().toLowerCase(Locale.ROOT));
        Optional<Duration> refused = throttle.refusal(client, key);
        if (refused.isPresent()) {
            Metrics.authAttempt("throttled");
            return new AuthResult.Throttled(refused.get());
        }
        // Before the check, whatever the password: so an answer's timing does not tell a right guess early.
        sleep(throttle.accountDelay(key));
        char[] pw = password.toCharArray();
        try {
            Optional<Account> account = address.flatMap(accounts::user);
            PasswordChecks.Result r = account.isEmpty() ? checks.verifyDummy(pw)
                    : checks.verify(pw, account.get().passwordHash());
            if (r == PasswordChecks.Result.BUSY) {
                // More logins waiting for a check than the server takes at once: neither a success nor a failure.
                Metrics.authAttempt("throttled");
                return new AuthResult.Throttled(Duration.ofSeconds(1));
            }
            if (r == PasswordChecks.Result.MATCH) {
                // Failures are not cleared: a good login must not unlock guessing from this address, nor (an owner's
                // phone logs in every few minutes) end the slow-down for guesses at this account from elsewhere.
                rehashIfWeak(account.get(), pw);
                Metrics.authAttempt("success");
                return new AuthResult.Success(account.get());
            }
        } finally {
            Arrays.fill(pw, '\0');
        }
        throttle.recordFailure(client, key);
        Metrics.authAttempt("failure");
        sleep(throttle.delayAfterFailure(client, key));
        return new AuthResult.Failure();
    }

    /** The login just proved the password, the only moment we can re-derive it with today's parameters. */
    private void rehashIfWeak(Account account, char[] pw) {
        if (!hasher.needsRehash(account.passwordHash())) return;
        try {
            accounts.setPasswordHash(account.address(), hasher.hash(pw));
        } catch (RuntimeException e) {
            // The old hash still works; the login must not fail because the upgrade did.
            LOG.log(Level.WARNING, "could not upgrade the password hash of " + account.address(), e);
        }
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
