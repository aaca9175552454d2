package org.tegami.store;

/**
 * Wakes sessions when a mailbox changes. Listeners are called after the change is committed, on the committing
 * thread, and before the call that made the change returns, for every change to the mailbox's messages, flags or
 * existence; they must not block: they only signal their session, which then pulls {@link MailStore#changesSince}.
 * A session may therefore skip that read while its listener has not fired.
 */
public interface ChangeFeed {

    Subscription subscribe(MailboxId mailbox, Runnable listener);

    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
