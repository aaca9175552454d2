package org.tegami.store.jdbc;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.tegami.store.AccountId;
import org.tegami.store.ChangeFeed;
import org.tegami.store.MailboxId;

/**
 * {@link JdbcMail}'s change feed: after each commit it wakes this process's listeners of the mailbox or account that
 * changed, and hands a notice ({@code m <mailbox>}, {@code a <account>}, {@code A}) to {@code publish} for the other
 * nodes (a no-op on the embedded store); notices from other nodes arrive through {@link #remote}.
 */
public final class JdbcChangeFeed implements ChangeFeed {
    private final ConcurrentHashMap<MailboxId, CopyOnWriteArrayList<Runnable>> listeners = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<AccountId, CopyOnWriteArrayList<Runnable>> accountListeners = new ConcurrentHashMap<>();
    private final Consumer<String> publish;

    JdbcChangeFeed(Consumer<String> publish) {
        this.publish = publish;
    }

    @Override
    public Subscription subscribe(MailboxId mailbox, Runnable listener) {
        listeners.computeIfAbsent(mailbox, k -> new CopyOnWriteArrayList<>()).add(listener);
        return () -> listeners.computeIfPresent(mailbox, (k, l) -> {
            l.remove(listener);
            return l.isEmpty() ? null : l;
        });
    }

    @Override
    public Subscription subscribeAccount(AccountId account, Runnable listener) {
        accountListeners.computeIfAbsent(account, k -> new CopyOnWriteArrayList<>()).add(listener);
        return () -> accountListeners.computeIfPresent(account, (k, l) -> {
            l.remove(listener);
            return l.isEmpty() ? null : l;
        });
    }

    /** A mailbox's messages or counters changed (after the commit). */
    void mailbox(MailboxId mailbox) {
        fireMailbox(mailbox);
        publish.accept("m " + mailbox.value());
    }

    /** An account's mailboxes changed (after the commit). */
    void account(AccountId account) {
        fireAccount(account);
        publish.accept("a " + account.value());
    }

    /** A change other accounts may see (shared mailboxes); only sessions using IMAP NOTIFY listen. */
    void accounts() {
        fireAccounts();
        publish.accept("A");
    }

    /** A change another node committed ({@code m <mailbox>}, {@code a <account>}, {@code A}): wakes local listeners. */
    public void remote(String what) {
        String[] p = what.split(" ", 2);
        try {
            switch (p[0]) {
                case "m" -> fireMailbox(new MailboxId(Long.parseLong(p[1])));
                case "a" -> fireAccount(new AccountId(Long.parseLong(p[1])));
                case "A" -> fireAccounts();
                default -> { } // another version's kind: nothing here listens for it
            }
        } catch (RuntimeException e) {
            System.getLogger(JdbcChangeFeed.class.getName()).log(System.Logger.Level.WARNING, "bad change notice: " + what);
        }
    }

    /** After the listener connection was lost: notices may be gone, so every listener looks again. */
    public void wakeAll() {
        listeners.values().forEach(l -> l.forEach(Runnable::run));
        fireAccounts();
    }

    private void fireAccount(AccountId account) {
        var l = accountListeners.get(account);
        if (l != null) l.forEach(Runnable::run);
    }

    private void fireAccounts() {
        accountListeners.values().forEach(l -> l.forEach(Runnable::run));
    }

    private void fireMailbox(MailboxId mailbox) {
        var l = listeners.get(mailbox);
        if (l != null) l.forEach(Runnable::run);
    }
}
