package org.tegami.auth;

import java.util.Set;
import org.tegami.store.AccountId;

/** Where an envelope recipient goes, as decided by {@link RecipientResolver}. */
public sealed interface Recipient {
    /** The domain is not one of ours: relaying, only for authenticated submission. */
    record Remote() implements Recipient {}

    /** Ours, and it names nobody: 550 5.1.1. */
    record Unknown() implements Recipient {}

    /** Ours: the accounts to deliver to (several for an alias). Never empty. */
    record Local(Set<AccountId> accounts) implements Recipient {
        public Local {
            accounts = Set.copyOf(accounts);
            if (accounts.isEmpty()) throw new IllegalArgumentException("a local recipient names at least one account");
        }
    }
}
