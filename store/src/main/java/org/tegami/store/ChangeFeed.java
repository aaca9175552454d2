package org.tegami.store;

/**
 * Wakes sessions when a mailbox changes. Listeners are called after the change is committed, on the committing
 * thread, and before the call that made the change returns, for every change to the mailbox's messages, flags or
 * existence; they must not block: they only signal their session, which then pulls {@link MailStore#changesSince}.
 * A session may therefore skip that read while its listener has not fired — for changes made through the same
 * store instance.
 *
 * <p>Several nodes (or processes) on one store: changes committed elsewhere call the listeners later, on another
 * thread, once the store hears of them (PostgreSQL: LISTEN/NOTIFY, normally within milliseconds). Such a
 * notification may be late, or lost when a connection breaks (the store then calls every listener once); so a
 * session must not rely on it for correctness, only for promptness: it catches up by modseq whenever it looks.
 */
public interface ChangeFeed {

    Subscription subscribe(MailboxId mailbox, Runnable listener);

    /**
     * Wakes a listener when the mailboxes an account sees change: one is created, deleted or renamed, subscribed
     * or unsubscribed, shared with it or no longer, or its annotations (METADATA) or the account's server
     * annotations change (what IMAP NOTIFY reports, RFC 5465 §5.4-§5.7). Same calling rules as {@link #subscribe}.
     */
    Subscription subscribeAccount(AccountId account, Runnable listener);

    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
