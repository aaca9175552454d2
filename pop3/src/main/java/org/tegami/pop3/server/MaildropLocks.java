package org.tegami.pop3.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.tegami.store.AccountId;

/** RFC 1939 §8: one POP3 session per maildrop at a time. Shared by all POP3 listeners of a server. */
public final class MaildropLocks {
    private final Set<AccountId> held = ConcurrentHashMap.newKeySet();

    /** @return false when another session holds the maildrop */
    boolean tryLock(AccountId account) {
        return held.add(account);
    }

    void unlock(AccountId account) {
        held.remove(account);
    }
}
