package org.tegami.store.jdbc;

import static org.tegami.store.jdbc.Jdbc.prepare;
import static org.tegami.store.jdbc.Jdbc.strings;
import static org.tegami.store.jdbc.Jdbc.update;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.AccountStore;
import org.tegami.store.Alias;

/** Domains, users and aliases in SQLite or PostgreSQL. No caching: another process may change them at any time. */
public final class JdbcAccounts implements AccountStore {
    /** Mailboxes every account starts with, and their RFC 6154 special-use attributes. */
    static final List<String[]> DEFAULT_MAILBOXES = List.of(
            new String[] {"INBOX", null}, new String[] {"Sent", "\\Sent"}, new String[] {"Drafts", "\\Drafts"},
            new String[] {"Trash", "\\Trash"}, new String[] {"Junk", "\\Junk"}, new String[] {"Archive", "\\Archive"});

    private final Transactions db;
    private final LongSupplier uidValidity;

    public JdbcAccounts(Transactions db, LongSupplier uidValidity) {
        this.db = db;
        this.uidValidity = uidValidity;
    }

    private static String norm(String domain) {
        return domain.toLowerCase(Locale.ROOT);
    }

    @Override
    public boolean addDomain(String domain) {
        return db.write(tx -> update(tx, db.dialect().insertOrIgnore("domains(name) VALUES (?)"), norm(domain)) > 0);
    }

    @Override
    public boolean removeDomain(String domain) {
        return db.write(tx -> update(tx, "DELETE FROM domains WHERE name = ?", norm(domain)) > 0);
    }

    @Override
    public List<String> domains() {
        return db.read(tx -> strings(tx, "SELECT name FROM domains ORDER BY name"));
    }

    @Override
    public boolean isLocalDomain(String domain) {
        return db.read(tx -> !strings(tx, "SELECT name FROM domains WHERE name = ?", norm(domain)).isEmpty());
    }

    @Override
    public Account addUser(EmailAddress address, String passwordHash) {
        return db.write(tx -> {
            if (strings(tx, "SELECT name FROM domains WHERE name = ?", address.domain()).isEmpty()) {
                throw new IllegalArgumentException("the domain " + address.domain() + " is not local: add it first with"
                        + " 'tegami domain add " + address.domain() + "'");
            }
            if (!strings(tx, "SELECT address FROM accounts WHERE addr_key = ?", address.key()).isEmpty()) {
                throw new IllegalArgumentException("the user " + address + " already exists");
            }
            long id = db.dialect().nextId(tx, "account_id");
            update(tx, "INSERT INTO accounts(id, address, addr_key, password_hash) VALUES (?, ?, ?, ?)",
                    id, address.toString(), address.key(), passwordHash);
            long uv = nextUidValidity(tx, uidValidity);
            for (String[] mb : DEFAULT_MAILBOXES) {
                update(tx, "INSERT INTO mailboxes(id, account_id, name, uidvalidity, uidnext, highestmodseq, special_use,"
                        + " subscribed) VALUES (?, ?, ?, ?, 1, 1, ?, 1)", db.dialect().nextId(tx, "mailbox_id"), id, mb[0], uv, mb[1]);
                update(tx, "INSERT INTO subscriptions(account_id, name) VALUES (?, ?)", id, mb[0]);
            }
            return new Account(new AccountId(id), address, passwordHash);
        });
    }

    /**
     * A UIDVALIDITY above every one handed out before (RFC 9051 §2.3.1.1: a mailbox re-created under an old name
     * must not reuse the old value), normally the clock's, and within the 32-bit range IMAP allows.
     */
    public static long nextUidValidity(Tx tx, LongSupplier source) throws SQLException {
        long last = Long.parseLong(strings(tx, "SELECT value FROM counters WHERE name = 'uidvalidity'").getFirst());
        long next = Math.max(source.getAsLong(), last + 1);
        if (next > 0xffff_ffffL) throw new SQLException("UIDVALIDITY space exhausted");
        update(tx, "UPDATE counters SET value = ? WHERE name = 'uidvalidity'", next);
        return next;
    }

    @Override
    public boolean setQuota(AccountId account, java.util.OptionalLong storageKib, java.util.OptionalLong messages) {
        return db.write(tx -> {
            if (strings(tx, "SELECT id FROM accounts WHERE id = ?", account.value()).isEmpty()) return false;
            if (storageKib.isEmpty() && messages.isEmpty()) {
                update(tx, "DELETE FROM quotas WHERE account_id = ?", account.value());
            } else {
                update(tx, db.dialect().upsert("quotas(account_id, storage_kib, messages) VALUES (?, ?, ?)",
                        "account_id", "storage_kib", "messages"),
                        account.value(), storageKib.isPresent() ? storageKib.getAsLong() : null,
                        messages.isPresent() ? messages.getAsLong() : null);
            }
            return true;
        });
    }

    @Override
    public Optional<org.tegami.store.Quota> quota(AccountId account) {
        // asked before every APPEND: most accounts have no quota, which one row by key tells on the caller's thread
        if (db.cheapPoints() && db.point(tx -> strings(tx, "SELECT account_id FROM quotas WHERE account_id = ?", account.value())).isEmpty()) {
            return Optional.empty();
        }
        return db.read(tx -> {
            java.util.OptionalLong storage;
            java.util.OptionalLong messages;
            try (PreparedStatement ps = prepare(tx, "SELECT storage_kib, messages FROM quotas WHERE account_id = ?",
                    account.value()); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty(); // no quota: no need to add anything up
                long st = rs.getLong(1);
                storage = rs.wasNull() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(st);
                long ms = rs.getLong(2);
                messages = rs.wasNull() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(ms);
            }
            try (PreparedStatement ps = prepare(tx, "SELECT COALESCE(SUM(m.size), 0), COUNT(*) FROM messages m"
                    + " JOIN mailboxes b ON m.mailbox_id = b.id WHERE b.account_id = ?", account.value());
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Optional.of(new org.tegami.store.Quota(storage, messages, rs.getLong(1), rs.getLong(2)));
            }
        });
    }

    @Override
    public boolean setPasswordHash(EmailAddress address, String passwordHash) {
        return db.write(tx -> update(tx, "UPDATE accounts SET password_hash = ? WHERE addr_key = ?",
                passwordHash, address.key()) > 0);
    }

    @Override
    public boolean removeUser(EmailAddress address) {
        return db.write(tx -> {
            update(tx, "DELETE FROM acl WHERE grantee_id IN (SELECT id FROM accounts WHERE addr_key = ?)", address.key());
            // the classifier's rows are keyed by account id without a foreign key (0 is the shared model)
            for (String t : new String[] {"spam_tokens", "spam_totals", "spam_learned", "spam_learn_queue"}) {
                update(tx, "DELETE FROM " + t + " WHERE account_id IN (SELECT id FROM accounts WHERE addr_key = ?)",
                        address.key());
            }
            return update(tx, "DELETE FROM accounts WHERE addr_key = ?", address.key()) > 0;
        });
    }

    @Override
    public Optional<Account> user(EmailAddress address) {
        return db.point(tx -> accounts(tx, "WHERE addr_key = ?", address.key())).stream().findFirst();
    }

    @Override
    public Optional<Account> user(AccountId id) {
        return db.point(tx -> accounts(tx, "WHERE id = ?", id.value())).stream().findFirst();
    }

    @Override
    public List<Account> users() {
        return db.read(tx -> accounts(tx, "ORDER BY addr_key"));
    }

    @Override
    public int userCount() {
        return db.read(tx -> Integer.parseInt(strings(tx, "SELECT count(*) FROM accounts").getFirst()));
    }

    @Override
    public void putAlias(String source, List<String> targets) {
        db.write(tx -> update(tx, db.dialect().upsert("aliases(source, targets) VALUES (?, ?)", "source", "targets"),
                source.toLowerCase(Locale.ROOT), String.join("\n", targets)));
    }

    @Override
    public boolean removeAlias(String source) {
        return db.write(tx -> update(tx, "DELETE FROM aliases WHERE source = ?", source.toLowerCase(Locale.ROOT)) > 0);
    }

    @Override
    public Optional<Alias> alias(String source) {
        return db.read(tx -> aliases(tx, "WHERE source = ?", source.toLowerCase(Locale.ROOT))).stream().findFirst();
    }

    @Override
    public List<Alias> aliases() {
        return db.read(tx -> aliases(tx, "ORDER BY source"));
    }

    private static List<Alias> aliases(Tx tx, String where, Object... args) throws SQLException {
        List<Alias> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(tx, "SELECT source, targets FROM aliases " + where, args);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Alias(rs.getString(1), Arrays.stream(rs.getString(2).split("\n")).filter(s -> !s.isEmpty()).toList()));
            }
        }
        return out;
    }

    private static List<Account> accounts(Tx tx, String where, Object... args) throws SQLException {
        List<Account> out = new ArrayList<>();
        try (PreparedStatement ps = prepare(tx, "SELECT id, address, password_hash FROM accounts " + where, args);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Account(new AccountId(rs.getLong(1)), EmailAddress.parse(rs.getString(2)).orElseThrow(),
                        rs.getString(3)));
            }
        }
        return out;
    }
}
