package org.tegami.store;

/**
 * Mailboxes and messages: the union of the mail store's roles, which one implementation serves. Callers depend on the
 * role they use: {@link MailboxDirectory}, {@link MailboxReads}, {@link MessageWrites}, and the {@link ChangeFeed}.
 *
 * <p>Thread-safe. A mutation is on stable storage (fsync'd) when it returns: callers acknowledge to clients only
 * then. Concurrent mutations are batched into one transaction (group commit).
 */
public interface MailStore extends MailboxDirectory, MailboxReads, MessageWrites {

    ChangeFeed changes();
}
