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

    /**
     * What {@code rcpt} is here. Its lookups (domain, user, aliases and their expansion) are one group of reads: on
     * PostgreSQL one read transaction, where each was one of its own.
     */
    public Recipient resolve(EmailAddress rcpt) {
        return org.tegami.store.ReadGroup.run(() -> resolveNow(rcpt));
    }

    private Recipient resolveNow(EmailAddress rcpt) {
        if (!accounts.isLocalDomain(rcpt.domain())) return new Recipient.Remote();
        Optional<Expansion> found = exact(rcpt);
        if (found.isEmpty()) found = rcpt.withoutDetail(SUBADDRESS_SEPARATOR).flatMap(this::exact);
        if (found.isEmpty()) found = accounts.alias("@" + rcpt.domain()).map(this::expand);
        Expansion e = found.orElse(Expansion.NONE);
        return e.accounts().isEmpty() && e.forwards().isEmpty() ? new Recipient.Unknown()
                : new Recipient.Local(e.accounts(), e.forwards());
    }

    /** What an alias expands to: local accounts and remote forward targets, each once. */
    private record Expansion(Set<AccountId> accounts, List<Recipient.Forward> forwards) {
        static final Expansion NONE = new Expansion(Set.of(), List.of());
    }

    /**
     * True when {@code from} (with or without a +detail) is the account's own address or a non-catch-all alias
     * that delivers to this account: the addresses an authenticated user may send as.
     */
    public boolean mayUseSender(Account account, EmailAddress from) {
        return org.tegami.store.ReadGroup.run(() -> mayUseSenderNow(account, from));
    }

    private boolean mayUseSenderNow(Account account, EmailAddress from) {
        List<EmailAddress> candidates = new ArrayList<>(List.of(from));
        from.withoutDetail(SUBADDRESS_SEPARATOR).ifPresent(candidates::add);
        for (EmailAddress a : candidates) {
            if (a.key().equals(account.address().key())) return true;
            Optional<Alias> alias = accounts.alias(a.key());
            if (alias.isPresent() && !alias.get().isCatchAll() && expand(alias.get()).accounts().contains(account.id())) {
                return true;
            }
        }
        return false;
    }

    /** The user with this address, else the expansion of the alias with this address; empty when neither exists. */
    private Optional<Expansion> exact(EmailAddress a) {
        Optional<Account> user = accounts.user(a);
        if (user.isPresent()) return Optional.of(new Expansion(Set.of(user.get().id()), List.of()));
        return accounts.alias(a.key()).map(this::expand);
    }

    /**
     * Breadth-first expansion, deduplicated, with a depth limit and loop protection. A target in a domain that is not
     * ours is forwarded to; a target in one of our domains that is neither a user nor an alias (a removed user) is
     * skipped.
     */
    private Expansion expand(Alias alias) {
        Set<AccountId> out = new LinkedHashSet<>();
        List<Recipient.Forward> forwards = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        seen.add(alias.source());
        List<Alias> level = List.of(alias);
        for (int depth = 0; depth < MAX_ALIAS_DEPTH && !level.isEmpty(); depth++) {
            List<Alias> next = new ArrayList<>();
            for (Alias from : level) for (String target : from.targets()) {
                Optional<EmailAddress> t = EmailAddress.parse(target.strip());
                if (t.isEmpty() || !seen.add(t.get().key())) continue;
                if (!accounts.isLocalDomain(t.get().domain())) {
                    forwards.add(new Recipient.Forward(from.source(), t.get().toString()));
                    continue;
                }
                Optional<Account> user = accounts.user(t.get());
                Optional<Alias> nested = user.isPresent() ? Optional.empty() : accounts.alias(t.get().key());
                if (user.isEmpty() && nested.isEmpty()) {
                    // A target written with a sub-address (alice+lists@) still reaches alice.
                    user = t.get().withoutDetail(SUBADDRESS_SEPARATOR).flatMap(accounts::user);
                }
                user.ifPresent(u -> out.add(u.id()));
                nested.ifPresent(next::add);
            }
            level = next;
        }
        return new Expansion(out, forwards);
    }
}
