package org.tegami.store;

import java.util.List;
import java.util.Optional;

/**
 * Writing messages (one of the mail store's roles): delivery, APPEND, COPY/MOVE, flags, expunge. Every mutation raises
 * the mailbox's modseq and, after the commit, notifies the {@link ChangeFeed}; it is on stable storage (fsync'd) when
 * it returns, so callers acknowledge to clients only then. Concurrent mutations are batched into one transaction
 * (group commit).
 */
public interface MessageWrites {

    /** Stores one accepted message for local accounts (and the queue), atomically and durably. */
    Delivered deliver(DeliveryRequest request);

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
     * Claims the messages from the recent floor up to {@code upTo} inclusive for the caller, atomically across
     * sessions, processes and nodes: returns the floor as it was, and leaves it above {@code upTo}, so that the UIDs
     * from the returned value to {@code upTo} are recent to this caller and to no one else. With {@code upTo} below
     * the floor nothing changes and nothing is claimed. {@link Long#MAX_VALUE} when the mailbox does not exist.
     */
    long claimRecent(MailboxId mailbox, long upTo);

    /**
     * Delivers as {@link #deliver} does, unless the request has no outbound copy and no local recipient has room for
     * the message (RFC 9208 quotas): then nothing is stored (RFC 3463 5.2.2; with room for one recipient it goes to
     * all, as before). Decided inside the write transaction, each recipient's quota row locked, so that concurrent
     * deliveries (from any process or node) cannot together pass a quota that each checked alone.
     */
    DeliveryOutcome deliverWithinQuota(DeliveryRequest request);

    /**
     * Adds messages to one mailbox in one transaction, all or none, as {@link #appendAll} does (IMAP APPEND and
     * MULTIAPPEND), unless they do not fit the quota of the mailbox's owner, decided inside the transaction with the
     * quota locked (RFC 9208 §5.1: the server refuses an APPEND that would exceed it).
     */
    Append appendWithinQuota(MailboxId mailbox, List<NewMessage> messages);

    /**
     * {@link #copy}, within the quota of the target's owner (RFC 9208 §5.1); a MOVE between mailboxes of one account
     * adds nothing and always fits. {@link Append.Appended#sources()} lists the source UIDs pairwise with the new ones.
     */
    Append copyWithinQuota(MailboxId from, java.util.Set<Uid> uids, MailboxId to, boolean move,
                           java.util.function.Predicate<String> keepFlag);

    /** {@link #replace}, within the quota of the target's owner (the old message's size counted off when it is theirs). */
    Append replaceWithinQuota(MailboxId from, Uid old, MailboxId to, NewMessage message);

    /** What a write that puts messages in a mailbox did. */
    sealed interface Append permits Append.Appended, Append.MailboxGone, OverQuota {
        /** The new UIDs in order, and for a copy the source UIDs pairwise (else empty). */
        record Appended(List<Uid> uids, List<Uid> sources) implements Append {
            public Appended {
                uids = List.copyOf(uids);
                sources = List.copyOf(sources);
            }
        }

        /** The target (or a copy's source) mailbox no longer exists; nothing changed. */
        record MailboxGone() implements Append {}
    }

    /** What {@link #deliverWithinQuota} did. */
    sealed interface DeliveryOutcome permits Delivered, OverQuota {}

    /** The quota of the target's owner has no room for the messages (RFC 9208 §5.1); nothing changed. */
    record OverQuota(Quota quota) implements Append, DeliveryOutcome {}
}
