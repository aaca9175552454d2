package org.tegami.auth;

import java.util.List;
import java.util.Set;
import org.tegami.store.AccountId;

/** Where an envelope recipient goes, as decided by {@link RecipientResolver}. */
public sealed interface Recipient {
    /** The domain is not one of ours: relaying, only for authenticated submission. */
    record Remote() implements Recipient {}

    /** Ours, and it names nobody: 550 5.1.1. */
    record Unknown() implements Recipient {}

    /**
     * Ours: the accounts to deliver to (several for an alias) and the remote addresses an alias forwards to. At least
     * one of the two is not empty.
     */
    record Local(Set<AccountId> accounts, List<Forward> forwards) implements Recipient {
        public Local {
            accounts = Set.copyOf(accounts);
            forwards = List.copyOf(forwards);
            if (accounts.isEmpty() && forwards.isEmpty()) {
                throw new IllegalArgumentException("a local recipient names at least one account or forward");
            }
        }

        /** Only local accounts. */
        public Local(Set<AccountId> accounts) {
            this(accounts, List.of());
        }
    }

    /**
     * A remote address an alias of ours forwards to.
     *
     * @param alias  the alias whose targets name it ({@code sales@example.com}, or {@code @example.com} for a
     *               catch-all): what the forwarding rate is counted for
     * @param target the remote address, {@code local@domain}
     */
    record Forward(String alias, String target) {}
}
