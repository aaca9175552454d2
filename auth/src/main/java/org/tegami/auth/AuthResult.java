package org.tegami.auth;

import java.time.Duration;
import org.tegami.store.Account;

/** Outcome of a login attempt. Protocol code maps each case to its reply; the text sent stays generic. */
public sealed interface AuthResult {
    /** Credentials accepted. */
    record Success(Account account) implements AuthResult {}

    /** Wrong user or password (not told apart to the client). */
    record Failure() implements AuthResult {}

    /** Too many recent failures from this address or for this account; try again later. */
    record Throttled(Duration retryAfter) implements AuthResult {}
}
