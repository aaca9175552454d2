package org.tegami.store.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.tegami.store.AccountId;
import org.tegami.store.AclEntry;
import org.tegami.store.BlobId;
import org.tegami.store.ChangeFeed;
import org.tegami.store.ClassifierStore;
import org.tegami.store.Delivered;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.HeaderPrefix;
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MailboxId;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.ModSeq;
import org.tegami.store.QueueId;
import org.tegami.store.SharedMailbox;
import org.tegami.store.Uid;
import org.tegami.store.jdbc.Jdbc;
import org.tegami.store.jdbc.Tx;

/** Mailboxes and messages in PostgreSQL, with an in-process change feed fired after each commit. */
final class PgMail implements MailStore, ChangeFeed {
    private static final String MESSAGE_COLUMNS = "mailbox_id, uid, blob, size, internal_date, flags, modseq, save_date, prefix";
    private static final String MAILBOX_COLUMNS =
            "id, account_id, name, uidvalidity, uidnext, highestmodseq, special_use, EXISTS(SELECT 1 FROM subscriptions"
            + " WHERE subscriptions.account_id = mailboxes.account_id AND subscriptions.name = mailboxes.name)";

    private final PgDb db;
    private final PgQueue queue;
    private final PgBlobStore blobs;
    private final ConcurrentHashMap<MailboxId, CopyOnWriteArrayList<Runnable>> listeners = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<AccountId, CopyOnWriteArrayList<Runnable>> accountListeners = new ConcurrentHashMap<>();

    private final java.util.function.LongSupplier uidValidity;

    /** For the save date (RFC 8514) of every message put in a mailbox. */
    private final java.time.InstantSource clock;

    PgMail(PgDb db, PgQueue queue, PgBlobStore blobs, java.util.function.LongSupplier uidValidity,
            java.time.InstantSource clock) {
        this.db = db;
        this.clock = clock;
        this.uidValidity = uidValidity;
        this.queue = queue;
        this.blobs = blobs;
    }

    @Override
    public Delivered deliver(DeliveryRequest r) {
        // Locks: the blob's catalog row (claim), then each target mailbox's row (append).
        return db.writeLocked(tx -> {
            blobs.claim(tx, r.blob());
            List<Delivered.Stored> stored = new ArrayList<>();
            for (DeliveryRequest.Recipient rcpt : r.recipients()) {
                Mailbox target = target(tx, rcpt.account(), rcpt.target());
                HeaderPrefix prefix = rcpt.prefix();
                stored.add(new Delivered.Stored(rcpt.account(), target.id(), append(tx, target, r.blob(),
                        r.size() + prefix.length(), r.internalDate(), rcpt.flags(), prefix)));
            }
            List<QueueId> queued = new ArrayList<>();
            for (DeliveryRequest.Outbound out : r.outbounds()) {
                queued.add(PgQueue.enqueue(tx, r.blob(), r.size(), r.internalDate(), out));
            }
            if (!queued.isEmpty()) tx.afterCommit(queue::enqueued);
            return new Delivered(stored, queued);
        });
    }

    /**
     * The mailbox a delivery goes to: the INBOX; the {@code \Junk} mailbox (RFC 6154 §2), created as "Junk" when the
     * account has none (or taken over, when a mailbox of that name has no special use); a named mailbox, or the
     * INBOX when there is none of that name (RFC 5228 §4.1 leaves it to the implementation; a message is never lost).
     */
    private Mailbox target(Tx tx, AccountId account, DeliveryRequest.Target t) throws SQLException {
        Optional<Mailbox> found = switch (t) {
            case DeliveryRequest.Target.Inbox i -> Optional.empty();
            case DeliveryRequest.Target.Named n -> mailboxes(tx, "WHERE account_id = ? AND name = ?", account.value(),
                    n.name().equalsIgnoreCase(Mailbox.INBOX) ? Mailbox.INBOX : n.name()).stream().findFirst();
            case DeliveryRequest.Target.Junk j -> {
                Optional<Mailbox> junk = mailboxes(tx, "WHERE account_id = ? AND special_use = ? ORDER BY id",
                        account.value(), JUNK).stream().findFirst();
                if (junk.isPresent()) yield junk;
                Optional<Mailbox> named = mailboxes(tx, "WHERE account_id = ? AND name = 'Junk'", account.value())
                        .stream().findFirst();
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
        return mailboxes(tx, "WHERE account_id = ? AND name = 'INBOX'", account.value()).stream()
                .findFirst().orElseThrow(() -> new SQLException("account " + account + " has no INBOX"));
    }

    static final String JUNK = "\\Junk";
    static final String TRASH = "\\Trash";

    /** Adds one message at UIDNEXT with a new modseq; the notification runs after the commit. */
    private Uid append(Tx tx, Mailbox mb, BlobId blob, long size, Instant date, Set<String> flags, HeaderPrefix prefix)
            throws SQLException {
        // The mailbox row, locked before its counters are read: concurrent appenders to one mailbox (on any node)
        // take turns here, and a transaction whose snapshot is already stale fails with a serialization error and
        // runs again (PgDb.write), so UIDs and modseqs never repeat or go backwards.
        long uid;
        long modseq;
        try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT uidnext, highestmodseq FROM mailboxes WHERE id = ? FOR UPDATE",
                mb.id().value()); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) throw new SQLException("no mailbox " + mb.id());
            uid = rs.getLong(1);
            modseq = rs.getLong(2) + 1;
        }
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
        return db.writeLocked(tx -> appendAll(tx, mailbox, messages));
    }

    @Override
    public Uid replace(MailboxId from, Uid old, MailboxId to, NewMessage message) {
        return db.write(tx -> {
            Uid u = appendAll(tx, to, List.of(message)).getFirst();
            expunge(tx, locked(tx, from), Set.of(old));
            return u;
        });
    }

    private List<Uid> appendAll(Tx tx, MailboxId mailbox, List<NewMessage> messages)
            throws SQLException {
        List<Uid> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            NewMessage m = messages.get(i);
            blobs.claim(tx, m.blob());
            Mailbox mb = mailboxes(tx, "WHERE id = ?", mailbox.value()).stream().findFirst()
                    .orElseThrow(() -> new SQLException("no mailbox " + mailbox));
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
            for (MessageMeta m : messages(tx, "WHERE mailbox_id = ? ORDER BY uid", mailbox.value())) {
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
                if (learn.isPresent()) PgClassifier.queue(tx, mb.account(), mailbox, m.uid(), learn.get());
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
        return db.write(tx -> {
            Mailbox target = mailboxes(tx, "WHERE id = ?", to.value()).stream().findFirst()
                    .orElseThrow(() -> new SQLException("no mailbox " + to));
            Mailbox source = mailboxes(tx, "WHERE id = ?", from.value()).stream().findFirst()
                    .orElseThrow(() -> new SQLException("no mailbox " + from));
            List<Uid[]> pairs = new ArrayList<>();
            // the learning hook (ADR 0008): what a move or copy says about the messages, for the target's owner
            Optional<ClassifierStore.Verdict> learn = Learning.fromCopy(source, target);
            long uidNext = target.uidNext();
            long modseq = target.highestModSeq().value();
            Set<BlobId> claimed = new java.util.HashSet<>();
            for (MessageMeta m : messages(tx, "WHERE mailbox_id = ? ORDER BY uid", from.value())) {
                if (!uids.contains(m.uid())) continue;
                // the copy names the blob too: take its catalog row, so no collector deletes it under us
                if (claimed.add(m.blob())) blobs.claim(tx, m.blob());
                modseq++;
                Jdbc.update(tx, "INSERT INTO messages(" + MESSAGE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        to.value(), uidNext, m.blob().hex(), m.size(), m.internalDate().toEpochMilli(),
                        String.join(" ", new java.util.TreeSet<>(m.flags().stream().filter(keepFlag).toList())), modseq,
                        clock.millis(), m.prefix().isEmpty() ? null : m.prefix().bytes());
                if (learn.isPresent()) PgClassifier.queue(tx, target.account(), to, new Uid(uidNext), learn.get());
                pairs.add(new Uid[] {m.uid(), new Uid(uidNext)});
                uidNext++;
            }
            if (pairs.isEmpty()) return pairs;
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
            return pairs;
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
            // flags are stored space-separated; the LIKE narrows the rows PostgreSQL hands over (EXPUNGE is frequent),
            // the exact test is below
            for (MessageMeta m : messages(tx, "WHERE mailbox_id = ? AND flags LIKE '%\\Deleted%'", mailbox.value())) {
                if (m.flags().contains("\\Deleted") && (within.isEmpty() || within.get().contains(m.uid()))) gone.add(m.uid());
            }
            if (!gone.isEmpty()) expunge(tx, mb, gone);
            return gone;
        });
    }

    /**
     * The mailbox's row, locked for the rest of the transaction ({@link PgDb#writeLocked}): writers of one mailbox's
     * messages and counters (appends, flag changes, expunges, on any node) take turns on it and each reads what the
     * one before committed, instead of failing as SERIALIZABLE transactions and starting over.
     */
    private static Mailbox locked(Tx tx, MailboxId mailbox) throws SQLException {
        return mailboxes(tx, "WHERE id = ? FOR UPDATE", mailbox.value()).stream().findFirst()
                .orElseThrow(() -> new SQLException("no mailbox " + mailbox));
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
    public List<Mailbox> mailboxes(AccountId account) {
        return db.read(tx -> mailboxes(tx, "WHERE account_id = ? ORDER BY name", account.value()));
    }

    @Override
    public Optional<Mailbox> mailbox(AccountId account, String name) {
        // RFC 9051 §5.1: INBOX is case-insensitive.
        String n = name.equalsIgnoreCase(Mailbox.INBOX) ? Mailbox.INBOX : name;
        return db.point(tx -> mailboxes(tx, "WHERE account_id = ? AND name = ?", account.value(), n)).stream().findFirst();
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

    @Override
    public Optional<MailboxView> view(MailboxId mailbox) {
        return db.read(tx -> {
            Optional<Mailbox> mb = mailboxes(tx, "WHERE id = ?", mailbox.value()).stream().findFirst();
            if (mb.isEmpty()) return Optional.empty();
            // only the three columns a view needs: a large SELECT reads 100,000 rows
            List<MessageState> out = new ArrayList<>();
            try (PreparedStatement ps = Jdbc.prepare(tx,
                    "SELECT uid, flags, modseq FROM messages WHERE mailbox_id = ? ORDER BY uid", mailbox.value());
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new MessageState(new Uid(rs.getLong(1)), flags(rs.getString(2)), new ModSeq(rs.getLong(3))));
                }
            }
            return Optional.of(new MailboxView(mb.get(), out));
        });
    }

    private static Set<String> flags(String column) {
        return column.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(column.split(" ")));
    }

    @Override
    public long recentFloor(MailboxId mailbox) {
        return db.point(tx -> recentFloor(tx, mailbox));
    }

    private static long recentFloor(Tx tx, MailboxId mailbox) throws SQLException {
        try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT recent_uid FROM mailboxes WHERE id = ?", mailbox.value());
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : Long.MAX_VALUE;
        }
    }

    @Override
    public long claimRecent(MailboxId mailbox, long upTo) {
        // most SELECTs find nothing new to claim: they cost a read, not a commit
        long seen = recentFloor(mailbox);
        if (seen > upTo) return seen;
        return db.writeLocked(tx -> {
            // again inside the transaction, under the mailbox's row lock (see locked): another session may have claimed
            long floor;
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT recent_uid FROM mailboxes WHERE id = ? FOR UPDATE",
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
    public Mailbox createMailbox(AccountId account, String name, Optional<String> specialUse) {
        Mailbox created = db.write(tx -> insertMailbox(tx, account, name, specialUse));
        notifyAccount(account);
        return created;
    }

    private Mailbox insertMailbox(Tx tx, AccountId account, String name, Optional<String> specialUse) throws SQLException {
        if (!mailboxes(tx, "WHERE account_id = ? AND name = ?", account.value(), name).isEmpty()) {
            throw new IllegalArgumentException("mailbox exists: " + name);
        }
        long uv = PgAccounts.nextUidValidity(tx, uidValidity);
        Jdbc.update(tx, "INSERT INTO mailboxes(id, account_id, name, uidvalidity, uidnext, highestmodseq,"
                + " special_use, subscribed) VALUES (?, ?, ?, ?, 1, 1, ?, 0)", PgAccounts.nextId(tx, "mailbox_id"),
                account.value(), name, uv, specialUse.orElse(null));
        return mailboxes(tx, "WHERE account_id = ? AND name = ?", account.value(), name).getFirst();
    }

    @Override
    public boolean deleteMailbox(MailboxId mailbox) {
        boolean deleted = db.write(tx -> {
            Jdbc.update(tx, "DELETE FROM messages WHERE mailbox_id = ?", mailbox.value());
            Jdbc.update(tx, "DELETE FROM expunged WHERE mailbox_id = ?", mailbox.value());
            Jdbc.update(tx, "DELETE FROM metadata WHERE mailbox_id = ?", mailbox.value());
            return Jdbc.update(tx, "DELETE FROM mailboxes WHERE id = ?", mailbox.value()) > 0;
        });
        if (deleted) {
            notify(mailbox); // sessions that have it selected learn it is gone
            notifyAccounts(); // and those watching mailbox lists (it may have been shared)
        }
        return deleted;
    }

    @Override
    public void renameMailbox(AccountId account, String from, String to, char separator) {
        db.write(tx -> {
            Mailbox source = mailboxes(tx, "WHERE account_id = ? AND name = ?", account.value(), from).stream()
                    .findFirst().orElseThrow(() -> new IllegalArgumentException("no mailbox " + from));
            if (from.equals(Mailbox.INBOX)) {
                // RFC 9051 §6.3.6: renaming INBOX moves its messages to the new mailbox; INBOX stays, empty.
                Mailbox target = insertMailbox(tx, account, to, Optional.empty());
                long modseq = source.highestModSeq().value() + 1;
                Jdbc.update(tx, "INSERT INTO expunged(mailbox_id, uid, modseq) SELECT mailbox_id, uid, ? FROM messages"
                        + " WHERE mailbox_id = ? ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = excluded.modseq", modseq, source.id().value());
                Jdbc.update(tx, "UPDATE messages SET mailbox_id = ?, modseq = 1 WHERE mailbox_id = ?",
                        target.id().value(), source.id().value());
                Jdbc.update(tx, "UPDATE mailboxes SET uidnext = ?, highestmodseq = 1 WHERE id = ?",
                        source.uidNext(), target.id().value());
                Jdbc.update(tx, "UPDATE mailboxes SET highestmodseq = ? WHERE id = ?", modseq, source.id().value());
                tx.afterCommit(() -> notify(source.id()));
                return null;
            }
            String prefix = from + separator;
            for (Mailbox m : mailboxes(tx, "WHERE account_id = ?", account.value())) {
                if (!m.name().equals(from) && !m.name().startsWith(prefix)) continue;
                String renamed = to + m.name().substring(from.length());
                if (!mailboxes(tx, "WHERE account_id = ? AND name = ?", account.value(), renamed).isEmpty()) {
                    throw new IllegalArgumentException("mailbox exists: " + renamed);
                }
                Jdbc.update(tx, "UPDATE mailboxes SET name = ? WHERE id = ?", renamed, m.id().value());
            }
            return null;
        });
        notifyAccounts();
    }

    @Override
    public void subscribe(MailboxId mailbox, boolean subscribed) {
        Optional<Mailbox> mb = db.point(tx -> mailboxes(tx, "WHERE id = ?", mailbox.value()).stream().findFirst());
        mb.ifPresent(m -> subscribe(m.account(), m.name(), subscribed));
    }

    @Override
    public void subscribe(AccountId account, String name, boolean subscribed) {
        // by name, not by mailbox: a subscription outlives its mailbox (RFC 9051 §6.3.7)
        db.write(tx -> subscribed
                ? Jdbc.update(tx, "INSERT INTO subscriptions(account_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
                        account.value(), name)
                : Jdbc.update(tx, "DELETE FROM subscriptions WHERE account_id = ? AND name = ?", account.value(), name));
        notifyAccounts();
    }

    @Override
    public java.util.SortedSet<String> subscriptions(AccountId account) {
        return db.read(tx -> {
            java.util.SortedSet<String> out = new java.util.TreeSet<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT name FROM subscriptions WHERE account_id = ?",
                    account.value());
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    @Override
    public java.util.SortedMap<String, String> metadata(AccountId account, Optional<MailboxId> mailbox) {
        return db.read(tx -> {
            java.util.SortedMap<String, String> out = new java.util.TreeMap<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT name, value FROM metadata WHERE account_id = ?"
                    + " AND mailbox_id = ?", account.value(), mailbox.map(MailboxId::value).orElse(0L));
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getString(2));
            }
            return out;
        });
    }

    @Override
    public long metadataOctets(AccountId account) {
        return db.read(tx -> {
            // octet_length counts UTF-8 octets, as RFC 5464 limits do
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT COALESCE(SUM(octet_length(name)"
                    + " + octet_length(value)), 0) FROM metadata WHERE account_id = ?", account.value());
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    @Override
    public void setMetadata(AccountId account, Optional<MailboxId> mailbox, java.util.Map<String, Optional<String>> entries) {
        long box = mailbox.map(MailboxId::value).orElse(0L);
        db.write(tx -> {
            for (var e : entries.entrySet()) {
                if (e.getValue().isEmpty()) {
                    Jdbc.update(tx, "DELETE FROM metadata WHERE account_id = ? AND mailbox_id = ? AND name = ?",
                            account.value(), box, e.getKey());
                } else {
                    Jdbc.update(tx, "INSERT INTO metadata(account_id, mailbox_id, name, value) VALUES (?, ?, ?, ?)"
                            + " ON CONFLICT (account_id, mailbox_id, name) DO UPDATE SET value = excluded.value",
                            account.value(), box, e.getKey(), e.getValue().get());
                }
            }
            return null;
        });
        notifyAccount(account);
    }

    @Override
    public ChangeFeed changes() {
        return this;
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
    public List<AclEntry> acl(MailboxId mailbox) {
        return db.read(tx -> {
            List<AclEntry> out = new ArrayList<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT acl.grantee_id, accounts.address, acl.rights FROM acl"
                    + " LEFT JOIN accounts ON accounts.id = acl.grantee_id WHERE acl.mailbox_id = ?", mailbox.value());
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    out.add(id == 0 ? new AclEntry(Optional.empty(), AclEntry.ANYONE, rs.getString(3))
                            : new AclEntry(Optional.of(new AccountId(id)), rs.getString(2), rs.getString(3)));
                }
            }
            out.sort(java.util.Comparator.comparing(AclEntry::identifier));
            return out;
        });
    }

    @Override
    public void setRights(MailboxId mailbox, Optional<AccountId> grantee, String rights) {
        long id = grantee.map(AccountId::value).orElse(0L);
        db.write(tx -> rights.isEmpty()
                ? Jdbc.update(tx, "DELETE FROM acl WHERE mailbox_id = ? AND grantee_id = ?", mailbox.value(), id)
                : Jdbc.update(tx, "INSERT INTO acl(mailbox_id, grantee_id, rights) VALUES (?, ?, ?)"
                        + " ON CONFLICT (mailbox_id, grantee_id) DO UPDATE SET rights = excluded.rights",
                        mailbox.value(), id, rights));
        notify(mailbox); // selected sessions re-check their rights (RFC 4314 §5.1.1)
        notifyAccounts(); // and the grantees' mailbox lists changed
    }

    @Override
    public List<SharedMailbox> sharedWith(AccountId account) {
        return db.read(tx -> {
            java.util.Map<Long, String> rights = new java.util.HashMap<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT mailbox_id, rights FROM acl WHERE grantee_id IN (0, ?)",
                    account.value()); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) rights.merge(rs.getLong(1), rs.getString(2), String::concat);
            }
            Set<Long> subscribed = new java.util.HashSet<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT mailbox_id FROM shared_subscriptions WHERE account_id = ?",
                    account.value()); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) subscribed.add(rs.getLong(1));
            }
            List<SharedMailbox> out = new ArrayList<>();
            for (var e : rights.entrySet()) {
                Optional<Mailbox> mb = mailboxes(tx, "WHERE id = ?", e.getKey()).stream().findFirst();
                if (mb.isEmpty() || mb.get().account().equals(account)) continue;
                String owner = Jdbc.strings(tx, "SELECT address FROM accounts WHERE id = ?",
                        mb.get().account().value()).getFirst();
                String union = e.getValue().chars().distinct().sorted()
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
                out.add(new SharedMailbox(mb.get(), org.tegami.mime.EmailAddress.parse(owner).orElseThrow(), union,
                        subscribed.contains(e.getKey())));
            }
            out.sort(java.util.Comparator.comparing((SharedMailbox m) -> m.owner().toString())
                    .thenComparing(m -> m.mailbox().name()));
            return out;
        });
    }

    @Override
    public void subscribeShared(AccountId account, MailboxId mailbox, boolean subscribed) {
        db.write(tx -> subscribed
                ? Jdbc.update(tx, "INSERT INTO shared_subscriptions(account_id, mailbox_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                        account.value(), mailbox.value())
                : Jdbc.update(tx, "DELETE FROM shared_subscriptions WHERE account_id = ? AND mailbox_id = ?",
                        account.value(), mailbox.value()));
        notifyAccount(account);
    }

    @Override
    public Subscription subscribeAccount(AccountId account, Runnable listener) {
        accountListeners.computeIfAbsent(account, k -> new CopyOnWriteArrayList<>()).add(listener);
        return () -> accountListeners.computeIfPresent(account, (k, l) -> {
            l.remove(listener);
            return l.isEmpty() ? null : l;
        });
    }

    private void notifyAccount(AccountId account) {
        fireAccount(account);
        db.publish("a " + account.value());
    }

    /** For changes that other accounts may see (shared mailboxes); only sessions using IMAP NOTIFY listen. */
    private void notifyAccounts() {
        fireAccounts();
        db.publish("A");
    }

    private void notify(MailboxId mailbox) {
        fireMailbox(mailbox);
        db.publish("m " + mailbox.value());
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

    /** A change another node committed ({@code m <mailbox>}, {@code a <account>}, {@code A}): wakes local listeners. */
    void remote(String what) {
        String[] p = what.split(" ", 2);
        try {
            switch (p[0]) {
                case "m" -> fireMailbox(new MailboxId(Long.parseLong(p[1])));
                case "a" -> fireAccount(new AccountId(Long.parseLong(p[1])));
                case "A" -> fireAccounts();
                default -> { } // another version's kind: nothing here listens for it
            }
        } catch (RuntimeException e) {
            System.getLogger(PgMail.class.getName()).log(System.Logger.Level.WARNING, "bad change notice: " + what);
        }
    }

    /** After the listener connection was lost: notices may be gone, so every listener looks again. */
    void wakeAll() {
        listeners.values().forEach(l -> l.forEach(Runnable::run));
        fireAccounts();
    }

    private static List<Mailbox> mailboxes(Tx tx, String where, Object... args) throws SQLException {
        List<Mailbox> out = new ArrayList<>();
        try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT " + MAILBOX_COLUMNS + " FROM mailboxes " + where, args);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Mailbox(new MailboxId(rs.getLong(1)), new AccountId(rs.getLong(2)), rs.getString(3),
                        rs.getLong(4), rs.getLong(5), new ModSeq(rs.getLong(6)), Optional.ofNullable(rs.getString(7)),
                        rs.getBoolean(8)));
            }
        }
        return out;
    }

    private static List<MessageMeta> messages(Tx tx, String where, Object... args) throws SQLException {
        List<MessageMeta> out = new ArrayList<>();
        try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT " + MESSAGE_COLUMNS + " FROM messages " + where, args);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Set<String> f = flags(rs.getString(6));
                long saved = rs.getLong(8);
                Optional<Instant> saveDate = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(saved));
                out.add(new MessageMeta(new MailboxId(rs.getLong(1)), new Uid(rs.getLong(2)), new BlobId(rs.getString(3)),
                        rs.getLong(4), Instant.ofEpochMilli(rs.getLong(5)), f, new ModSeq(rs.getLong(7)), saveDate,
                        HeaderPrefix.stored(rs.getBytes(9))));
            }
        }
        return out;
    }
}
