package org.tegami.auth;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.AccountStore;
import org.tegami.store.Alias;

/**
 * Decides where an envelope recipient goes, first match wins: exact user, exact alias (expanded recursively),
 * the same two without a sub-address ({@code alice+tag@} → {@code alice@}, RFC 5233), then the domain's
 * catch-all ({@code @domain}). An address that exists as a user or alias is never handed to the catch-all,
 * even when its alias names nobody we host: such mail is refused rather than delivered to someone else. Reads
 * the store on every call, so admin changes apply at once. Thread-safe.
 */
public final class RecipientResolver {
    private static final char SUBADDRESS_SEPARATOR = '+';
    /** Alias chains longer than this are cut off; loops end earlier, at the first address seen twice. */
    private static final int MAX_ALIAS_DEPTH = 10;

    private final AccountStore accounts;

    public RecipientResolver(AccountStore accounts) {
        this.accounts = accounts;
    }

    public Recipient resolve(EmailAddress rcpt) {
        if (!accounts.isLocalDomain(rcpt.domain())) return new Recipient.Remote();
        Optional<Set<AccountId>> found = exact(rcpt);
        if (found.isEmpty()) found = rcpt.withoutDetail(SUBADDRESS_SEPARATOR).flatMap(this::exact);
        if (found.isEmpty()) found = accounts.alias("@" + rcpt.domain()).map(this::expand);
        Set<AccountId> ids = found.orElse(Set.of());
        return ids.isEmpty() ? new Recipient.Unknown() : new Recipient.Local(ids);
    }

    /**
     * True when {@code from} (with or without a +detail) is the account's own address or a non-catch-all alias
     * that delivers to this account: the addresses an authenticated user may send as.
     */
    public boolean mayUseSender(Account account, EmailAddress from) {
        List<EmailAddress> candidates = new ArrayList<>(List.of(from));
        from.withoutDetail(SUBADDRESS_SEPARATOR).ifPresent(candidates::add);
        for (EmailAddress a : candidates) {
            if (a.key().equals(account.address().key())) return true;
            Optional<Alias> alias = accounts.alias(a.key());
            if (alias.isPresent() && !alias.get().isCatchAll() && expand(alias.get()).contains(account.id())) {
                return true;
            }
        }
        return false;
    }

    /** The user with this address, else the expansion of the alias with this address; empty when neither exists. */
    private Optional<Set<AccountId>> exact(EmailAddress a) {
        Optional<Account> user = accounts.user(a);
        if (user.isPresent()) return Optional.of(Set.of(user.get().id()));
        return accounts.alias(a.key()).map(this::expand);
    }

    /**
     * Breadth-first expansion, deduplicated, with a depth limit and loop protection. Targets that are neither
     * local users nor aliases (remote addresses, removed users) are skipped: we deliver, we do not forward.
     */
    private Set<AccountId> expand(Alias alias) {
        Set<AccountId> out = new LinkedHashSet<>();
        Set<String> seen = new HashSet<>();
        seen.add(alias.source());
        List<String> level = alias.targets();
        for (int depth = 0; depth < MAX_ALIAS_DEPTH && !level.isEmpty(); depth++) {
            List<String> next = new ArrayList<>();
            for (String target : level) {
                Optional<EmailAddress> t = EmailAddress.parse(target.strip());
                if (t.isEmpty() || !seen.add(t.get().key())) continue;
                Optional<Account> user = accounts.user(t.get());
                Optional<Alias> nested = user.isPresent() ? Optional.empty() : accounts.alias(t.get().key());
                if (user.isEmpty() && nested.isEmpty()) {
                    // A target written with a sub-address (alice+lists@) still reaches alice.
                    user = t.get().withoutDetail(SUBADDRESS_SEPARATOR).flatMap(accounts::user);
                }
                user.ifPresent(u -> out.add(u.id()));
                nested.ifPresent(a -> next.addAll(a.targets()));
            }
            level = next;
        }
        return out;
    }
}
