package org.tegami.imap.server;

import java.util.concurrent.ConcurrentHashMap;
import org.tegami.store.AccountId;

/** How many IMAP sessions are logged in to each account, over every listener of one server. Thread-safe. */
final class AccountSessions {
    private final ConcurrentHashMap<AccountId, Integer> open = new ConcurrentHashMap<>();

    /** Counts one more session for {@code account} unless it has {@code max} already. */
    boolean acquire(AccountId account, int max) {
        boolean[] ok = {false};
        open.compute(account, (id, n) -> {
            int now = n == null ? 0 : n;
            ok[0] = now < max;
            return ok[0] ? now + 1 : n;
        });
        return ok[0];
    }

    void release(AccountId account) {
        open.computeIfPresent(account, (id, n) -> n <= 1 ? null : n - 1);
    }
}
