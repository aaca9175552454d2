package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tegami.store.AccountId;
import org.tegami.store.SieveScriptStore;

/**
 * Sieve scripts in SQLite or PostgreSQL (table {@code sieve_scripts}, embedded schema v19) and delivery's marks
 * ({@code sieve_marks}, v23). A partial unique index allows one active row per account and serves delivery's read of it.
 */
public final class JdbcSieve implements SieveScriptStore {
    private final Transactions db;

    public JdbcSieve(Transactions db) {
        this.db = db;
    }

    @Override
    public List<Script> list(AccountId account) {
        return db.read(tx -> {
            List<Script> out = new ArrayList<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT name, active FROM sieve_scripts"
                    + " WHERE account_id = ? ORDER BY name", account.value()); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new Script(rs.getString(1), rs.getInt(2) != 0));
            }
            return out;
        });
    }

    @Override
    public Optional<String> get(AccountId account, String name) {
        return db.point(tx -> content(tx, "SELECT content FROM sieve_scripts WHERE account_id = ? AND name = ?",
                account.value(), name));
    }

    @Override
    public Optional<String> active(AccountId account) {
        return db.point(tx -> content(tx, "SELECT content FROM sieve_scripts WHERE account_id = ? AND active = 1",
                account.value()));
    }

    private static Optional<String> content(Tx tx, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = Jdbc.prepare(tx, sql, args); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    @Override
    public Result put(AccountId account, String name, String content, Quota quota) {
        if (!SieveScriptStore.validName(name)) throw new IllegalArgumentException("invalid Sieve script name");
        long size = SieveScriptStore.octets(content);
        if (size > quota.maxScriptSize()) return Result.QUOTA_MAXSIZE;
        return db.write(tx -> {
            Result space = space(tx, account, name, size, quota);
            if (space != Result.OK) return space;
            if (Jdbc.update(tx, "UPDATE sieve_scripts SET content = ? WHERE account_id = ? AND name = ?",
                    content, account.value(), name) == 0) {
                Jdbc.update(tx, "INSERT INTO sieve_scripts(account_id, name, content, active) VALUES (?, ?, ?, 0)",
                        account.value(), name, content);
            }
            return Result.OK;
        });
    }

    @Override
    public Result haveSpace(AccountId account, String name, long size, Quota quota) {
        if (size > quota.maxScriptSize()) return Result.QUOTA_MAXSIZE;
        return db.point(tx -> space(tx, account, name, size, quota));
    }

    private static Result space(Tx tx, AccountId account, String name, long size, Quota quota) throws SQLException {
        if (size > quota.maxScriptSize()) return Result.QUOTA_MAXSIZE;
        try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT count(*), count(CASE WHEN name = ? THEN 1 END)"
                + " FROM sieve_scripts WHERE account_id = ?", name, account.value()); ResultSet rs = ps.executeQuery()) {
            rs.next();
            boolean replaces = rs.getInt(2) > 0;
            return !replaces && rs.getInt(1) >= quota.maxScripts() ? Result.QUOTA_MAXSCRIPTS : Result.OK;
        }
    }

    @Override
    public Result delete(AccountId account, String name) {
        return db.write(tx -> {
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT active FROM sieve_scripts WHERE account_id = ?"
                    + " AND name = ?", account.value(), name); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Result.NONEXISTENT;
                if (rs.getInt(1) != 0) return Result.ACTIVE;
            }
            Jdbc.update(tx, "DELETE FROM sieve_scripts WHERE account_id = ? AND name = ?", account.value(), name);
            return Result.OK;
        });
    }

    @Override
    public Result rename(AccountId account, String from, String to) {
        if (!SieveScriptStore.validName(to)) throw new IllegalArgumentException("invalid Sieve script name");
        return db.write(tx -> {
            if (content(tx, "SELECT name FROM sieve_scripts WHERE account_id = ? AND name = ?", account.value(), from).isEmpty()) {
                return Result.NONEXISTENT;
            }
            if (content(tx, "SELECT name FROM sieve_scripts WHERE account_id = ? AND name = ?", account.value(), to).isPresent()) {
                return Result.ALREADYEXISTS; // RFC 5804 §2.11.1, also for from = to
            }
            Jdbc.update(tx, "UPDATE sieve_scripts SET name = ? WHERE account_id = ? AND name = ?",
                    to, account.value(), from);
            return Result.OK;
        });
    }

    @Override
    public Result setActive(AccountId account, String name) {
        return db.write(tx -> {
            if (!name.isEmpty() && content(tx, "SELECT name FROM sieve_scripts WHERE account_id = ? AND name = ?",
                    account.value(), name).isEmpty()) {
                return Result.NONEXISTENT;
            }
            // PostgreSQL checks the partial unique index row by row: first deactivate, then activate
            Jdbc.update(tx, "UPDATE sieve_scripts SET active = 0 WHERE account_id = ? AND active = 1 AND name <> ?",
                    account.value(), name);
            if (!name.isEmpty()) {
                Jdbc.update(tx, "UPDATE sieve_scripts SET active = 1 WHERE account_id = ? AND name = ?",
                        account.value(), name);
            }
            return Result.OK;
        });
    }

    @Override
    public boolean marked(AccountId account, String key, java.time.Instant now) {
        return db.point(tx -> {
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT 1 FROM sieve_marks WHERE account_id = ? AND key = ?"
                    + " AND until > ?", account.value(), digest(key), now.toEpochMilli()); ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        });
    }

    @Override
    public void mark(AccountId account, String key, java.time.Instant now, java.time.Instant until) {
        Dialect d = db.dialect();
        db.writeLocked(tx -> {
            // PostgreSQL's READ COMMITTED: concurrent marks of one account do not fail each other; the bound below is
            // then approximate while they run (each trims what it sees), never unbounded
            if (Jdbc.strings(tx, "SELECT 1 FROM accounts WHERE id = ?", account.value()).isEmpty()) return null;
            Jdbc.update(tx, "DELETE FROM sieve_marks WHERE account_id = ? AND until <= ?", account.value(),
                    now.toEpochMilli());
            Jdbc.update(tx, d.upsert("sieve_marks(account_id, key, until) VALUES (?, ?, ?)", "account_id, key", "until"),
                    account.value(), digest(key), until.toEpochMilli());
            Jdbc.update(tx, "DELETE FROM sieve_marks WHERE account_id = ? AND key IN (SELECT key FROM sieve_marks"
                    + " WHERE account_id = ? ORDER BY until DESC " + d.offset() + ")", account.value(), account.value(),
                    MAX_MARKS);
            return null;
        });
    }

    /** Keys are stored as SHA-256 digests: bounded whatever the script's handle or a message's id. */
    private static String digest(String key) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }
}
