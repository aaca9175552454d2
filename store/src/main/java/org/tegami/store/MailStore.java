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

    /** Messages whose modseq is above {@code since}, in UID order (new messages and flag changes). */
    List<MessageMeta> changedSince(MailboxId mailbox, ModSeq since);

    /**
     * Removes messages durably (POP3 UPDATE state, IMAP EXPUNGE): records a tombstone (uid, modseq) for each for
     * QRESYNC (RFC 7162 §3.2.10), raises the modseq, then notifies. Unknown UIDs are ignored.
     */
    void expunge(MailboxId mailbox, java.util.Set<Uid> uids);

    ChangeFeed changes();
}
