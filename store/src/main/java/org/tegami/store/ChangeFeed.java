package org.tegami.store;

/**
 * Wakes sessions when a mailbox changes. Listeners are called after the change is committed, on the committing
 * thread, and must not block: they only signal their session, which then pulls {@link MailStore#changedSince}.
 */
public interface ChangeFeed {

    Subscription subscribe(MailboxId mailbox, Runnable listener);

    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
