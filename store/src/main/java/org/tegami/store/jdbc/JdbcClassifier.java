package org.tegami.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tegami.store.AccountId;
import org.tegami.store.ClassifierStore;
import org.tegami.store.MailboxId;
import org.tegami.store.Uid;

/** The spam classifier's model and learning queue in SQLite or PostgreSQL; account id 0 holds the shared model. */
public final class JdbcClassifier implements ClassifierStore {
    /** Tokens looked up per statement (SQLite's default limit on host parameters is 32766, PostgreSQL's 65535). */
    private static final int BATCH = 500;

    private final Transactions db;

    public JdbcClassifier(Transactions db) {
        this.db = db;
    }

    private static long id(Optional<AccountId> account) {
        return account.map(AccountId::value).orElse(0L);
    }

    @Override
    public Totals totals(Optional<AccountId> account) {
        return db.read(tx -> totals(tx, id(account)));
    }

    private static Totals totals(Tx tx, long account) throws SQLException {
        try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT spam, ham FROM spam_totals WHERE account_id = ?", account);
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Totals(rs.getLong(1), rs.getLong(2)) : Totals.ZERO;
        }
    }

    @Override
    public Map<String, Counts> counts(Optional<AccountId> account, Collection<String> tokens) {
        List<String> all = List.copyOf(new java.util.LinkedHashSet<>(tokens));
        return db.read(tx -> {
            Map<String, Counts> out = new HashMap<>();
            for (int from = 0; from < all.size(); from += BATCH) {
                List<String> batch = all.subList(from, Math.min(all.size(), from + BATCH));
                Object[] args = new Object[batch.size() + 1];
                args[0] = id(account);
                for (int i = 0; i < batch.size(); i++) args[i + 1] = batch.get(i);
                String in = String.join(", ", java.util.Collections.nCopies(batch.size(), "?"));
                try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT token, spam, ham FROM spam_tokens"
                        + " WHERE account_id = ? AND token IN (" + in + ")", args); ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.put(rs.getString(1), new Counts(rs.getLong(2), rs.getLong(3)));
                }
            }
            return out;
        });
    }

    @Override
    public boolean learn(AccountId account, String message, Verdict verdict, Collection<String> tokens) {
        List<String> distinct = List.copyOf(new java.util.LinkedHashSet<>(tokens));
        return db.write(tx -> {
            Optional<Verdict> before = learned(tx, account, message);
            if (before.equals(Optional.of(verdict))) return false;
            for (long model : new long[] {account.value(), 0}) {
                if (before.isPresent()) add(db.dialect(), tx, model, before.get(), distinct, -1);
                add(db.dialect(), tx, model, verdict, distinct, 1);
            }
            Jdbc.update(tx, db.dialect().upsert("spam_learned(account_id, message, verdict) VALUES (?, ?, ?)",
                    "account_id, message", "verdict"),
                    account.value(), message, verdict.name());
            return true;
        });
    }

    /**
     * Adds {@code delta} to the class's count of each token and to its message total; counts never drop below 0 and
     * tokens no class holds any more are deleted. One prepared statement, batched: a message has hundreds of tokens.
     */
    private static void add(Dialect d, Tx tx, long model, Verdict verdict, List<String> tokens, int delta)
            throws SQLException {
        String col = verdict == Verdict.SPAM ? "spam" : "ham";
        Jdbc.update(tx, d.insertOrIgnore("spam_totals(account_id, spam, ham) VALUES (?, 0, 0)"), model);
        Jdbc.update(tx, "UPDATE spam_totals SET " + col + " = " + d.greatest() + "(0, " + col + " + ?) WHERE account_id = ?",
                delta, model);
        String sql = delta > 0
                ? "INSERT INTO spam_tokens(account_id, token, spam, ham) VALUES (?, ?, ?, ?) ON CONFLICT(account_id, token)"
                        + " DO UPDATE SET " + col + " = spam_tokens." + col + " + excluded." + col
                : "UPDATE spam_tokens SET " + col + " = " + d.greatest() + "(0, " + col + " - 1) WHERE account_id = ? AND token = ?";
        try (PreparedStatement ps = tx.c.prepareStatement(sql)) {
            for (String t : tokens) {
                ps.setLong(1, model);
                ps.setString(2, t);
                if (delta > 0) {
                    ps.setLong(3, verdict == Verdict.SPAM ? 1 : 0);
                    ps.setLong(4, verdict == Verdict.HAM ? 1 : 0);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
        if (delta > 0) return;
        try (PreparedStatement ps = tx.c.prepareStatement(
                "DELETE FROM spam_tokens WHERE account_id = ? AND token = ? AND spam = 0 AND ham = 0")) {
            for (String t : tokens) {
                ps.setLong(1, model);
                ps.setString(2, t);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public Optional<Verdict> learned(AccountId account, String message) {
        return db.read(tx -> learned(tx, account, message));
    }

    private static Optional<Verdict> learned(Tx tx, AccountId account, String message) throws SQLException {
        List<String> v = Jdbc.strings(tx, "SELECT verdict FROM spam_learned WHERE account_id = ? AND message = ?",
                account.value(), message);
        return v.isEmpty() ? Optional.empty() : Optional.of(Verdict.valueOf(v.getFirst()));
    }

    @Override
    public int prune(Optional<AccountId> account, int maxTokens) {
        long model = id(account);
        return db.write(tx -> {
            int size = Integer.parseInt(Jdbc.strings(tx, "SELECT count(*) FROM spam_tokens WHERE account_id = ?",
                    model).getFirst());
            if (size <= maxTokens) return 0;
            // the rarest go first: a token seen once says least; dropped down to 90 % so pruning is not every time
            int drop = size - maxTokens * 9 / 10;
            int n = Jdbc.update(tx, "DELETE FROM spam_tokens WHERE account_id = ? AND token IN (SELECT token FROM"
                    + " spam_tokens WHERE account_id = ? ORDER BY spam + ham LIMIT ?)", model, model, drop);
            return n;
        });
    }

    @Override
    public List<LearnTask> learningTasks(int max) {
        return db.read(tx -> {
            List<LearnTask> out = new ArrayList<>();
            try (PreparedStatement ps = Jdbc.prepare(tx, "SELECT id, account_id, mailbox_id, uid, verdict FROM"
                    + " spam_learn_queue ORDER BY id LIMIT ?", max); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new LearnTask(rs.getLong(1), new AccountId(rs.getLong(2)), new MailboxId(rs.getLong(3)),
                            new Uid(rs.getLong(4)), Verdict.valueOf(rs.getString(5))));
                }
            }
            return out;
        });
    }

    @Override
    public void learningDone(Collection<Long> taskIds) {
        if (taskIds.isEmpty()) return;
        db.write(tx -> {
            for (long id : taskIds) Jdbc.update(tx, "DELETE FROM spam_learn_queue WHERE id = ?", id);
            return null;
        });
    }

    @Override
    public void queueLearning(AccountId account, MailboxId mailbox, Uid uid, Verdict verdict) {
        db.write(tx -> {
            queue(db.dialect(), tx, account, mailbox, uid, verdict);
            return null;
        });
    }

    /** Queues a task inside the caller's transaction (a move into Junk and its learning task commit together). */
    public static void queue(Dialect d, Tx tx, AccountId account, MailboxId mailbox, Uid uid, Verdict verdict)
            throws SQLException {
        Jdbc.update(tx, "INSERT INTO spam_learn_queue(id, account_id, mailbox_id, uid, verdict) VALUES (?, ?, ?, ?, ?)",
                d.nextId(tx, "learn_task_id"), account.value(), mailbox.value(), uid.value(), verdict.name());
    }
}
