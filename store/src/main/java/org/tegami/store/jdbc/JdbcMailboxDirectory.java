package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tegami.store.AccountId;
import org.tegami.store.AclEntry;
import org.tegami.store.Mailbox;
import org.tegami.store.MailboxDirectory;
import org.tegami.store.MailboxId;
import org.tegami.store.ModSeq;
import org.tegami.store.SharedMailbox;

/**
 * The mailboxes of SQLite or PostgreSQL accounts: names, creation, deletion and renaming, subscriptions, METADATA
 * (RFC 5464), ACLs (RFC 4314) and the mailboxes shared with an account, each change told to the change feed after
 * its commit. {@link JdbcMail} adds the messages in them.
 */
public abstract class JdbcMailboxDirectory implements MailboxDirectory {
    private static final String MAILBOX_COLUMNS =
            "id, account_id, name, uidvalidity, uidnext, highestmodseq, special_use, EXISTS(SELECT 1 FROM subscriptions"
            + " WHERE subscriptions.account_id = mailboxes.account_id AND subscriptions.name = mailboxes.name)";

    final Transactions db;
    /** Source of UIDVALIDITY values, never one handed out before (RFC 9051 §2.3.1.1). */
    private final java.util.function.LongSupplier uidValidity;
    final JdbcChangeFeed feed;

    JdbcMailboxDirectory(Transactions db, java.util.function.LongSupplier uidValidity, JdbcChangeFeed feed) {
        this.db = db;
        this.uidValidity = uidValidity;
        this.feed = feed;
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
    public Create create(AccountId account, String name, Optional<String> specialUse) {
        Create created = db.write(tx -> exists(tx, account, name) ? new Create.AlreadyExists()
                : new Create.Created(insertMailbox(tx, account, name, specialUse)));
        if (created instanceof Create.Created) notifyAccount(account);
        return created;
    }

    static boolean exists(Tx tx, AccountId account, String name) throws SQLException {
        return !query(tx, "SELECT id FROM mailboxes WHERE account_id = ? AND name = ?", rs -> rs.getLong(1),
                account.value(), name).isEmpty();
    }

    Mailbox insertMailbox(Tx tx, AccountId account, String name, Optional<String> specialUse) throws SQLException {
        if (!mailboxes(tx, "WHERE account_id = ? AND name = ?", account.value(), name).isEmpty()) {
            throw new IllegalArgumentException("mailbox exists: " + name);
        }
        long uv = JdbcAccounts.nextUidValidity(tx, uidValidity);
        Jdbc.update(tx, "INSERT INTO mailboxes(id, account_id, name, uidvalidity, uidnext, highestmodseq,"
                + " special_use, subscribed) VALUES (?, ?, ?, ?, 1, 1, ?, 0)", db.dialect().nextId(tx, "mailbox_id"),
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
    public Rename rename(AccountId account, String from, String to, char separator) {
        // every refusal is decided before the first write: returning one commits nothing
        Rename done = db.write(tx -> {
            Optional<Mailbox> found = mailboxes(tx, "WHERE account_id = ? AND name = ?", account.value(), from).stream()
                    .findFirst();
            if (found.isEmpty()) return new Rename.NotFound();
            Mailbox source = found.get();
            if (from.equals(Mailbox.INBOX)) {
                if (exists(tx, account, to)) return new Rename.TargetExists(to);
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
                return new Rename.Renamed();
            }
            String prefix = from + separator;
            java.util.Map<Long, String> renames = new java.util.LinkedHashMap<>();
            for (Mailbox m : mailboxes(tx, "WHERE account_id = ?", account.value())) {
                if (!m.name().equals(from) && !m.name().startsWith(prefix)) continue;
                String renamed = to + m.name().substring(from.length());
                if (exists(tx, account, renamed)) return new Rename.TargetExists(renamed);
                renames.put(m.id().value(), renamed);
            }
            for (var e : renames.entrySet()) {
                Jdbc.update(tx, "UPDATE mailboxes SET name = ? WHERE id = ?", e.getValue(), e.getKey());
            }
            return new Rename.Renamed();
        });
        if (done instanceof Rename.Renamed) notifyAccounts();
        return done;
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
            // octet_length counts UTF-8 octets, as RFC 5464 limits do (SQLite's since 3.43)
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

    final void notifyAccount(AccountId account) {
        feed.account(account);
    }

    /** For changes that other accounts may see (shared mailboxes); only sessions using IMAP NOTIFY listen. */
    final void notifyAccounts() {
        feed.accounts();
    }

    final void notify(MailboxId mailbox) {
        feed.mailbox(mailbox);
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

    /** Maps one row of a result set. */
    @FunctionalInterface
    interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Every row of a query: with the connection's kept statement where the transaction keeps them. */
    static <T> List<T> query(Tx tx, String sql, Row<T> row, Object... args) throws SQLException {
        List<T> out = new ArrayList<>();
        if (tx.caches()) {
            try (ResultSet rs = tx.cached(sql, args).executeQuery()) {
                while (rs.next()) out.add(row.map(rs));
            }
            return out;
        }
        try (PreparedStatement ps = Jdbc.prepare(tx, sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(row.map(rs));
        }
        return out;
    }

    static List<Mailbox> mailboxes(Tx tx, String where, Object... args) throws SQLException {
        return query(tx, "SELECT " + MAILBOX_COLUMNS + " FROM mailboxes " + where, rs -> new Mailbox(
                new MailboxId(rs.getLong(1)), new AccountId(rs.getLong(2)), rs.getString(3), rs.getLong(4), rs.getLong(5),
                new ModSeq(rs.getLong(6)), Optional.ofNullable(rs.getString(7)), rs.getBoolean(8)), args);
    }
}
