package org.tegami.store;

import java.util.List;
import java.util.Optional;

/**
 * Mailboxes and messages. Every mutation raises the mailbox's modseq and, after the commit, notifies the
 * {@link ChangeFeed}.
 *
 * <p>Thread-safe. A mutation is on stable storage (fsync'd) when it returns: callers acknowledge to clients only
 * then. Concurrent mutations are batched into one transaction (group commit).
 */
public interface MailStore {

    /** Stores one accepted message for local accounts (and the queue), atomically and durably. */
    Delivered deliver(DeliveryRequest request);

    List<Mailbox> mailboxes(AccountId account);

    Optional<Mailbox> mailbox(AccountId account, String name);

    /** All messages of a mailbox in UID order. */
    List<MessageMeta> messages(MailboxId mailbox);

    /** Messages with UIDs from {@code first} to {@code last} inclusive, in UID order. */
    List<MessageMeta> messages(MailboxId mailbox, Uid first, Uid last);

    /**
     * A new view of a mailbox, read in one snapshot: its counters and every message's UID, flags and modseq in UID
     * order (IMAP SELECT). Empty when the mailbox does not exist.
     */
    Optional<MailboxView> view(MailboxId mailbox);

    /** See {@link #view}. */
    record MailboxView(Mailbox mailbox, List<MessageState> messages) {}

    /** Messages whose modseq is above {@code since}, in UID order (new messages and flag changes). */
    List<MessageMeta> changedSince(MailboxId mailbox, ModSeq since);

    /**
     * Removes messages durably (POP3 UPDATE state, IMAP EXPUNGE): records a tombstone (uid, modseq) for each for
     * QRESYNC (RFC 7162 §3.2.10), raises the modseq, then notifies. Unknown UIDs are ignored.
     */
    void expunge(MailboxId mailbox, java.util.Set<Uid> uids);

    /**
     * IMAP EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315): removes the messages that have {@code \Deleted} at
     * the moment of the commit (only those among {@code within}, when given), so that a flag cleared by another
     * session a moment ago is respected. Returns the UIDs removed.
     */
    java.util.Set<Uid> expungeDeleted(MailboxId mailbox, Optional<java.util.Set<Uid>> within);

    /**
     * Adds a message to a mailbox (IMAP APPEND, RFC 9051 §6.3.12): next UID, new modseq, the given flags and
     * internal date; durable when it returns.
     */
    Uid append(MailboxId mailbox, BlobId blob, long size, java.time.Instant internalDate, java.util.Set<String> flags);

    /**
     * Adds several messages to one mailbox in one transaction: all or none (IMAP MULTIAPPEND, RFC 3502). UIDs are
     * consecutive, in the given order.
     */
    List<Uid> appendAll(MailboxId mailbox, List<NewMessage> messages);

    /**
     * Adds a message to {@code to} and expunges {@code old} from {@code from} in one transaction (IMAP REPLACE,
     * RFC 8508 §3: the new version of a draft never coexists with, nor is lost with, the old one).
     */
    Uid replace(MailboxId from, Uid old, MailboxId to, NewMessage message);

    /** A message for {@link #appendAll}. */
    record NewMessage(BlobId blob, long size, java.time.Instant internalDate, java.util.Set<String> flags) {}

    /**
     * Changes flags (IMAP STORE, RFC 9051 §6.4.6; CONDSTORE UNCHANGEDSINCE, RFC 7162 §3.1.3). Messages whose
     * modseq is above {@code unchangedSince} are left alone and reported in {@link FlagUpdate#failed()}; each
     * changed message gets a new modseq. Unknown UIDs are ignored.
     */
    default FlagUpdate setFlags(MailboxId mailbox, java.util.Set<Uid> uids, FlagMode mode, java.util.Set<String> flags,
                                java.util.Optional<ModSeq> unchangedSince) {
        return setFlags(mailbox, uids, mode, flags, unchangedSince, f -> true);
    }

    /**
     * As above, touching only the flags {@code changeable} accepts (RFC 4314 §4: the rights of a shared mailbox's
     * user decide which flags a STORE may change); REPLACE keeps the others as they are.
     */
    FlagUpdate setFlags(MailboxId mailbox, java.util.Set<Uid> uids, FlagMode mode, java.util.Set<String> flags,
                        java.util.Optional<ModSeq> unchangedSince, java.util.function.Predicate<String> changeable);

    /** How {@link #setFlags} combines the given flags with the current ones. */
    enum FlagMode { ADD, REMOVE, REPLACE }

    /** The messages whose flags changed (with their new state) and the UIDs refused by UNCHANGEDSINCE. */
    record FlagUpdate(List<MessageMeta> changed, java.util.Set<Uid> failed) {}

    /**
     * Copies messages in UID order to another mailbox, atomically (IMAP COPY, and with {@code move} also expunging
     * the originals: MOVE, RFC 6851). Returns the source and new UIDs pairwise (UIDPLUS COPYUID, RFC 4315). The
     * target may belong to another account (a mailbox shared with the user, RFC 4314).
     */
    default List<Uid[]> copy(MailboxId from, java.util.Set<Uid> uids, MailboxId to, boolean move) {
        return copy(from, uids, to, move, f -> true);
    }

    /** As above, the copies keeping only the flags {@code keepFlag} accepts (RFC 4314 §4, COPY). */
    List<Uid[]> copy(MailboxId from, java.util.Set<Uid> uids, MailboxId to, boolean move,
                     java.util.function.Predicate<String> keepFlag);

    /**
     * What changed in a mailbox since {@code since}, read in one consistent snapshot so that nothing committed in
     * between is missed or seen twice: the mailbox's current counters, messages with a higher modseq (new or with
     * changed flags) and UIDs expunged with a higher modseq. Empty when the mailbox no longer exists.
     */
    Optional<MailboxChanges> changesSince(MailboxId mailbox, ModSeq since);

    /** See {@link #changesSince}. */
    record MailboxChanges(Mailbox mailbox, List<MessageMeta> changed, List<Uid> expunged) {}

    /**
     * IMAP4rev1 {@code \Recent} (RFC 3501 §2.3.2): the first UID of a mailbox that no session has claimed as recent
     * yet (every message from there on is recent to whichever session claims it first); {@link Long#MAX_VALUE} when
     * the mailbox does not exist. A read: an EXAMINE looks without claiming.
     */
    long recentFloor(MailboxId mailbox);

    /**
     * Claims the messages from the recent floor up to {@code upTo} inclusive for the caller, atomically across
     * sessions, processes and nodes: returns the floor as it was, and leaves it above {@code upTo}, so that the UIDs
     * from the returned value to {@code upTo} are recent to this caller and to no one else. With {@code upTo} below
     * the floor nothing changes and nothing is claimed. {@link Long#MAX_VALUE} when the mailbox does not exist.
     */
    long claimRecent(MailboxId mailbox, long upTo);

    /** UIDs expunged with a modseq above {@code since}, ascending (QRESYNC VANISHED, RFC 7162 §3.2.10). */
    List<Uid> expungedSince(MailboxId mailbox, ModSeq since);

    /**
     * Creates a mailbox (IMAP CREATE, RFC 9051 §6.3.4) with a UIDVALIDITY never used before in this store, so that
     * a deleted and re-created name is never mistaken for the old mailbox (RFC 9051 §2.3.1.1).
     *
     * @throws IllegalArgumentException when a mailbox of that name exists
     */
    Mailbox createMailbox(AccountId account, String name, Optional<String> specialUse);

    /** Deletes a mailbox and its messages (RFC 9051 §6.3.5). @return false when absent */
    boolean deleteMailbox(MailboxId mailbox);

    /**
     * Renames a mailbox and every mailbox below it in the hierarchy ({@code from + separator + ...}), atomically
     * (RFC 9051 §6.3.6). Renaming INBOX instead moves all its messages to a new mailbox {@code to} and leaves INBOX
     * empty.
     *
     * @throws IllegalArgumentException when {@code from} is absent or {@code to} (or a renamed child) exists
     */
    void renameMailbox(AccountId account, String from, String to, char separator);

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

    ChangeFeed changes();
}
