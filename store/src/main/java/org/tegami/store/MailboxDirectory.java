package org.tegami.store;

import java.util.List;
import java.util.Optional;

/**
 * The mailbox directory of the mail store (one of its roles): listing, creating, deleting, renaming and subscribing
 * mailboxes, their access control lists (RFC 4314) and annotations (RFC 5464). Thread-safe; changes are durable when
 * a method returns.
 */
public interface MailboxDirectory {

    List<Mailbox> mailboxes(AccountId account);

    Optional<Mailbox> mailbox(AccountId account, String name);

    /**
     * Creates a mailbox (IMAP CREATE, RFC 9051 §6.3.4) with a UIDVALIDITY never used before in this store, so that
     * a deleted and re-created name is never mistaken for the old mailbox (RFC 9051 §2.3.1.1).
     */
    Create create(AccountId account, String name, Optional<String> specialUse);

    /** {@link #create}, for administration and tests: @throws IllegalArgumentException when the name exists */
    default Mailbox createMailbox(AccountId account, String name, Optional<String> specialUse) {
        return switch (create(account, name, specialUse)) {
            case Create.Created c -> c.mailbox();
            case Create.AlreadyExists e -> throw new IllegalArgumentException("mailbox exists: " + name);
        };
    }

    /** What {@link #create} did. */
    sealed interface Create {
        /** The new mailbox. */
        record Created(Mailbox mailbox) implements Create {}

        /** A mailbox of that name exists (perhaps just created by another session); nothing changed. */
        record AlreadyExists() implements Create {}
    }

    /** Deletes a mailbox and its messages (RFC 9051 §6.3.5). @return false when absent */
    boolean deleteMailbox(MailboxId mailbox);

    /**
     * Renames a mailbox and every mailbox below it in the hierarchy ({@code from + separator + ...}), atomically
     * (RFC 9051 §6.3.6). Renaming INBOX instead moves all its messages to a new mailbox {@code to} and leaves INBOX
     * empty.
     * Nothing changes unless the whole rename can be done.
     */
    Rename rename(AccountId account, String from, String to, char separator);

    /** {@link #rename}, for administration and tests: @throws IllegalArgumentException unless renamed */
    default void renameMailbox(AccountId account, String from, String to, char separator) {
        switch (rename(account, from, to, separator)) {
            case Rename.Renamed r -> { }
            case Rename.NotFound n -> throw new IllegalArgumentException("no mailbox " + from);
            case Rename.TargetExists t -> throw new IllegalArgumentException("mailbox exists: " + t.name());
        }
    }

    /** What {@link #rename} did. */
    sealed interface Rename {
        record Renamed() implements Rename {}

        /** No mailbox has the old name. */
        record NotFound() implements Rename {}

        /** The new name, or the new name of a mailbox below the old one ({@code name}), is taken. */
        record TargetExists(String name) implements Rename {}
    }

    /** Subscribes the owner of a mailbox to its name, or not (RFC 9051 §6.3.7, §6.3.8). */
    void subscribe(MailboxId mailbox, boolean subscribed);

    /**
     * Subscribes {@code account} to a name of its own, or not. A subscription is kept by name: it may name no mailbox
     * (RFC 9051 §6.3.7 allows subscribing to one that does not exist) and outlives DELETE and RENAME of its mailbox
     * (§6.3.7: the server MUST NOT unilaterally remove a name from the subscription list), until unsubscribed.
     */
    void subscribe(AccountId account, String name, boolean subscribed);

    /** The names of its own that {@code account} is subscribed to, whether or not a mailbox has them, sorted. */
    java.util.SortedSet<String> subscriptions(AccountId account);

    /**
     * Annotations (IMAP METADATA, RFC 5464) of a mailbox, or of the server for this user when {@code mailbox} is
     * empty: entry name (lower-cased, e.g. {@code /private/comment}) to value, sorted by name.
     */
    java.util.SortedMap<String, String> metadata(AccountId account, Optional<MailboxId> mailbox);

    /** Sets (present value) or removes (empty) entries atomically. */
    void setMetadata(AccountId account, Optional<MailboxId> mailbox, java.util.Map<String, Optional<String>> entries);

    /** The UTF-8 octets of every annotation's name and value an account holds, on all its mailboxes and the server. */
    long metadataOctets(AccountId account);

    /**
     * The access control list of a mailbox (IMAP ACL, RFC 4314): the rights granted to other users and to anyone,
     * ordered by identifier. The owner's own rights are implicit and not listed.
     */
    List<AclEntry> acl(MailboxId mailbox);

    /**
     * Grants {@code rights} (lower-case RFC 4314 §2.1 letters) on a mailbox to one user, or to every user when
     * {@code grantee} is empty; empty rights remove the entry. Sessions that have the mailbox selected are notified,
     * so that they re-check their rights.
     */
    void setRights(MailboxId mailbox, Optional<AccountId> grantee, String rights);

    /**
     * The mailboxes of other accounts on which {@code account}, directly or as "anyone", has any right, by owner
     * address and name, each with the union of those rights and whether {@code account} subscribed to it.
     */
    List<SharedMailbox> sharedWith(AccountId account);

    /** Subscribes {@code account} to another account's mailbox, or not (RFC 9051 §6.3.7). */
    void subscribeShared(AccountId account, MailboxId mailbox, boolean subscribed);
}
