package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.ChangeFeed;
import org.tegami.store.ClassifierStore;
import org.tegami.store.Delivered;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.HeaderPrefix;
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;
import org.tegami.store.Quota;
import org.tegami.store.MailboxId;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.ModSeq;
import org.tegami.store.QueueId;
import org.tegami.store.Uid;

/**
 * Mailboxes and messages in SQLite or PostgreSQL, with an in-process change feed fired after each commit (and, through
 * {@link MailHooks#publish}, told to other nodes). What differs between the two stores is in {@link Dialect}, in
 * {@link Transactions} (SQLite's single writer with group commit, PostgreSQL's row locks and retries) and in the
 * store's {@link MailHooks} (blob claims, queue, classifier, id counters). The mailboxes themselves (names,
 * subscriptions, METADATA, ACLs) are {@link JdbcMailboxDirectory}'s; this class adds the messages in them.
 */
public final class JdbcMail extends JdbcMailboxDirectory implements MailStore {
    private static final String MESSAGE_COLUMNS = "mailbox_id, uid, blob, size, internal_date, flags, modseq, save_date, prefix";
    private final MailHooks hooks;
    /** Where a delivery's outbound copies go, in its transaction. */
    private final JdbcQueue queue;

    /** For the save date (RFC 8514) of every message put in a mailbox. */
    private final java.time.InstantSource clock;

    /** Whether point reads run on the caller's thread (the embedded store): then small views are read there. */
    private final boolean callerThreadPoints;

    public JdbcMail(Transactions db, MailHooks hooks, JdbcQueue queue, java.util.function.LongSupplier uidValidity,
                    java.time.InstantSource clock) {
        super(db, uidValidity, new JdbcChangeFeed(hooks::publish));
        this.hooks = hooks;
        this.queue = queue;
        this.clock = clock;
        this.callerThreadPoints = db.dialect() == Dialect.SQLITE;
    }

    @Override
    public Delivered deliver(DeliveryRequest r) {
        return (Delivered) deliver(r, false);
    }

    @Override
    public DeliveryOutcome deliverWithinQuota(DeliveryRequest r) {
        return deliver(r, true);
    }

    private DeliveryOutcome deliver(DeliveryRequest r, boolean withinQuota) {
        Object inline = hooks.beforeWrite(r.blob());
        // recipients' and queue entries' own blobs (Sieve editheader copies), each claimed once, in the order first named
        java.util.Map<BlobId, Object> own = new java.util.LinkedHashMap<>();
        for (DeliveryRequest.Recipient rcpt : r.recipients()) {
            rcpt.own().ifPresent(o -> own.computeIfAbsent(o.blob(), hooks::beforeWrite));
        }
        for (DeliveryRequest.Outbound out : r.outbounds()) {
            out.own().ifPresent(o -> own.computeIfAbsent(o.blob(), hooks::beforeWrite));
        }
        // PostgreSQL locks, always in this order: quota rows, the blobs' catalog rows (claim), each target mailbox's row
        DeliveryOutcome d = db.writeLocked(tx -> {
            if (withinQuota && r.outbounds().isEmpty() && !r.recipients().isEmpty()) {
                Optional<OverQuota> full = noRoom(tx, r);
                if (full.isPresent()) return full.get(); // before any write: the transaction commits nothing
            }
            hooks.claimBlob(tx, r.blob(), inline);
            for (var o : own.entrySet()) hooks.claimBlob(tx, o.getKey(), o.getValue());
            List<Delivered.Stored> stored = new ArrayList<>();
            for (DeliveryRequest.Recipient rcpt : r.recipients()) {
                Mailbox target = target(tx, rcpt.account(), rcpt.target());
                HeaderPrefix prefix = rcpt.prefix();
                stored.add(new Delivered.Stored(rcpt.account(), target.id(), append(tx, target, rcpt.blob(r),
                        rcpt.size(r), r.internalDate(), rcpt.flags(), prefix)));
            }
            List<QueueId> queued = new ArrayList<>();
            for (DeliveryRequest.Outbound out : r.outbounds()) {
                queued.add(JdbcQueue.enqueue(db.dialect(), tx, out.blob(r), out.size(r), r.internalDate(), out));
            }
            if (!queued.isEmpty()) tx.afterCommit(queue::enqueued);
            return new Delivered(stored, queued);
        });
        if (d instanceof Delivered) {
            hooks.afterWrite(inline);
            own.values().forEach(hooks::afterWrite);
        }
        return d;
    }

    /**
     * When no recipient of {@code r} has room for it, the last quota found full; empty as soon as one has room
     * (RFC 3463 5.2.2: the message is then delivered to all). Quota rows are locked in account order.
     */
    private Optional<OverQuota> noRoom(Tx tx, DeliveryRequest r) throws SQLException {
        java.util.TreeMap<Long, Long> bytes = new java.util.TreeMap<>();
        for (DeliveryRequest.Recipient rcpt : r.recipients()) {
            bytes.merge(rcpt.account().value(), rcpt.size(r), Math::max);
        }
        Quota full = null;
        for (var e : bytes.entrySet()) {
            Optional<Quota> q = lockQuota(tx, new AccountId(e.getKey()));
            if (q.isEmpty() || q.get().allows(e.getValue(), 1)) return Optional.empty();
            full = q.get();
        }
        return Optional.of(new OverQuota(full));
    }

    /**
     * An account's quota and current usage, read with its quota row locked on PostgreSQL ({@code FOR UPDATE}), so that
     * writers checking the same quota take turns (on any node) and each one's usage includes the others' commits
     * (READ COMMITTED reads afresh after the lock; SERIALIZABLE fails and retries instead). SQLite's one writer
     * needs no lock. Empty when the account has no quota. RFC 9208 §5.1: the transaction that adds is the authority.
     */
    private Optional<Quota> lockQuota(Tx tx, AccountId account) throws SQLException {
        List<Quota> limits = query(tx, "SELECT storage_kib, messages FROM quotas WHERE account_id = ?"
                + (db.dialect().singleWriter() ? "" : " FOR UPDATE"), rs -> {
            long st = rs.getLong(1);
            java.util.OptionalLong storage = rs.wasNull() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(st);
            long ms = rs.getLong(2);
            java.util.OptionalLong count = rs.wasNull() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(ms);
            return new Quota(storage, count, 0, 0);
        }, account.value());
        if (limits.isEmpty()) return Optional.empty();
        long[] used = query(tx, "SELECT COALESCE(SUM(m.size), 0), COUNT(*) FROM messages m JOIN mailboxes b"
                + " ON m.mailbox_id = b.id WHERE b.account_id = ?", rs -> new long[] {rs.getLong(1), rs.getLong(2)},
                account.value()).getFirst();
        Quota q = limits.getFirst();
        return Optional.of(new Quota(q.storageKib(), q.messages(), used[0], used[1]));
    }

    /**
     * The mailbox a delivery goes to, its row locked ({@link #locked}) or created by this transaction: the INBOX; the
     * {@code \Junk} mailbox (RFC 6154 §2), created as "Junk" when the account has none (or taken over, when a mailbox
     * of that name has no special use); a named mailbox, or the INBOX when there is none of that name (RFC 5228 §4.1
     * leaves it to the implementation; a message is never lost).
     */
    private Mailbox target(Tx tx, AccountId account, DeliveryRequest.Target t) throws SQLException {
        Optional<Mailbox> found = switch (t) {
            case DeliveryRequest.Target.Inbox i -> Optional.empty();
            case DeliveryRequest.Target.Named n -> mailboxes(tx, "WHERE account_id = ? AND name = ?" + forUpdate(),
                    account.value(), n.name().equalsIgnoreCase(Mailbox.INBOX) ? Mailbox.INBOX : n.name()).stream().findFirst();
            case DeliveryRequest.Target.Junk j -> {
                Optional<Mailbox> junk = mailboxes(tx, "WHERE account_id = ? AND special_use = ? ORDER BY id"
                        + forUpdate(), account.value(), JUNK).stream().findFirst();
                if (junk.isPresent()) yield junk;
                Optional<Mailbox> named = mailboxes(tx, "WHERE account_id = ? AND name = 'Junk'" + forUpdate(),
                        account.value()).stream().findFirst();
                if (named.isPresent()) {
                    Jdbc.update(tx, "UPDATE mailboxes SET special_use = ? WHERE id = ?", JUNK, named.get().id().value());
                    tx.afterCommit(() -> notifyAccount(account));
                    yield named;
                }
                if (Jdbc.strings(tx, "SELECT id FROM accounts WHERE id = ?", account.value()).isEmpty()) yield named;
                Mailbox created = insertMailbox(tx, account, "Junk", Optional.of(JUNK));
                tx.afterCommit(() -> notifyAccount(account));
                yield Optional.of(created);
            }
        };
        if (found.isPresent()) return found.get();
        if (t instanceof DeliveryRequest.Target.Named n && n.create() && !n.name().equalsIgnoreCase(Mailbox.INBOX)
                && !Jdbc.strings(tx, "SELECT id FROM accounts WHERE id = ?", account.value()).isEmpty()) {
            Mailbox created = insertMailbox(tx, account, n.name(), Optional.empty());
            tx.afterCommit(() -> notifyAccount(account));
            return created;
        }
        return mailboxes(tx, "WHERE account_id = ? AND name = 'INBOX'" + forUpdate(), account.value()).stream()
                .findFirst().orElseThrow(() -> new SQLException("account " + account + " has no INBOX"));
    }

    static final String JUNK = "\\Junk";
    static final String TRASH = "\\Trash";

    /**
     * Adds one message at UIDNEXT with a new modseq; the notification runs after the commit. {@code mb} was read with
     * its row locked ({@link #locked}, or created by this transaction): concurrent appenders to one mailbox (on any
     * node) take turns on the lock, and each reads the counters the one before committed, so UIDs and modseqs never
     * repeat or go backwards.
     */
    private Uid append(Tx tx, Mailbox mb, BlobId blob, long size, Instant date, Set<String> flags, HeaderPrefix prefix)
            throws SQLException {
        long uid = mb.uidNext();
        long modseq = mb.highestModSeq().value() + 1;
        Jdbc.update(tx, "INSERT INTO messages(" + MESSAGE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                mb.id().value(), uid, blob.hex(), size, date.toEpochMilli(), String.join(" ", new java.util.TreeSet<>(flags)),
                modseq, clock.millis(), prefix.isEmpty() ? null : prefix.bytes());
        Jdbc.update(tx, "UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?",
                uid + 1, modseq, mb.id().value());
        tx.afterCommit(() -> notify(mb.id()));
        return new Uid(uid);
    }

    @Override
    public Uid append(MailboxId mailbox, BlobId blob, long size, Instant internalDate, Set<String> flags) {
        return appendAll(mailbox, List.of(new NewMessage(blob, size, internalDate, flags))).getFirst();
    }

    @Override
    public List<Uid> appendAll(MailboxId mailbox, List<NewMessage> messages) {
        return appended(append(mailbox, messages, false), mailbox).uids();
    }

    @Override
    public Append appendWithinQuota(MailboxId mailbox, List<NewMessage> messages) {
        return append(mailbox, messages, true);
    }

    private Append append(MailboxId mailbox, List<NewMessage> messages, boolean withinQuota) {
        List<Object> inline = pending(messages);
        Append out = db.writeLocked(tx -> {
            Optional<Mailbox> mb = mailboxes(tx, "WHERE id = ?", mailbox.value()).stream().findFirst();
            if (mb.isEmpty()) return new Append.MailboxGone();
            if (withinQuota) {
                long bytes = messages.stream().mapToLong(NewMessage::size).sum();
                Optional<Quota> q = lockQuota(tx, mb.get().account());
                if (q.isPresent() && !q.get().allows(bytes, messages.size())) return new OverQuota(q.get());
            }
            return new Append.Appended(appendAll(tx, mailbox, messages, inline), List.of());
        });
        if (out instanceof Append.Appended) inline.forEach(hooks::afterWrite);
        return out;
    }

    /** The outcome of a write that does not check quotas, for the methods that answer with UIDs or throw. */
    private static Append.Appended appended(Append a, MailboxId mailbox) {
        return switch (a) {
            case Append.Appended ok -> ok;
            case Append.MailboxGone g -> throw new org.tegami.core.StoreException("no mailbox " + mailbox);
            case OverQuota q -> throw new IllegalStateException("quota checked where none was asked for");
        };
    }

    @Override
    public Uid replace(MailboxId from, Uid old, MailboxId to, NewMessage message) {
        return appended(replace(from, old, to, message, false), to).uids().getFirst();
    }

    @Override
    public Append replaceWithinQuota(MailboxId from, Uid old, MailboxId to, NewMessage message) {
        return replace(from, old, to, message, true);
    }

    private Append replace(MailboxId from, Uid old, MailboxId to, NewMessage message, boolean withinQuota) {
        List<Object> inline = pending(List.of(message));
        Append out = db.writeLocked(tx -> {
            Optional<Mailbox> target = mailboxes(tx, "WHERE id = ?", to.value()).stream().findFirst();
            if (target.isEmpty()) return new Append.MailboxGone();
            if (withinQuota) {
                Optional<Quota> q = lockQuota(tx, target.get().account());
                if (q.isPresent()) {
                    // the old message leaves the same owner's usage (RFC 8508 §3: one replaces the other)
                    List<Long> oldSize = query(tx, "SELECT m.size FROM messages m JOIN mailboxes b ON m.mailbox_id = b.id"
                            + " WHERE m.mailbox_id = ? AND m.uid = ? AND b.account_id = ?", rs -> rs.getLong(1),
                            from.value(), old.value(), target.get().account().value());
                    long freed = oldSize.isEmpty() ? 0 : oldSize.getFirst();
                    if (!q.get().allows(message.size() - freed, oldSize.isEmpty() ? 1 : 0)) return new OverQuota(q.get());
                }
            }
            Uid u = appendAll(tx, to, List.of(message), inline).getFirst();
            expunge(tx, locked(tx, from), Set.of(old));
            return new Append.Appended(List.of(u), List.of(old));
        });
        if (out instanceof Append.Appended) inline.forEach(hooks::afterWrite);
        return out;
    }

    private List<Object> pending(List<NewMessage> messages) {
        List<Object> inline = new ArrayList<>();
        for (NewMessage m : messages) inline.add(hooks.beforeWrite(m.blob()));
        return inline;
    }

    private List<Uid> appendAll(Tx tx, MailboxId mailbox, List<NewMessage> messages, List<Object> inline)
            throws SQLException {
        List<Uid> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            NewMessage m = messages.get(i);
            hooks.claimBlob(tx, m.blob(), inline.get(i));
            Mailbox mb = locked(tx, mailbox);
            out.add(append(tx, mb, m.blob(), m.size(), m.internalDate(), m.flags(), HeaderPrefix.NONE));
        }
        return out;
    }

    @Override
    public FlagUpdate setFlags(MailboxId mailbox, Set<Uid> uids, FlagMode mode, Set<String> given,
                               Optional<ModSeq> unchangedSince, java.util.function.Predicate<String> changeable) {
        Set<String> flags = new java.util.TreeSet<>(given);
        flags.removeIf(changeable.negate());
        return db.writeLocked(tx -> {
            Mailbox mb = locked(tx, mailbox);
            long modseq = mb.highestModSeq().value();
            List<MessageMeta> changed = new ArrayList<>();
            Set<Uid> failed = new java.util.TreeSet<>(java.util.Comparator.comparingLong(Uid::value));
            // only the rows between the lowest and highest UID named: a STORE of one message reads one row
            long low = Long.MAX_VALUE;
            long high = Long.MIN_VALUE;
            for (Uid u : uids) {
                low = Math.min(low, u.value());
                high = Math.max(high, u.value());
            }
            List<MessageMeta> named = uids.isEmpty() ? List.of()
                    : messages(tx, "WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid", mailbox.value(), low, high);
            for (MessageMeta m : named) {
                if (!uids.contains(m.uid())) continue;
                if (unchangedSince.isPresent() && m.modSeq().value() > unchangedSince.get().value()) {
                    failed.add(m.uid());
                    continue;
                }
                Set<String> next = new java.util.TreeSet<>(m.flags());
                switch (mode) {
                    case ADD -> next.addAll(flags);
                    case REMOVE -> next.removeAll(flags);
                    case REPLACE -> {
                        next.removeIf(changeable);
                        next.addAll(flags);
                    }
                }
                if (next.equals(new java.util.TreeSet<>(m.flags()))) continue;
                modseq++;
                Jdbc.update(tx, "UPDATE messages SET flags = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?",
                        String.join(" ", next), modseq, mailbox.value(), m.uid().value());
                changed.add(new MessageMeta(m.mailbox(), m.uid(), m.blob(), m.size(), m.internalDate(), next, new ModSeq(modseq),
                        m.saveDate(), m.prefix()));
                Optional<ClassifierStore.Verdict> learn = Learning.fromFlags(mb, m.flags(), next);
                if (learn.isPresent()) JdbcClassifier.queue(db.dialect(), tx, mb.account(), mailbox, m.uid(), learn.get());
            }
            if (!changed.isEmpty()) {
                Jdbc.update(tx, "UPDATE mailboxes SET highestmodseq = ? WHERE id = ?", modseq, mailbox.value());
                tx.afterCommit(() -> notify(mailbox));
            }
            return new FlagUpdate(changed, failed);
        });
    }

    @Override
    public List<Uid[]> copy(MailboxId from, Set<Uid> uids, MailboxId to, boolean move,
                            java.util.function.Predicate<String> keepFlag) {
        Append.Appended a = appended(copy(from, uids, to, move, keepFlag, false), to);
        List<Uid[]> pairs = new ArrayList<>();
        for (int i = 0; i < a.uids().size(); i++) pairs.add(new Uid[] {a.sources().get(i), a.uids().get(i)});
        return pairs;
    }

    @Override
    public Append copyWithinQuota(MailboxId from, Set<Uid> uids, MailboxId to, boolean move,
                                  java.util.function.Predicate<String> keepFlag) {
        return copy(from, uids, to, move, keepFlag, true);
    }

    private Append copy(MailboxId from, Set<Uid> uids, MailboxId to, boolean move,
                        java.util.function.Predicate<String> keepFlag, boolean withinQuota) {
        return db.write(tx -> {
            Optional<Mailbox> targetFound = mailboxes(tx, "WHERE id = ?", to.value()).stream().findFirst();
            Optional<Mailbox> sourceFound = mailboxes(tx, "WHERE id = ?", from.value()).stream().findFirst();
            if (targetFound.isEmpty() || sourceFound.isEmpty()) return new Append.MailboxGone();
            Mailbox target = targetFound.get();
            Mailbox source = sourceFound.get();
            // only the rows between the lowest and highest UID named: a COPY of one message reads one row
            List<MessageMeta> selected = new ArrayList<>();
            if (!uids.isEmpty()) {
                long low = uids.stream().mapToLong(Uid::value).min().getAsLong();
                long high = uids.stream().mapToLong(Uid::value).max().getAsLong();
                for (MessageMeta m : messages(tx, "WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid",
                        from.value(), low, high)) {
                    if (uids.contains(m.uid())) selected.add(m);
                }
            }
            // RFC 9208 §5.1: a COPY that would exceed the target owner's quota is refused; a MOVE within one account
            // adds nothing. Checked before any write, so a refusal commits nothing.
            if (withinQuota && !selected.isEmpty() && !(move && source.account().equals(target.account()))) {
                Optional<Quota> q = lockQuota(tx, target.account());
                long bytes = selected.stream().mapToLong(MessageMeta::size).sum();
                if (q.isPresent() && !q.get().allows(bytes, selected.size())) return new OverQuota(q.get());
            }
            List<Uid[]> pairs = new ArrayList<>();
            // the learning hook (ADR 0008): what a move or copy says about the messages, for the target's owner
            Optional<ClassifierStore.Verdict> learn = Learning.fromCopy(source, target);
            long uidNext = target.uidNext();
            long modseq = target.highestModSeq().value();
            Set<BlobId> claimed = new java.util.HashSet<>();
            for (MessageMeta m : selected) {
                // the copy names the blob too: PostgreSQL takes its catalog row, so no collector deletes it under us
                if (claimed.add(m.blob())) hooks.claimCopied(tx, m.blob());
                modseq++;
                Jdbc.update(tx, "INSERT INTO messages(" + MESSAGE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        to.value(), uidNext, m.blob().hex(), m.size(), m.internalDate().toEpochMilli(),
                        String.join(" ", new java.util.TreeSet<>(m.flags().stream().filter(keepFlag).toList())), modseq,
                        clock.millis(), m.prefix().isEmpty() ? null : m.prefix().bytes());
                if (learn.isPresent()) JdbcClassifier.queue(db.dialect(), tx, target.account(), to, new Uid(uidNext), learn.get());
                pairs.add(new Uid[] {m.uid(), new Uid(uidNext)});
                uidNext++;
            }
            if (pairs.isEmpty()) return new Append.Appended(List.of(), List.of());
            Jdbc.update(tx, "UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?", uidNext, modseq, to.value());
            tx.afterCommit(() -> notify(to));
            if (move) {
                long srcModseq = source.highestModSeq().value() + 1;
                for (Uid[] p : pairs) {
                    Jdbc.update(tx, "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?", from.value(), p[0].value());
                    Jdbc.update(tx, "INSERT INTO expunged(mailbox_id, uid, modseq) VALUES (?, ?, ?)"
                            + " ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = excluded.modseq",
                            from.value(), p[0].value(), srcModseq);
                }
                Jdbc.update(tx, "UPDATE mailboxes SET highestmodseq = ? WHERE id = ?", srcModseq, from.value());
                tx.afterCommit(() -> notify(from));
            }
            return new Append.Appended(pairs.stream().map(p -> p[1]).toList(), pairs.stream().map(p -> p[0]).toList());
        });
    }

    @Override
    public Optional<MailboxChanges> changesSince(MailboxId mailbox, ModSeq since) {
        // sessions ask after every command that saw a change: a few rows since their last look, on their own thread
        return db.point(tx -> {
            Optional<Mailbox> mb = mailboxes(tx, "WHERE id = ?", mailbox.value()).stream().findFirst();
            if (mb.isEmpty()) return Optional.empty();
            List<MessageMeta> changed = mb.get().highestModSeq().value() <= since.value() ? List.of()
                    : messages(tx, "WHERE mailbox_id = ? AND modseq > ? ORDER BY uid", mailbox.value(), since.value());
            List<Uid> expunged = mb.get().highestModSeq().value() <= since.value() ? List.of()
                    : expungedSince(tx, mailbox, since);
            return Optional.of(new MailboxChanges(mb.get(), changed, expunged));
        });
    }

    @Override
    public List<Uid> expungedSince(MailboxId mailbox, ModSeq since) {
        return db.read(tx -> expungedSince(tx, mailbox, since));
    }

    private static List<Uid> expungedSince(Tx tx, MailboxId mailbox, ModSeq since) throws SQLException {
        return Jdbc.strings(tx, "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
                mailbox.value(), since.value()).stream().map(u -> new Uid(Long.parseLong(u))).toList();
    }

    @Override
    public void expunge(MailboxId mailbox, Set<Uid> uids) {
        if (uids.isEmpty()) return;
        db.writeLocked(tx -> {
            expunge(tx, locked(tx, mailbox), uids);
            return null;
        });
    }

    @Override
    public Set<Uid> expungeDeleted(MailboxId mailbox, Optional<Set<Uid>> within) {
        return db.writeLocked(tx -> {
            Mailbox mb = locked(tx, mailbox);
            Set<Uid> gone = new java.util.HashSet<>();
            // only the UIDs of the flagged messages leave the database (EXPUNGE is frequent)
            for (Uid u : uidsWithFlag(tx, mailbox, "\\Deleted", true)) {
                if (within.isEmpty() || within.get().contains(u)) gone.add(u);
            }
            if (!gone.isEmpty()) expunge(tx, mb, gone);
            return gone;
        });
    }

    /**
     * The mailbox's row, locked for the rest of the transaction on PostgreSQL ({@link Transactions#writeLocked}):
     * writers of one mailbox's messages and counters (appends, flag changes, expunges, on any node) take turns on it
     * and each reads what the one before committed, instead of failing as SERIALIZABLE transactions and starting
     * over. SQLite's single writer needs no lock.
     */
    private Mailbox locked(Tx tx, MailboxId mailbox) throws SQLException {
        return mailboxes(tx, "WHERE id = ?" + forUpdate(), mailbox.value()).stream().findFirst()
                .orElseThrow(() -> new SQLException("no mailbox " + mailbox));
    }

    /** {@code FOR UPDATE} where rows are locked (PostgreSQL), nothing under SQLite's single writer. */
    private String forUpdate() {
        return db.dialect().singleWriter() ? "" : " FOR UPDATE";
    }

    /** Expunges {@code uids} from {@code mb}, whose row the caller has {@link #locked}. */
    private void expunge(Tx tx, Mailbox mb, Set<Uid> uids) throws SQLException {
        MailboxId mailbox = mb.id();
        long modseq = mb.highestModSeq().value() + 1;
        int removed = 0;
        for (Uid uid : uids) {
            if (Jdbc.update(tx, "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?", mailbox.value(), uid.value()) > 0) {
                // RFC 7162 §3.2.10: remember expunged UIDs with their modseq for VANISHED (EARLIER).
                Jdbc.update(tx, "INSERT INTO expunged(mailbox_id, uid, modseq) VALUES (?, ?, ?)"
                            + " ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = excluded.modseq",
                        mailbox.value(), uid.value(), modseq);
                removed++;
            }
        }
        if (removed > 0) {
            Jdbc.update(tx, "UPDATE mailboxes SET highestmodseq = ? WHERE id = ?", modseq, mailbox.value());
            tx.afterCommit(() -> notify(mailbox));
        }
    }

    @Override
    public List<MessageMeta> messages(MailboxId mailbox) {
        return db.read(tx -> messages(tx, "WHERE mailbox_id = ? ORDER BY uid", mailbox.value()));
    }

    @Override
    public List<MessageMeta> messages(MailboxId mailbox, Uid first, Uid last) {
        // a narrow UID range is a handful of rows by primary key: on the caller's thread
        if (last.value() - first.value() < 256) {
            return db.point(tx -> messages(tx, "WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid", mailbox.value(),
                    first.value(), last.value()));
        }
        return db.read(tx -> messages(tx, "WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid", mailbox.value(),
                first.value(), last.value()));
    }

    /** Views of up to this many messages are read on the caller's thread (embedded {@code point}); larger ones by a reader. */
    static final int POINT_VIEW = 1_000;

    @Override
    public Optional<MailboxView> view(MailboxId mailbox) {
        if (!callerThreadPoints) return db.read(tx -> view(tx, mailbox, Integer.MAX_VALUE));
        // most mailboxes are small: read on the caller's thread, giving up (null) past POINT_VIEW messages
        Optional<MailboxView> small = db.point(tx -> view(tx, mailbox, POINT_VIEW));
        if (small != null) return small;
        return db.read(tx -> view(tx, mailbox, Integer.MAX_VALUE));
    }

    /** The view, or null when the mailbox holds more than {@code limit} messages. */
    private static Optional<MailboxView> view(Tx tx, MailboxId mailbox, int limit) throws SQLException {
        Optional<Mailbox> mb = mailboxes(tx, "WHERE id = ?", mailbox.value()).stream().findFirst();
        if (mb.isEmpty()) return Optional.empty();
        // only the three columns a view needs: a large SELECT reads 100,000 rows
        List<MessageState> out = query(tx, "SELECT uid, flags, modseq FROM messages WHERE mailbox_id = ? ORDER BY uid LIMIT ?",
                rs -> new MessageState(new Uid(rs.getLong(1)), flags(rs.getString(2)), new ModSeq(rs.getLong(3))),
                mailbox.value(), limit == Integer.MAX_VALUE ? Long.MAX_VALUE : limit + 1L);
        if (out.size() > limit) return null;
        return Optional.of(new MailboxView(mb.get(), out));
    }

    /** SQL true when the message has the flag bound to the next parameter ({@link #flagParam}). */
    private String hasFlag() {
        // flags are stored space-separated: a flag between spaces matches it exactly, not as a prefix of another
        return db.dialect().position("' ' || flags || ' '", "?") + " > 0";
    }

    private static String flagParam(String flag) {
        return " " + flag + " ";
    }

    @Override
    public Optional<Counters> counters(MailboxId mailbox) {
        return db.read(tx -> {
            long floor = recentFloor(tx, mailbox);
            if (floor == Long.MAX_VALUE) return Optional.<Counters>empty();
            String has = hasFlag();
            return Optional.of(query(tx, "SELECT COUNT(*), COALESCE(SUM(size), 0),"
                    + " COALESCE(SUM(CASE WHEN " + has + " THEN 0 ELSE 1 END), 0),"
                    + " COALESCE(SUM(CASE WHEN " + has + " THEN 1 ELSE 0 END), 0),"
                    + " COALESCE(SUM(CASE WHEN uid >= ? THEN 1 ELSE 0 END), 0) FROM messages WHERE mailbox_id = ?",
                    rs -> new Counters(rs.getLong(1), rs.getLong(3), rs.getLong(4), rs.getLong(2), rs.getLong(5)),
                    flagParam("\\Seen"), flagParam("\\Deleted"), floor, mailbox.value()).getFirst());
        });
    }

    @Override
    public java.util.Map<MailboxId, Counters> counters(java.util.Collection<MailboxId> mailboxes) {
        List<Long> ids = mailboxes.stream().map(MailboxId::value).distinct().toList();
        java.util.Map<MailboxId, Counters> out = new java.util.HashMap<>();
        // the messages' flags, qualified: the mailbox row joined to its messages, one row per mailbox
        String has = db.dialect().position("' ' || m.flags || ' '", "?") + " > 0";
        int batch = db.dialect().listBatch() - 2;
        for (int from = 0; from < ids.size(); from += batch) {
            List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + batch));
            String sql = "SELECT mb.id, COUNT(m.uid), COALESCE(SUM(m.size), 0),"
                    + " COALESCE(SUM(CASE WHEN m.uid IS NULL OR " + has + " THEN 0 ELSE 1 END), 0),"
                    + " COALESCE(SUM(CASE WHEN " + has + " THEN 1 ELSE 0 END), 0),"
                    + " COALESCE(SUM(CASE WHEN m.uid >= mb.recent_uid THEN 1 ELSE 0 END), 0)"
                    + " FROM mailboxes mb LEFT JOIN messages m ON m.mailbox_id = mb.id"
                    + " WHERE mb.id IN (" + "?,".repeat(chunk.size() - 1) + "?) GROUP BY mb.id";
            List<Object> args = new ArrayList<>(List.of(flagParam("\\Seen"), flagParam("\\Deleted")));
            args.addAll(chunk);
            db.read(tx -> {
                try (PreparedStatement ps = Jdbc.prepare(tx, sql, args.toArray()); ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(new MailboxId(rs.getLong(1)),
                                new Counters(rs.getLong(2), rs.getLong(4), rs.getLong(5), rs.getLong(3), rs.getLong(6)));
                    }
                }
                return null;
            });
        }
        return out;
    }

    @Override
    public List<Uid> uidsWithFlag(MailboxId mailbox, String flag, boolean with) {
        return db.read(tx -> uidsWithFlag(tx, mailbox, flag, with));
    }

    private List<Uid> uidsWithFlag(Tx tx, MailboxId mailbox, String flag, boolean with) throws SQLException {
        return query(tx, "SELECT uid FROM messages WHERE mailbox_id = ? AND " + (with ? "" : "NOT ") + "(" + hasFlag()
                + ") ORDER BY uid", rs -> new Uid(rs.getLong(1)), mailbox.value(), flagParam(flag));
    }

    /** The search push-down: every criterion of the filter in the query's WHERE. */
    @Override
    public List<Uid> search(MailboxId mailbox, SearchFilter f) {
        StringBuilder sql = new StringBuilder("SELECT uid FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ?"
                + " AND size > ? AND size < ?");
        List<Object> args = new ArrayList<>(List.of(mailbox.value(), f.minUid(), f.maxUid(), f.largerThan(), f.smallerThan()));
        if (f.since().isPresent()) {
            sql.append(" AND internal_date >= ?");
            args.add(f.since().get().toEpochMilli());
        }
        if (f.before().isPresent()) {
            sql.append(" AND internal_date < ?");
            args.add(f.before().get().toEpochMilli());
        }
        for (String flag : new java.util.TreeSet<>(f.with())) {
            sql.append(" AND ").append(hasFlag());
            args.add(flagParam(flag));
        }
        for (String flag : new java.util.TreeSet<>(f.without())) {
            sql.append(" AND NOT (").append(hasFlag()).append(")");
            args.add(flagParam(flag));
        }
        sql.append(" ORDER BY uid");
        return db.read(tx -> query(tx, sql.toString(), rs -> new Uid(rs.getLong(1)), args.toArray()));
    }

    private static Set<String> flags(String column) {
        return column.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(column.split(" ")));
    }

    @Override
    public long recentFloor(MailboxId mailbox) {
        return db.point(tx -> recentFloor(tx, mailbox));
    }

    private static long recentFloor(Tx tx, MailboxId mailbox) throws SQLException {
        List<Long> floor = query(tx, "SELECT recent_uid FROM mailboxes WHERE id = ?", rs -> rs.getLong(1), mailbox.value());
        return floor.isEmpty() ? Long.MAX_VALUE : floor.getFirst();
    }

    @Override
    public long claimRecent(MailboxId mailbox, long upTo) {
        // most SELECTs find nothing new to claim: they cost a read, not a commit
        long seen = recentFloor(mailbox);
        if (seen > upTo) return seen;
        return db.writeLocked(tx -> {
            // again inside the transaction, under the mailbox's row lock (see locked): another session may have claimed
            long floor;
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT recent_uid FROM mailboxes WHERE id = ?" + forUpdate(),
                    mailbox.value()); ResultSet rs = ps.executeQuery()) {
                floor = rs.next() ? rs.getLong(1) : Long.MAX_VALUE;
            }
            if (floor <= upTo) {
                Jdbc.update(tx, "UPDATE mailboxes SET recent_uid = ? WHERE id = ?", upTo + 1, mailbox.value());
            }
            return floor;
        });
    }

    @Override
    public List<MessageMeta> changedSince(MailboxId mailbox, ModSeq since) {
        return db.read(tx -> messages(tx, "WHERE mailbox_id = ? AND modseq > ? ORDER BY uid", mailbox.value(), since.value()));
    }

    @Override
    public ChangeFeed changes() {
        return feed;
    }

    /** The feed that wakes this node's sessions, and (through the hooks) other nodes'. */
    public JdbcChangeFeed feed() {
        return feed;
    }

    private static List<MessageMeta> messages(Tx tx, String where, Object... args) throws SQLException {
        return query(tx, "SELECT " + MESSAGE_COLUMNS + " FROM messages " + where, rs -> {
            Set<String> f = flags(rs.getString(6));
            long saved = rs.getLong(8);
            Optional<Instant> saveDate = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(saved));
            return new MessageMeta(new MailboxId(rs.getLong(1)), new Uid(rs.getLong(2)), new BlobId(rs.getString(3)),
                    rs.getLong(4), Instant.ofEpochMilli(rs.getLong(5)), f, new ModSeq(rs.getLong(7)), saveDate,
                    HeaderPrefix.stored(rs.getBytes(9)));
        }, args);
    }
}
