package org.tegami.auth;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.AccountStore;
import org.tegami.store.Alias;

/**
 * Decides where an envelope recipient goes: exact user, alias (expanded recursively), sub-address
 * ({@code alice+tag@} → alice, RFC 5233), then the domain's catch-all ({@code @domain}). Reads the store on every
 * call, so admin changes apply at once.
 */
public final class RecipientResolver {
    private static final char SUBADDRESS_SEPARATOR = '+';
    private static final int MAX_ALIAS_DEPTH = 10;

    private final AccountStore accounts;

    public RecipientResolver(AccountStore accounts) {
        this.accounts = accounts;
    }

    public Recipient resolve(EmailAddress rcpt) {
        if (!accounts.isLocalDomain(rcpt.domain())) return new Recipient.Remote();
        Set<AccountId> found = exact(rcpt);
        if (found.isEmpty()) {
            Optional<EmailAddress> base = rcpt.withoutDetail(SUBADDRESS_SEPARATOR);
            if (base.isPresent()) found = exact(base.get());
        }
        if (found.isEmpty()) {
            found = accounts.alias("@" + rcpt.domain()).map(this::expand).orElse(Set.of());
        }
        return found.isEmpty() ? new Recipient.Unknown() : new Recipient.Local(found);
    }

    /** A user with this address, else the expansion of an alias with this address. */
    private Set<AccountId> exact(EmailAddress a) {
        Optional<Account> user = accounts.user(a);
        if (user.isPresent()) return Set.of(user.get().id());
        return accounts.alias(a.key()).map(this::expand).orElse(Set.of());
    }

    /** Breadth-first expansion with a depth limit and loop protection; targets that are not local users are skipped. */
    private Set<AccountId> expand(Alias alias) {
        Set<AccountId> out = new LinkedHashSet<>();
        Set<String> seen = new HashSet<>();
        Deque<String> queue = new ArrayDeque<>(alias.targets());
        seen.add(alias.source());
        for (int depth = 0; depth < MAX_ALIAS_DEPTH && !queue.isEmpty(); depth++) {
            Deque<String> next = new ArrayDeque<>();
            for (String target : queue) {
                Optional<EmailAddress> t = EmailAddress.parse(target);
                if (t.isEmpty() || !seen.add(t.get().key())) continue;
                Optional<Account> user = accounts.user(t.get());
                if (user.isPresent()) {
                    out.add(user.get().id());
                } else {
                    accounts.alias(t.get().key()).ifPresent(a -> next.addAll(a.targets()));
                }
            }
            queue = next;
        }
        return out;
    }

    /**
     * True when {@code from} is the account's own address (with or without a +detail) or a non-catch-all alias
     * that delivers to this account.
     */
    public boolean mayUseSender(Account account, EmailAddress from) {
        EmailAddress base = from.withoutDetail(SUBADDRESS_SEPARATOR).orElse(from);
        for (EmailAddress a : new EmailAddress[] {from, base}) {
            if (a.key().equals(account.address().key())) return true;
            Optional<Alias> alias = accounts.alias(a.key());
            if (alias.isPresent() && !alias.get().isCatchAll() && expand(alias.get()).contains(account.id())) return true;
        }
        return false;
    }
}
