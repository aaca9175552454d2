package org.tegami.server.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.tegami.core.PrivateFiles;
import org.tegami.core.TegamiException;
import org.tegami.store.ObjectStorage;

/**
 * Copies an embedded store (SQLite {@code meta.db} and its blobs) into an empty PostgreSQL database and the target's
 * object storage, row for row, so every id, UIDVALIDITY, UID, mod-sequence and flag stays what clients have cached.
 * Tables are streamed from one SQLite read snapshot and written in batches of bounded rows and bytes; blobs are
 * streamed one at a time through a temporary file, their SHA-256 checked against their name on the way. Counters
 * and sequences are set past every copied id. A verification pass then compares row counts per table, the mailbox
 * and message counters, that every blob a message or queue entry names is in the target, and re-reads a sample of
 * blobs from the target checking their hashes. See docs/adr/0025-migrate-embedded-to-postgresql.md.
 */
public final class StoreMigration {
    /** A table copied as is, with an optional filter on the source rows (SQLite SQL). */
    record Table(String name, String where) {
        String sourceFilter() {
            return where == null ? "" : " WHERE " + where;
        }
    }

    private static final String REFERENCED = "hex IN (SELECT blob FROM messages) OR hex IN (SELECT blob FROM queue)";

    /** In an order that satisfies the target's foreign keys. */
    static final List<Table> TABLES = List.of(
            new Table("domains", null), new Table("accounts", null), new Table("aliases", null),
            new Table("quotas", null), new Table("mailboxes", null), new Table("subscriptions", null),
            new Table("shared_subscriptions", null), new Table("acl", null), new Table("metadata", null),
            new Table("messages", null), new Table("expunged", null), new Table("queue", null),
            new Table("queue_recipients", null), new Table("blob_index", REFERENCED), new Table("spam_tokens", null),
            new Table("spam_totals", null), new Table("spam_learned", null), new Table("spam_learn_queue", null),
            new Table("greylist", null), new Table("dmarc_report", null), new Table("dmarc_report_row", null),
            new Table("tls_report_row", null), new Table("sieve_scripts", null), new Table("sieve_marks", null),
            new Table("fetch_sources", null), new Table("fetch_pop3_seen", null), new Table("trace_line", null),
            new Table("trace_key", null), new Table("tls_report_received", null));

    /**
     * Source tables handled apart: blobs (copied from what messages and queue entries name), counters (become
     * sequences), blob_orphans (nothing unreferenced is copied, so nothing is left to collect), and the coordination
     * tables coord_event and coord_lease (a single embedded server keeps its throttles and POP3 locks in memory;
     * rows there are at most an hour's rate windows, which the cluster starts afresh).
     */
    private static final List<String> HANDLED_APART = List.of("blobs", "counters", "blob_orphans", "coord_event",
            "coord_lease");

    /** Embedded counters and the PostgreSQL sequences that take over from them, with the table whose ids they give. */
    private static final List<String[]> SEQUENCES = List.of(
            new String[] {"account_id", "account_id_seq", "accounts"},
            new String[] {"mailbox_id", "mailbox_id_seq", "mailboxes"},
            new String[] {"queue_id", "queue_id_seq", "queue"},
            new String[] {"learn_task_id", "learn_task_id_seq", "spam_learn_queue"});

    /** Rows per committed batch. */
    static final int BATCH_ROWS = 1000;
    /** Bytes of row data (inline blobs, mostly) per committed batch. */
    static final long BATCH_BYTES = 8L << 20;
    /** Blobs re-read from the target and hash-checked by the verification pass. */
    static final int SAMPLE_BLOBS = 32;

    private final Connection src;
    private final Connection dst;
    private final ObjectStorage srcObjects;
    private final ObjectStorage dstObjects;
    private final Consumer<String> say;
    private long lastSaid;

    /** What was copied: rows per table (blobs included) and blob bytes. */
    public record Report(Map<String, Long> rows, long blobBytes, int sampled) {}

    /**
     * @param src a connection to the embedded {@code meta.db}; read in one transaction (auto-commit off)
     * @param dst a connection to the PostgreSQL database, whose schema is this version's
     */
    public StoreMigration(Connection src, Connection dst, ObjectStorage srcObjects, ObjectStorage dstObjects,
                          Consumer<String> say) {
        this.src = src;
        this.dst = dst;
        this.srcObjects = srcObjects;
        this.dstObjects = dstObjects;
        this.say = say;
    }

    /** The tables of the target holding rows, with their counts (10,000 meaning "at least"); empty when none. */
    public static Map<String, Long> targetRows(Connection dst) throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(List.of("blobs"));
        TABLES.forEach(t -> names.add(t.name()));
        for (String t : names) {
            try (Statement s = dst.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM (SELECT 1 FROM " + t + " LIMIT 10000) x")) {
                rs.next();
                if (rs.getLong(1) > 0) out.put(t, rs.getLong(1));
            }
        }
        dst.commit();
        return out;
    }

    /** The refusal for a target that holds rows, naming them. */
    public static String notEmpty(Map<String, Long> rows) {
        StringBuilder sb = new StringBuilder();
        rows.forEach((t, n) -> sb.append(sb.isEmpty() ? "" : ", ").append(t).append(": ")
                .append(n >= 10000 ? "10,000+" : String.format(java.util.Locale.ROOT, "%,d", n)).append(n == 1 ? " row" : " rows"));
        return "the target database is not empty (" + sb + "); tegami migrate copies into an empty database only:"
                + " drop and re-create it (also after an interrupted migration) or name another in [store] url";
    }

    /**
     * Checks every source table is known here and every column has a place in the target (no data is dropped
     * silently when the schemas move on); returns the source rows to copy per table, blobs included.
     */
    public Map<String, Long> plan(boolean targetHasSchema) throws SQLException {
        List<String> known = new ArrayList<>(HANDLED_APART);
        TABLES.forEach(t -> known.add(t.name()));
        for (String t : SqliteTables.tables(src)) {
            if (!known.contains(t)) {
                throw new TegamiException("the source has a table tegami migrate does not know (" + t
                        + "): use the tegami version that wrote it, or a newer one");
            }
        }
        if (targetHasSchema) {
            for (Table t : TABLES) {
                Map<String, String> target = targetColumns(t.name());
                for (String c : SqliteTables.columns(src, t.name())) {
                    if (!target.containsKey(c)) {
                        throw new TegamiException("column " + t.name() + "." + c + " of the source has no place in the"
                                + " target database's schema: upgrade Tegami so both schemas match");
                    }
                }
            }
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("blobs", SqliteTables.count(src, "(SELECT blob FROM messages UNION SELECT blob FROM queue)", ""));
        for (Table t : TABLES) counts.put(t.name(), SqliteTables.count(src, t.name(), t.sourceFilter()));
        return counts;
    }

    /** Copies everything, sets the sequences, and verifies; the target must be empty (checked by the caller). */
    public Report run(Map<String, Long> planned) throws SQLException, IOException {
        Map<String, Long> rows = new LinkedHashMap<>();
        long[] bytes = {0};
        rows.put("blobs", copyBlobs(planned.get("blobs"), bytes));
        for (Table t : TABLES) rows.put(t.name(), copyTable(t, planned.get(t.name())));
        setCounters();
        // the old server is stopped: its leases on queue entries mean nothing to the new nodes
        update(dst, "UPDATE queue SET claimed_until = 0, claimed_by = ''");
        dst.commit();
        int sampled = verify(planned);
        return new Report(rows, bytes[0], sampled);
    }

    private long copyBlobs(long total, long[] bytes) throws SQLException, IOException {
        long n = 0;
        long batchBytes = 0;
        List<String> missing = new ArrayList<>();
        try (Statement s = src.createStatement();
             ResultSet rs = s.executeQuery("SELECT blob FROM messages UNION SELECT blob FROM queue ORDER BY 1");
             PreparedStatement inline = src.prepareStatement("SELECT data FROM blobs WHERE hex = ?");
             PreparedStatement ins = dst.prepareStatement(
                     "INSERT INTO blobs(hex, size, data, held_until) VALUES (?, ?, ?, 0)")) {
            int pending = 0;
            while (rs.next()) {
                String hex = rs.getString(1);
                byte[] data = null;
                inline.setString(1, hex);
                try (ResultSet d = inline.executeQuery()) {
                    if (d.next()) data = d.getBytes(1);
                }
                long size;
                if (data != null) {
                    check(hex, sha256(data));
                    size = data.length;
                    batchBytes += size;
                } else {
                    size = copyObject(hex);
                    if (size < 0) {
                        missing.add(hex);
                        continue;
                    }
                }
                bytes[0] += size;
                ins.setString(1, hex);
                ins.setLong(2, size);
                if (data == null) ins.setNull(3, Types.BINARY);
                else ins.setBytes(3, data);
                ins.addBatch();
                n++;
                if (++pending >= BATCH_ROWS || batchBytes >= BATCH_BYTES) {
                    ins.executeBatch();
                    dst.commit();
                    pending = 0;
                    batchBytes = 0;
                    progress("blobs", n, total, bytes[0], false);
                }
            }
            if (pending > 0) ins.executeBatch();
            dst.commit();
        }
        progress("blobs", n, total, bytes[0], true);
        if (!missing.isEmpty()) {
            throw new TegamiException(missing.size() + " blob(s) that messages or queue entries name are missing from the"
                    + " source (first: " + missing.getFirst() + "); the old store cannot serve them either: run"
                    + " `tegami backup` on it to see which messages are affected, remove them, then migrate again"
                    + " into a new empty database");
        }
        return n;
    }

    /**
     * Streams one object from the source storage into the target's (temporary file, hashed on the way, fsync'd, then
     * stored under its key); returns its size, or -1 when the source lacks it. An object the target already holds
     * with the same size (an earlier, interrupted run; or a bucket both configs share) is not copied again: its key
     * is its content's hash.
     */
    private long copyObject(String hex) throws IOException {
        long size = srcObjects.size(hex);
        if (size < 0) return -1;
        if (dstObjects.size(hex) == size) return size;
        Path tmp = dstObjects.tempDirectory().resolve("migrate-" + UUID.randomUUID() + ".tmp");
        MessageDigest sha = sha256();
        long n = 0;
        try (InputStream in = srcObjects.get(hex, 0, -1);
             FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                     StandardOpenOption.WRITE), PrivateFiles.fileMode());
             OutputStream out = Channels.newOutputStream(ch)) {
            byte[] buf = new byte[64 * 1024];
            for (int r; (r = in.read(buf)) > 0; ) {
                sha.update(buf, 0, r);
                out.write(buf, 0, r);
                n += r;
            }
            out.flush();
            ch.force(true);
        } catch (NoSuchFileException gone) {
            Files.deleteIfExists(tmp);
            return -1;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            check(hex, HexFormat.of().formatHex(sha.digest()));
        } catch (TegamiException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        dstObjects.put(hex, tmp);
        return n;
    }

    private long copyTable(Table t, long total) throws SQLException {
        Map<String, String> types = targetColumns(t.name());
        List<String> srcCols = SqliteTables.columns(src, t.name());
        List<String> cols = new ArrayList<>(srcCols);
        List<String> select = new ArrayList<>(srcCols);
        // SQLite's rowid, which PostgreSQL names id (tls_report_received: the oldest-first bound)
        if (types.containsKey("id") && !srcCols.contains("id")) {
            cols.add("id");
            select.add("rowid");
        }
        boolean identity = identity(t.name());
        String insert = "INSERT INTO " + t.name() + "(" + String.join(", ", cols) + ")"
                + (identity ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES (" + "?, ".repeat(cols.size() - 1) + "?)";
        long n = 0;
        try (Statement s = src.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + String.join(", ", select) + " FROM " + t.name() + t.sourceFilter());
             PreparedStatement ins = dst.prepareStatement(insert)) {
            int pending = 0;
            long batchBytes = 0;
            while (rs.next()) {
                for (int i = 0; i < cols.size(); i++) batchBytes += bind(ins, i + 1, rs, types.get(cols.get(i)), t.name(), cols.get(i));
                ins.addBatch();
                n++;
                if (++pending >= BATCH_ROWS || batchBytes >= BATCH_BYTES) {
                    ins.executeBatch();
                    dst.commit();
                    pending = 0;
                    batchBytes = 0;
                    progress(t.name(), n, total, -1, false);
                }
            }
            if (pending > 0) ins.executeBatch();
            dst.commit();
        }
        progress(t.name(), n, total, -1, true);
        return n;
    }

    /** Binds one source value as the target column's type; returns its size in bytes (roughly) for batching. */
    private static long bind(PreparedStatement ins, int i, ResultSet rs, String type, String table, String column)
            throws SQLException {
        switch (type) {
            case "bigint", "integer", "smallint" -> {
                Object v = rs.getObject(i);
                if (v == null) ins.setNull(i, Types.BIGINT);
                else if (v instanceof Number num) ins.setLong(i, num.longValue());
                else throw new TegamiException(table + "." + column + " holds " + v + " where a number belongs: the"
                            + " source is damaged (check it with `tegami backup`)");
                return 8;
            }
            case "bytea" -> {
                byte[] b = rs.getBytes(i);
                if (b == null) ins.setNull(i, Types.BINARY);
                else ins.setBytes(i, b);
                return b == null ? 0 : b.length;
            }
            default -> {
                String v = rs.getString(i);
                if (v == null) ins.setNull(i, Types.VARCHAR);
                else ins.setString(i, v);
                return v == null ? 0 : v.length();
            }
        }
    }

    /** Sequences and counters set past every copied id, so a new row never takes one (ids are never reused). */
    private void setCounters() throws SQLException {
        Map<String, Long> counters = new LinkedHashMap<>();
        try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("SELECT name, value FROM counters")) {
            while (rs.next()) counters.put(rs.getString(1), rs.getLong(2));
        }
        update(dst, "UPDATE counters SET value = " + counters.getOrDefault("uidvalidity", 0L) + " WHERE name = 'uidvalidity'");
        for (String[] seq : SEQUENCES) {
            setSequence("'" + seq[1] + "'", Math.max(counters.getOrDefault(seq[0], 0L), maxId(seq[2])));
        }
        // AUTOINCREMENT's own counter in SQLite
        long fetched = 0;
        if (!SqliteTables.tables(src, "sqlite_sequence").isEmpty()) {
            try (Statement s = src.createStatement();
                 ResultSet rs = s.executeQuery("SELECT seq FROM sqlite_sequence WHERE name = 'fetch_sources'")) {
                if (rs.next()) fetched = rs.getLong(1);
            }
        }
        setSequence("'fetch_source_id_seq'", Math.max(fetched, maxId("fetch_sources")));
        for (String t : List.of("trace_line", "tls_report_received")) {
            setSequence("pg_get_serial_sequence('" + t + "', 'id')", maxId(t));
        }
        dst.commit();
    }

    private void setSequence(String sequence, long last) throws SQLException {
        if (last < 1) return; // a fresh sequence hands out 1 first
        try (Statement s = dst.createStatement(); ResultSet rs = s.executeQuery("SELECT setval(" + sequence + ", " + last + ", true)")) {
            rs.next();
        }
    }

    private long maxId(String table) throws SQLException {
        try (Statement s = dst.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Row counts per table, the mailboxes' and messages' counters (sums), every named blob present, and a sample of
     * blobs re-read from the target and hash-checked; returns how many were sampled.
     */
    private int verify(Map<String, Long> planned) throws SQLException, IOException {
        say.accept("verifying");
        for (var e : planned.entrySet()) {
            long got = SqliteTables.count(dst, e.getKey(), "");
            if (got != e.getValue()) {
                throw new TegamiException("verification failed: " + e.getKey() + " has " + got + " rows in the target, "
                        + e.getValue() + " in the source");
            }
        }
        String[] sums = {
                "SELECT COALESCE(SUM(uidvalidity), 0), COALESCE(SUM(uidnext), 0), COALESCE(SUM(highestmodseq), 0),"
                        + " COALESCE(SUM(recent_uid), 0) FROM mailboxes",
                "SELECT COALESCE(SUM(uid), 0), COALESCE(SUM(modseq), 0), COALESCE(SUM(size), 0),"
                        + " COALESCE(SUM(LENGTH(flags)), 0) FROM messages",
                "SELECT COALESCE(SUM(uid), 0), COALESCE(SUM(modseq), 0), 0, 0 FROM expunged"};
        for (String q : sums) {
            List<Long> a = longs(src, q);
            List<Long> b = longs(dst, q);
            if (!a.equals(b)) throw new TegamiException("verification failed: " + q + " gives " + a + " in the source, " + b + " in the target");
        }
        try (Statement s = dst.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT blob FROM (SELECT blob FROM messages UNION SELECT blob FROM queue) x"
                        + " WHERE NOT EXISTS (SELECT 1 FROM blobs WHERE hex = x.blob) LIMIT 1")) {
            if (rs.next()) throw new TegamiException("verification failed: blob " + rs.getString(1) + " is named but not in the target");
        }
        int sampled = 0;
        try (Statement s = dst.createStatement();
             ResultSet rs = s.executeQuery("SELECT hex, data FROM blobs ORDER BY random() LIMIT " + SAMPLE_BLOBS)) {
            while (rs.next()) {
                String hex = rs.getString(1);
                byte[] data = rs.getBytes(2);
                String got;
                if (data != null) {
                    got = sha256(data);
                } else {
                    MessageDigest sha = sha256();
                    try (InputStream in = dstObjects.get(hex, 0, -1)) {
                        byte[] buf = new byte[64 * 1024];
                        for (int r; (r = in.read(buf)) > 0; ) sha.update(buf, 0, r);
                    }
                    got = HexFormat.of().formatHex(sha.digest());
                }
                if (!got.equals(hex)) throw new TegamiException("verification failed: blob " + hex + " reads back as " + got);
                sampled++;
            }
        }
        dst.commit();
        say.accept("verified: row counts of " + planned.size() + " tables, mailbox and message counters, every named"
                + " blob present, " + sampled + " blob(s) re-read with their SHA-256 checked");
        return sampled;
    }

    private static List<Long> longs(Connection c, String q) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(q)) {
            rs.next();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) out.add(rs.getLong(i));
        }
        return out;
    }

    private Map<String, String> targetColumns(String table) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = dst.prepareStatement("SELECT column_name, data_type FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getString(2));
            }
        }
        if (out.isEmpty()) throw new TegamiException("the target database has no table " + table + ": upgrade Tegami so both schemas match");
        return out;
    }

    private boolean identity(String table) throws SQLException {
        try (PreparedStatement ps = dst.prepareStatement("SELECT 1 FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ? AND is_identity = 'YES'")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private void progress(String what, long n, long total, long bytes, boolean last) {
        long now = System.nanoTime();
        if (!last && now - lastSaid < 1_000_000_000L) return;
        lastSaid = now;
        say.accept(String.format(java.util.Locale.ROOT, "%s %,d/%,d", what, n, total) + (bytes >= 0 ? ", " + size(bytes) : ""));
    }

    /** 1.2 GiB, 340.0 MiB, 12.0 KiB, 512 B. */
    static String size(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static void update(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        }
    }

    private static void check(String hex, String got) {
        if (!got.equals(hex)) {
            throw new TegamiException("blob " + hex + " in the source is damaged (its content hashes to " + got + ")");
        }
    }

    private static String sha256(byte[] data) {
        return HexFormat.of().formatHex(sha256().digest(data));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
