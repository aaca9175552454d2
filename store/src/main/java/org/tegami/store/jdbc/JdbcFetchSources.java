package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;
import org.tegami.store.AccountId;
import org.tegami.store.FetchSourceStore;

/** Fetch sources in SQLite or PostgreSQL (tables {@code fetch_sources} and {@code fetch_pop3_seen}); times in epoch milliseconds. */
public final class JdbcFetchSources implements FetchSourceStore {
    private static final String COLUMNS = "id, account_id, protocol, host, port, username, password, folder, keep,"
            + " enabled, last_success, last_error, failures, auth_failures, next_attempt, starttls FROM fetch_sources";

    private final Transactions db;

    public JdbcFetchSources(Transactions db) {
        this.db = db;
    }

    @Override
    public Source add(NewSource s, Instant nextAttempt, LongFunction<byte[]> seal) {
        long id = db.write(tx -> {
            long newId;
            try (PreparedStatement ins = db.dialect().prepareInsert(tx.c, "fetch_sources(account_id, protocol, host, port,"
                    + " username, password, folder, keep, enabled, next_attempt, starttls)"
                    + " VALUES (?, ?, ?, ?, ?, " + db.dialect().emptyBytes() + ", ?, ?, 1, ?, ?)")) {
                Object[] args = {s.account().value(), s.protocol().name(), s.host(), s.port(), s.username(), s.folder(),
                        s.keep() ? 1 : 0, nextAttempt.toEpochMilli(), s.startTls() ? 1 : 0};
                for (int i = 0; i < args.length; i++) ins.setObject(i + 1, args[i]);
                newId = db.dialect().insertReturningId(ins);
            }
            Jdbc.update(tx, "UPDATE fetch_sources SET password = ? WHERE id = ?", seal.apply(newId), newId);
            return newId;
        });
        return source(id).orElseThrow();
    }

    @Override
    public Optional<Source> source(long id) {
        return db.read(tx -> list(tx, "WHERE id = ?", id)).stream().findFirst();
    }

    @Override
    public List<Source> sources(Optional<AccountId> account) {
        return db.read(tx -> account.isPresent() ? list(tx, "WHERE account_id = ? ORDER BY id", account.get().value())
                : list(tx, "ORDER BY id"));
    }

    @Override
    public List<Source> due(Instant now, int max) {
        return db.read(tx -> list(tx, "WHERE enabled = 1 AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?",
                now.toEpochMilli(), max));
    }

    @Override
    public boolean remove(long id) {
        return db.write(tx -> Jdbc.update(tx, "DELETE FROM fetch_sources WHERE id = ?", id) > 0);
    }

    @Override
    public boolean setEnabled(long id, boolean enabled, Instant nextAttempt) {
        return db.write(tx -> enabled
                ? Jdbc.update(tx, "UPDATE fetch_sources SET enabled = 1, failures = 0, auth_failures = 0,"
                        + " next_attempt = ? WHERE id = ?", nextAttempt.toEpochMilli(), id) > 0
                : Jdbc.update(tx, "UPDATE fetch_sources SET enabled = 0 WHERE id = ?", id) > 0);
    }

    @Override
    public boolean claim(long id, Instant seen, Instant until) {
        return db.write(tx -> Jdbc.update(tx, "UPDATE fetch_sources SET next_attempt = ? WHERE id = ? AND enabled = 1"
                + " AND next_attempt = ?", until.toEpochMilli(), id, seen.toEpochMilli()) > 0);
    }

    @Override
    public boolean schedule(long id, Instant when) {
        return db.write(tx -> Jdbc.update(tx, "UPDATE fetch_sources SET next_attempt = ? WHERE id = ?",
                when.toEpochMilli(), id) > 0);
    }

    @Override
    public void succeeded(long id, Instant at, Instant nextAttempt, String note) {
        db.write(tx -> Jdbc.update(tx, "UPDATE fetch_sources SET last_success = ?, last_error = ?, failures = 0,"
                + " auth_failures = 0, next_attempt = ? WHERE id = ?", at.toEpochMilli(), note, nextAttempt.toEpochMilli(), id));
    }

    @Override
    public void failed(long id, String error, boolean authentication, Instant nextAttempt, boolean disable) {
        db.write(tx -> Jdbc.update(tx, "UPDATE fetch_sources SET last_error = ?, failures = failures + 1,"
                + " auth_failures = CASE WHEN ? <> 0 THEN auth_failures + 1 ELSE 0 END, next_attempt = ?,"
                + " enabled = CASE WHEN ? <> 0 THEN 0 ELSE enabled END WHERE id = ?",
                error, authentication ? 1 : 0, nextAttempt.toEpochMilli(), disable ? 1 : 0, id));
    }

    @Override
    public Optional<ImapState> imapState(long id) {
        return db.read(tx -> {
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT uidvalidity, highest_uid FROM fetch_sources"
                    + " WHERE id = ? AND uidvalidity IS NOT NULL", id); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new ImapState(rs.getLong(1), rs.getLong(2))) : Optional.<ImapState>empty();
            }
        });
    }

    @Override
    public void setImapState(long id, ImapState state) {
        db.write(tx -> Jdbc.update(tx, "UPDATE fetch_sources SET uidvalidity = ?, highest_uid = ? WHERE id = ?",
                state.uidValidity(), state.highestUid(), id));
    }

    @Override
    public Set<String> pop3Seen(long id) {
        return db.read(tx -> Set.copyOf(Jdbc.strings(tx, "SELECT uidl FROM fetch_pop3_seen WHERE source_id = ?", id)));
    }

    @Override
    public void addPop3Seen(long id, String uidl) {
        db.write(tx -> Jdbc.update(tx, db.dialect().insertOrIgnore("fetch_pop3_seen(source_id, uidl)"
                + " SELECT id, ? FROM fetch_sources WHERE id = ?"), uidl, id));
    }

    @Override
    public int retainPop3Seen(long id, Set<String> onServer) {
        return db.write(tx -> {
            Set<String> gone = new HashSet<>(Jdbc.strings(tx, "SELECT uidl FROM fetch_pop3_seen WHERE source_id = ?", id));
            gone.removeAll(onServer);
            for (String u : gone) Jdbc.update(tx, "DELETE FROM fetch_pop3_seen WHERE source_id = ? AND uidl = ?", id, u);
            return gone.size();
        });
    }

    private static List<Source> list(Tx tx, String where, Object... args) throws SQLException {
        List<Source> out = new ArrayList<>();
        try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT " + COLUMNS + " " + where, args);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long success = rs.getLong(11);
                Optional<Instant> last = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(success));
                out.add(new Source(rs.getLong(1), new AccountId(rs.getLong(2)), Protocol.valueOf(rs.getString(3)),
                        rs.getString(4), rs.getInt(5), rs.getString(6), rs.getBytes(7), rs.getString(8),
                        rs.getInt(9) != 0, rs.getInt(10) != 0, last, rs.getString(12), rs.getInt(13), rs.getInt(14),
                        Instant.ofEpochMilli(rs.getLong(15)), rs.getInt(16) != 0));
            }
        }
        return out;
    }
}
