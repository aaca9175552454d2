package org.tegami.store;

import java.util.List;
import java.util.Optional;
import org.tegami.mime.EmailAddress;

/**
 * Domains, users and aliases. Reads always see the latest committed state, including changes made by another
 * process on the same data directory (admin commands while the server runs). Domains are stored lower-case;
 * user lookups fold the local part (see {@link EmailAddress#key()}).
 *
 * <p>Thread-safe. Mutations are durable when they return.
 */
public interface AccountStore {

    /** @return false when the domain was already there */
    boolean addDomain(String domain);

    /** Removes a domain; its users and aliases stay until removed. @return false when absent */
    boolean removeDomain(String domain);

    List<String> domains();

    boolean isLocalDomain(String domain);

    /**
     * Creates a user with an INBOX and the special-use mailboxes (Sent, Drafts, Trash, Junk, Archive).
     *
     * @throws IllegalArgumentException when the address already exists or its domain is not local
     */
    Account addUser(EmailAddress address, String passwordHash);

    /** @return false when there is no such user */
    boolean setPasswordHash(EmailAddress address, String passwordHash);

    /** Removes a user and all their mail. @return false when absent */
    boolean removeUser(EmailAddress address);

    Optional<Account> user(EmailAddress address);

    Optional<Account> user(AccountId id);

    /**
     * Whether the user a session logged in as still exists (the same id with the same address): an admin may
     * remove a user from another process while their sessions are open, and those sessions must then end.
     */
    default boolean stillExists(Account account) {
        return user(account.id()).filter(u -> u.address().key().equals(account.address().key())).isPresent();
    }

    List<Account> users();

    int userCount();

    /**
     * Sets a user's limits (RFC 9208 STORAGE in KiB and MESSAGE); both empty removes the quota.
     *
     * @return false when there is no such user
     */
    boolean setQuota(AccountId account, java.util.OptionalLong storageKib, java.util.OptionalLong messages);

    /** The user's limits and current usage; empty when the user has no quota (unlimited). */
    Optional<Quota> quota(AccountId account);

    /** Adds or replaces an alias. {@code source} is {@code local@domain} or {@code @domain} (catch-all). */
    void putAlias(String source, List<String> targets);

    /** @return false when absent */
    boolean removeAlias(String source);

    Optional<Alias> alias(String source);

    List<Alias> aliases();
}
