package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.EnvelopeParams;
import org.tegami.store.HeaderPrefix;
import org.tegami.store.QueueEntry;
import org.tegami.store.QueueId;
import org.tegami.store.QueueStore;

/**
 * The outbound queue in SQLite or PostgreSQL; entries are added inside a delivery's transaction. Not final only so
 * that the stores' mail roles can still name it by their own package's class until they move to this package.
 */
public final class JdbcQueue implements QueueStore {
    private final Transactions db;
    private final java.util.List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public JdbcQueue(Transactions db) {
        this.db = db;
    }

    @Override
    public void onEnqueue(Runnable listener) {
        listeners.add(listener);
    }

    /** Something was queued here (run after its commit): wakes local delivery and tells the other nodes. */
    public final void enqueued() {
        listeners.forEach(Runnable::run);
        db.publish("q");
    }

    /** Another node queued something: delivery here may start too. */
    public final void remoteEnqueued() {
        listeners.forEach(Runnable::run);
    }

    /** Queues an entry inside the caller's transaction (a delivery and its outbound copies commit together). */
    public static QueueId enqueue(Dialect d, Tx tx, BlobId blob, long size, Instant now, DeliveryRequest.Outbound out)
            throws SQLException {
        long id = d.nextId(tx, "queue_id");
        Instant first = out.notBefore().filter(t -> t.isAfter(now)).orElse(now);
        EnvelopeParams p = out.params();
        Jdbc.update(tx, "INSERT INTO queue(id, blob, size, skip_bytes, sender, created, next_attempt, submitter,"
                + " dkim_domain, prefix, dsn_ret, dsn_envid, tls) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                id, blob.hex(), size, out.skipBytes(),
                out.sender(), now.toEpochMilli(), first.toEpochMilli(), out.submitter().map(AccountId::value).orElse(null),
                out.dkimDomain(), out.prefix().bytes(), p.ret().map(Enum::name).orElse(null), p.envid().orElse(null),
                p.tls().ordinal());
        insertRecipients(tx, id, out.recipients(), p);
        return new QueueId(id);
    }

    private static void insertRecipients(Tx tx, long id, List<String> recipients, EnvelopeParams p) throws SQLException {
        for (int i = 0; i < recipients.size(); i++) {
            EnvelopeParams.Rcpt r = p.recipient(recipients.get(i));
            Jdbc.update(tx, "INSERT INTO queue_recipients(queue_id, position, recipient, notify, orcpt_type, orcpt)"
                    + " VALUES (?, ?, ?, ?, ?, ?)", id, i, recipients.get(i), r.notifyText(), r.orcptType().orElse(null),
                    r.orcpt().orElse(null));
        }
    }

    @Override
    public List<QueueEntry> list() {
        return db.read(tx -> entries(tx, "ORDER BY id"));
    }

    @Override
    public Optional<QueueEntry> get(QueueId id) {
        return db.read(tx -> entries(tx, "WHERE id = ?", id.value())).stream().findFirst();
    }

    @Override
    public boolean remove(QueueId id) {
        return db.write(tx -> Jdbc.update(tx, "DELETE FROM queue WHERE id = ?", id.value()) > 0);
    }

    @Override
    public List<QueueEntry> due(Instant now, int limit) {
        return db.read(tx -> entries(tx, "WHERE next_attempt <= ? ORDER BY next_attempt, id LIMIT ?", now.toEpochMilli(), limit));
    }

    @Override
    public List<QueueEntry> claim(Instant now, int limit, Instant leaseUntil, String owner) {
        return db.write(tx -> {
            // One statement, so the choice and the lease are one step: a scan that read the queue earlier cannot
            // pick an entry that another delivery has since taken or finished. SKIP LOCKED (PostgreSQL): nodes claiming
            // at the same moment take different entries instead of queueing up behind one another's row locks.
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "UPDATE queue SET claimed_until = ?, claimed_by = ?"
                            + " WHERE id IN (SELECT id FROM queue WHERE next_attempt <= ? AND claimed_until <= ?"
                            + " ORDER BY next_attempt, id LIMIT ?" + db.dialect().skipLocked() + ") RETURNING id",
                    leaseUntil.toEpochMilli(), owner, now.toEpochMilli(), now.toEpochMilli(), limit);
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) ids.add(rs.getLong(1));
            }
            if (ids.isEmpty()) return List.of();
            String in = String.join(",", java.util.Collections.nCopies(ids.size(), "?"));
            return entries(tx, "WHERE id IN (" + in + ") ORDER BY next_attempt, id", ids.toArray());
        });
    }

    @Override
    public int renewClaims(String owner, Instant leaseUntil) {
        // claimed_until > 0: still held (an outcome or a release sets 0); claimed_by: not taken by another owner
        return db.write(tx -> Jdbc.update(tx, "UPDATE queue SET claimed_until = ? WHERE claimed_by = ? AND claimed_until > 0",
                leaseUntil.toEpochMilli(), owner));
    }

    @Override
    public int releaseClaims(String owner) {
        return db.write(tx -> Jdbc.update(tx, "UPDATE queue SET claimed_until = 0, claimed_by = ''"
                + " WHERE claimed_by = ?", owner));
    }

    @Override
    public void reschedule(QueueId id, List<String> remaining, Instant nextAttempt, int attempts, String lastError) {
        db.write(tx -> {
            if (remaining.isEmpty()) {
                Jdbc.update(tx, "DELETE FROM queue WHERE id = ?", id.value());
                return null;
            }
            // the remaining recipients keep their DSN parameters
            EnvelopeParams p = params(tx, id.value(), null, null, EnvelopeParams.Tls.DEFAULT);
            Jdbc.update(tx, "DELETE FROM queue_recipients WHERE queue_id = ?", id.value());
            insertRecipients(tx, id.value(), remaining, p);
            Jdbc.update(tx, "UPDATE queue SET next_attempt = ?, attempts = ?, last_error = ?,"
                    + " claimed_until = 0, claimed_by = '' WHERE id = ?",
                    nextAttempt.toEpochMilli(), attempts, lastError, id.value());
            return null;
        });
    }

    @Override
    public void markDelayNotified(QueueId id) {
        db.write(tx -> Jdbc.update(tx, "UPDATE queue SET delay_notified = 1 WHERE id = ?", id.value()));
    }

    @Override
    public int flush(Instant now) {
        return db.write(tx -> Jdbc.update(tx, "UPDATE queue SET next_attempt = ?", now.toEpochMilli()));
    }

    private static List<QueueEntry> entries(Tx tx, String where, Object... args) throws SQLException {
        List<QueueEntry> out = new ArrayList<>();
        try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT id, blob, size, skip_bytes, sender, created,"
                + " next_attempt, attempts, last_error, delay_notified, submitter, dkim_domain, prefix, dsn_ret, dsn_envid,"
                + " tls FROM queue " + where, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long id = rs.getLong(1);
                List<String> rcpts = Jdbc.strings(tx,
                        "SELECT recipient FROM queue_recipients WHERE queue_id = ? ORDER BY position", id);
                EnvelopeParams params = params(tx, id, rs.getString(14), rs.getString(15), EnvelopeParams.Tls.values()[rs.getInt(16)]);
                out.add(new QueueEntry(new QueueId(id), new BlobId(rs.getString(2)), rs.getLong(3), rs.getLong(4),
                        rs.getString(5), rcpts, Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7)),
                        rs.getInt(8), rs.getString(9), rs.getInt(10) != 0,
                        rs.getObject(11) == null ? Optional.empty() : Optional.of(new AccountId(rs.getLong(11))),
                        rs.getString(12), HeaderPrefix.stored(rs.getBytes(13)), params));
            }
        }
        return out;
    }

    /** The entry's recipients' DSN parameters, with the entry's own given here. */
    private static EnvelopeParams params(Tx tx, long id, String ret, String envid, EnvelopeParams.Tls tls) throws SQLException {
        java.util.Map<String, EnvelopeParams.Rcpt> rcpts = new java.util.HashMap<>();
        try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT recipient, notify, orcpt_type, orcpt FROM queue_recipients"
                + " WHERE queue_id = ? AND (notify IS NOT NULL OR orcpt IS NOT NULL)", id); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rcpts.put(rs.getString(1), new EnvelopeParams.Rcpt(EnvelopeParams.Rcpt.parseNotify(rs.getString(2)),
                        Optional.ofNullable(rs.getString(3)), Optional.ofNullable(rs.getString(4))));
            }
        }
        return new EnvelopeParams(Optional.ofNullable(ret).map(EnvelopeParams.Ret::valueOf), Optional.ofNullable(envid),
                tls, rcpts);
    }
}
