package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Optional;
import org.tegami.store.GreylistStore;

/** Greylisting's triples in SQLite or PostgreSQL (table {@code greylist}; embedded schema v16); times in epoch milliseconds. */
public final class JdbcGreylist implements GreylistStore {
    private final Transactions db;

    public JdbcGreylist(Transactions db) {
        this.db = db;
    }

    @Override
    public Optional<Entry> entry(Triple t) {
        return db.read(tx -> {
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT first_seen, last_seen, passed FROM greylist"
                    + " WHERE network = ? AND sender = ? AND recipient = ?", t.network(), t.sender(), t.recipient().value());
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Entry(Instant.ofEpochMilli(rs.getLong(1)),
                        Instant.ofEpochMilli(rs.getLong(2)), rs.getInt(3) != 0)) : Optional.<Entry>empty();
            }
        });
    }

    @Override
    public void put(Triple t, Entry e) {
        db.write(tx -> Jdbc.update(tx, db.dialect().upsert("greylist(network, sender, recipient, first_seen,"
                + " last_seen, passed) VALUES (?, ?, ?, ?, ?, ?)", "network, sender, recipient",
                "first_seen", "last_seen", "passed"), t.network(), t.sender(), t.recipient().value(),
                e.firstSeen().toEpochMilli(), e.lastSeen().toEpochMilli(), e.passed() ? 1 : 0));
    }

    @Override
    public int prune(Instant pendingBefore, Instant passedBefore) {
        return db.write(tx -> Jdbc.update(tx, "DELETE FROM greylist WHERE (passed = 0 AND first_seen < ?)"
                + " OR (passed = 1 AND last_seen < ?)", pendingBefore.toEpochMilli(), passedBefore.toEpochMilli()));
    }
}
