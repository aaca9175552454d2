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
 * Copies one store into another, row for row, so every id, UIDVALIDITY, UID, mod-sequence and flag stays what clients
 * have cached: an embedded store (SQLite {@code meta.db} and its blobs) into an empty PostgreSQL database and its
 * object storage, or the other way round. Tables are streamed from one read snapshot of the source, in primary-key
 * order, and written in batches of bounded rows and bytes; blobs are streamed one at a time through a temporary file,
 * their SHA-256 checked against their name on the way. Counters and sequences are set past every copied id. A
 * verification pass then compares row counts per table, the mailbox and message counters, that every blob a message
 * or queue entry names is in the target, and re-reads a sample of blobs from the target checking their hashes.
 * Resuming (after an interrupted run) skips the rows whose keys the target has already and the blobs it holds
 * hash-correct. See docs/adr/0025-migrate-embedded-to-postgresql.md and docs/adr/0027-migrate-both-ways.md.
 */
public final class StoreMigration {
    /** A table copied as is, with an optional filter on the source rows (SQL both stores read). */
    record Table(String name, String where) {
        String sourceFilter() {
            return where == null ? "" : " WHERE " + where;
        }
    }

    private static final String REFERENCED = "hex IN (SELECT blob FROM messages) OR hex IN (SELECT blob FROM queue)";
    private static final String NAMED_BLOBS = "SELECT blob FROM messages UNION SELECT blob FROM queue";

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
     * sequences, or the other way), blob_orphans (nothing unreferenced is copied, so nothing is left to collect), the
     * coordination tables coord_event and coord_lease (at most an hour's rate windows and short leases, which the
     * stopped nodes held and the new store starts afresh), and PostgreSQL's schema version.
     */
    private static final List<String> HANDLED_APART = List.of("blobs", "counters", "blob_orphans", "coord_event",
            "coord_lease", "tegami_schema");

    /** Embedded counters and the PostgreSQL sequences that match them, with the table whose ids they give. */
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
    /**
     * Tests only: the run stops with an error after this many committed batches, as a killed migration would
     * (system property {@code tegami.migrate.failAfterBatches}); with {@code tegami.migrate.batchRows} smaller batches.
     */
    private final int failAfter = Integer.getInteger("tegami.migrate.failAfterBatches", -1);
    private final int rowsPerBatch = Math.max(1, Integer.getInteger("tegami.migrate.batchRows", BATCH_ROWS));

    private final Connection src;
    private final Connection dst;
    private final boolean toEmbedded;
    private final ObjectStorage srcObjects;
    private final ObjectStorage dstObjects;
    private final Consumer<String> say;
    private boolean resume;
    private long lastSaid;
    private int batches;

    /** What was copied: rows per table (blobs included), blob bytes, and what a resumed run found in place. */
    public record Report(Map<String, Long> rows, long blobBytes, int sampled, long skipped) {}

    /**
     * @param src a connection to the source, read in one transaction (auto-commit off; on PostgreSQL REPEATABLE READ)
     * @param dst a connection to the target, whose schema is this version's (auto-commit off)
     * @param toEmbedded whether the target is an embedded {@code meta.db} (and the source PostgreSQL), else the reverse
     */
    public StoreMigration(Connection src, Connection dst, boolean toEmbedded, ObjectStorage srcObjects,
                          ObjectStorage dstObjects, Consumer<String> say) {
        this.src = src;
        this.dst = dst;
        this.toEmbedded = toEmbedded;
        this.srcObjects = srcObjects;
        this.dstObjects = dstObjects;
        this.say = say;
    }

    /** Continue an interrupted run: rows whose keys the target has are skipped, and blobs it holds hash-correct. */
    public StoreMigration resuming(boolean resume) {
        this.resume = resume;
        return this;
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

    /** The refusal for a target that holds rows, naming them; {@code what} says how to start afresh. */
    public static String notEmpty(Map<String, Long> rows, String what) {
        StringBuilder sb = new StringBuilder();
        rows.forEach((t, n) -> sb.append(sb.isEmpty() ? "" : ", ").append(t).append(": ")
                .append(n >= 10000 ? "10,000+" : String.format(java.util.Locale.ROOT, "%,d", n)).append(n == 1 ? " row" : " rows"));
        return "the target " + what + " is not empty (" + sb + "); tegami migrate copies into an empty store only:"
                + " after an interrupted migration run it again with --resume; else start afresh";
    }

    /**
     * Checks every source table is known here and every column has a place in the target (no data is dropped
     * silently when the schemas move on); returns the source rows to copy per table, blobs included.
     */
    public Map<String, Long> plan(boolean targetHasSchema) throws SQLException {
        List<String> known = new ArrayList<>(HANDLED_APART);
        TABLES.forEach(t -> known.add(t.name()));
        for (String t : SqliteTables.tables(src, !toEmbedded)) {
            if (!known.contains(t)) {
                throw new TegamiException("the source has a table tegami migrate does not know (" + t
                        + "): use the tegami version that wrote it, or a newer one");
            }
        }
        if (targetHasSchema) {
            for (Table t : TABLES) mapping(t.name());
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("blobs", SqliteTables.count(src, "(" + NAMED_BLOBS + ")", ""));
        for (Table t : TABLES) counts.put(t.name(), SqliteTables.count(src, t.name(), t.sourceFilter()));
        return counts;
    }

    /** Copies everything, sets the counters, and verifies; the target is empty unless resuming (checked by the caller). */
    public Report run(Map<String, Long> planned) throws SQLException, IOException {
        Map<String, Long> rows = new LinkedHashMap<>();
        long[] bytes = {0};
        long[] skipped = {0};
        rows.put("blobs", copyBlobs(planned.get("blobs"), bytes, skipped));
        for (Table t : TABLES) rows.put(t.name(), copyTable(t, planned.get(t.name()), skipped));
        setCounters();
        // the old nodes are stopped: their leases on queue entries mean nothing to the new store
        update(dst, "UPDATE queue SET claimed_until = 0, claimed_by = ''");
        dst.commit();
        int sampled = verify(planned);
        return new Report(rows, bytes[0], sampled, skipped[0]);
    }

    private long copyBlobs(long total, long[] bytes, long[] skipped) throws SQLException, IOException {
        long n = 0;
        long batchBytes = 0;
        List<String> missing = new ArrayList<>();
        String insert = toEmbedded ? "INSERT INTO blobs(hex, data) VALUES (?, ?)"
                : "INSERT INTO blobs(hex, size, data, held_until) VALUES (?, ?, ?, 0)";
        try (Statement s = src.createStatement();
             PreparedStatement inline = src.prepareStatement("SELECT data FROM blobs WHERE hex = ?");
             PreparedStatement have = dst.prepareStatement("SELECT data FROM blobs WHERE hex = ?");
             PreparedStatement ins = dst.prepareStatement(insert)) {
            s.setFetchSize(rowsPerBatch);
            int pending = 0;
            try (ResultSet rs = s.executeQuery(NAMED_BLOBS + " ORDER BY 1")) {
                while (rs.next()) {
                    String hex = rs.getString(1);
                    if (resume) {
                        long held = held(have, hex);
                        if (held >= 0) {
                            n++;
                            skipped[0]++;
                            bytes[0] += held;
                            continue;
                        }
                    }
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
                    n++;
                    if (toEmbedded) {
                        if (data == null) continue; // a file of the embedded store, catalogued by its name
                        ins.setString(1, hex);
                        ins.setBytes(2, data);
                    } else {
                        ins.setString(1, hex);
                        ins.setLong(2, size);
                        if (data == null) ins.setNull(3, Types.BINARY);
                        else ins.setBytes(3, data);
                    }
                    ins.addBatch();
                    if (++pending >= rowsPerBatch || batchBytes >= BATCH_BYTES) {
                        ins.executeBatch();
                        committed();
                        pending = 0;
                        batchBytes = 0;
                        progress("blobs", n, total, bytes[0], false);
                    }
                }
            }
            if (pending > 0) ins.executeBatch();
            committed();
        }
        progress("blobs", n, total, bytes[0], true);
        if (!missing.isEmpty()) {
            throw new TegamiException(missing.size() + " blob(s) that messages or queue entries name are missing from the"
                    + " source (first: " + missing.getFirst() + "); the old store cannot serve them either: remove the"
                    + " messages that name them (`tegami backup` lists them on the embedded store), then migrate again"
                    + " into a new empty store");
        }
        return n;
    }

    /**
     * On resume: the size of a blob the target holds hash-correct (an inline row, or an object), or -1 when it must
     * be copied; a damaged one is removed first, so the copy replaces it.
     */
    private long held(PreparedStatement have, String hex) throws SQLException, IOException {
        have.setString(1, hex);
        boolean row = false;
        byte[] data = null;
        try (ResultSet rs = have.executeQuery()) {
            if (rs.next()) {
                row = true;
                data = rs.getBytes(1);
            }
        }
        if (data != null) {
            if (sha256(data).equals(hex)) return data.length;
            dropRow(hex);
            return -1;
        }
        if (!row && !toEmbedded) return -1; // not catalogued in PostgreSQL: copy (an object there is checked then)
        long size = dstObjects.size(hex);
        if (size < 0) {
            if (row) {
                dropRow(hex);
            }
            return -1;
        }
        if (objectHash(dstObjects, hex).equals(hex)) return size;
        dstObjects.delete(hex);
        if (row) {
            dropRow(hex);
        }
        return -1;
    }

    private void dropRow(String hex) throws SQLException {
        try (PreparedStatement ps = dst.prepareStatement("DELETE FROM blobs WHERE hex = ?")) {
            ps.setString(1, hex);
            ps.executeUpdate();
        }
        dst.commit();
    }

    /**
     * Streams one object from the source storage into the target's (temporary file, hashed on the way, fsync'd, then
     * stored under its key); returns its size, or -1 when the source lacks it. An object the target already holds
     * with the same size (a bucket both configs share) is not copied again: its key is its content's hash; when
     * resuming it is re-read and its hash checked, and a damaged one is replaced.
     */
    private long copyObject(String hex) throws IOException {
        long size = srcObjects.size(hex);
        if (size < 0) return -1;
        if (dstObjects.size(hex) == size) {
            if (!resume || objectHash(dstObjects, hex).equals(hex)) return size;
            dstObjects.delete(hex);
        }
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

    private static String objectHash(ObjectStorage objects, String hex) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = objects.get(hex, 0, -1)) {
            byte[] buf = new byte[64 * 1024];
            for (int r; (r = in.read(buf)) > 0; ) sha.update(buf, 0, r);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Target column names and the source expressions that fill them, with the target's column types. */
    private record Mapping(List<String> targetColumns, List<String> select, Map<String, String> types) {}

    /**
     * Columns are matched by name; SQLite's rowid stands for PostgreSQL's {@code id} where the embedded table has no
     * such column (tls_report_received). A source column without a place in the target stops the migration.
     */
    private Mapping mapping(String table) throws SQLException {
        Map<String, String> types = SqliteTables.columns(dst, toEmbedded, table, "target");
        List<String> srcCols = new ArrayList<>(SqliteTables.columns(src, !toEmbedded, table, "source").keySet());
        List<String> cols = new ArrayList<>();
        List<String> select = new ArrayList<>();
        for (String c : srcCols) {
            if (types.containsKey(c)) {
                cols.add(c);
            } else if (c.equals("id") && toEmbedded) {
                cols.add("rowid");
                types.put("rowid", "bigint");
            } else {
                throw new TegamiException("column " + table + "." + c + " of the source has no place in the target's"
                        + " schema: upgrade Tegami so both schemas match");
            }
            select.add(c);
        }
        if (!toEmbedded && types.containsKey("id") && !srcCols.contains("id")) {
            cols.add("id");
            select.add("rowid");
        }
        return new Mapping(cols, select, types);
    }

    private long copyTable(Table t, long total, long[] skipped) throws SQLException {
        Mapping m = mapping(t.name());
        List<String> cols = m.targetColumns();
        boolean identity = !toEmbedded && identity(t.name());
        long already = 0;
        if (resume) {
            already = SqliteTables.count(dst, t.name(), "");
            dst.commit();
            if (already == total) { // copied completely before the interruption
                skipped[0] += already;
                progress(t.name(), total, total, -1, true);
                return total;
            }
        }
        // every copied table has a primary key or a unique one: on resume, a row whose key is there is skipped
        String insert = "INSERT INTO " + t.name() + "(" + String.join(", ", cols) + ")"
                + (identity ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES (" + "?, ".repeat(cols.size() - 1) + "?)"
                + (already > 0 ? " ON CONFLICT DO NOTHING" : "");
        List<String> key = primaryKey(t.name());
        long n = 0;
        try (Statement s = src.createStatement(); PreparedStatement ins = dst.prepareStatement(insert)) {
            s.setFetchSize(rowsPerBatch);
            int pending = 0;
            long batchBytes = 0;
            try (ResultSet rs = s.executeQuery("SELECT " + String.join(", ", m.select()) + " FROM " + t.name()
                    + t.sourceFilter() + (key.isEmpty() ? "" : " ORDER BY " + String.join(", ", key)))) {
                while (rs.next()) {
                    for (int i = 0; i < cols.size(); i++) {
                        batchBytes += bind(ins, i + 1, rs, m.types().get(cols.get(i)), t.name(), cols.get(i));
                    }
                    ins.addBatch();
                    n++;
                    if (++pending >= rowsPerBatch || batchBytes >= BATCH_BYTES) {
                        ins.executeBatch();
                        committed();
                        pending = 0;
                        batchBytes = 0;
                        progress(t.name(), n, total, -1, false);
                    }
                }
            }
            if (pending > 0) ins.executeBatch();
            committed();
        }
        if (already > 0) skipped[0] += already;
        progress(t.name(), n, total, -1, true);
        return n;
    }

    private void committed() throws SQLException {
        dst.commit();
        if (failAfter >= 0 && ++batches > failAfter) {
            throw new SQLException("stopped after " + failAfter + " batches (tegami.migrate.failAfterBatches)");
        }
    }

    /** The source table's primary key, the order rows are copied in (SQLite's rowid where it has none). */
    private List<String> primaryKey(String table) throws SQLException {
        List<String> out = new ArrayList<>();
        if (!toEmbedded) {
            Map<Integer, String> byPosition = new java.util.TreeMap<>();
            try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
                while (rs.next()) {
                    if (rs.getInt("pk") > 0) byPosition.put(rs.getInt("pk"), rs.getString("name"));
                }
            }
            out.addAll(byPosition.values());
            if (out.isEmpty()) out.add("rowid");
            return out;
        }
        try (PreparedStatement ps = src.prepareStatement("SELECT a.attname FROM pg_index i JOIN pg_attribute a"
                + " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = ?::regclass"
                + " AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
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
        if (toEmbedded) {
            setEmbeddedCounters();
            return;
        }
        Map<String, Long> counters = new LinkedHashMap<>();
        try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("SELECT name, value FROM counters")) {
            while (rs.next()) counters.put(rs.getString(1), rs.getLong(2));
        }
        update(dst, "UPDATE counters SET value = " + counters.getOrDefault("uidvalidity", 0L) + " WHERE name = 'uidvalidity'");
        for (String[] seq : SEQUENCES) {
            setSequence("'" + seq[1] + "'", Math.max(counters.getOrDefault(seq[0], 0L), maxId(dst, seq[2])));
        }
        // AUTOINCREMENT's own counter in SQLite
        long fetched = 0;
        if (!SqliteTables.tables(src, "sqlite_sequence").isEmpty()) {
            try (Statement s = src.createStatement();
                 ResultSet rs = s.executeQuery("SELECT seq FROM sqlite_sequence WHERE name = 'fetch_sources'")) {
                if (rs.next()) fetched = rs.getLong(1);
            }
        }
        setSequence("'fetch_source_id_seq'", Math.max(fetched, maxId(dst, "fetch_sources")));
        for (String t : List.of("trace_line", "tls_report_received")) {
            setSequence("pg_get_serial_sequence('" + t + "', 'id')", maxId(dst, t));
        }
        dst.commit();
    }

    /**
     * The other way: each embedded counter from its sequence's last value (or the highest id, whichever is larger),
     * the UIDVALIDITY counter as it is, and SQLite's AUTOINCREMENT counter of fetch_sources from its sequence. SQLite
     * hands out rowids (trace_line, tls_report_received) past the highest one by itself.
     */
    private void setEmbeddedCounters() throws SQLException {
        long uidvalidity = 0;
        try (Statement s = src.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM counters WHERE name = 'uidvalidity'")) {
            if (rs.next()) uidvalidity = rs.getLong(1);
        }
        setCounter("uidvalidity", uidvalidity);
        for (String[] seq : SEQUENCES) setCounter(seq[0], Math.max(sequence(seq[1]), maxId(dst, seq[2])));
        long fetched = Math.max(sequence("fetch_source_id_seq"), maxId(dst, "fetch_sources"));
        if (fetched > 0) {
            if (update(dst, "UPDATE sqlite_sequence SET seq = MAX(seq, " + fetched + ") WHERE name = 'fetch_sources'") == 0) {
                update(dst, "INSERT INTO sqlite_sequence(name, seq) VALUES ('fetch_sources', " + fetched + ")");
            }
        }
        dst.commit();
    }

    private void setCounter(String name, long value) throws SQLException {
        if (update(dst, "UPDATE counters SET value = MAX(value, " + value + ") WHERE name = '" + name + "'") == 0) {
            update(dst, "INSERT INTO counters(name, value) VALUES ('" + name + "', " + value + ")");
        }
    }

    /** The last value a PostgreSQL sequence handed out, 0 when none. */
    private long sequence(String name) throws SQLException {
        try (Statement s = src.createStatement();
             ResultSet rs = s.executeQuery("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM " + name)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void setSequence(String sequence, long last) throws SQLException {
        if (last < 1) return; // a fresh sequence hands out 1 first
        try (Statement s = dst.createStatement(); ResultSet rs = s.executeQuery("SELECT setval(" + sequence + ", " + last + ", true)")) {
            rs.next();
        }
    }

    private long maxId(Connection c, String table) throws SQLException {
        String id = toEmbedded && table.equals("tls_report_received") ? "rowid" : "id";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(" + id + "), 0) FROM " + table)) {
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
            long got = e.getKey().equals("blobs") ? namedBlobsHeld() : SqliteTables.count(dst, e.getKey(), "");
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
        int sampled = 0;
        try (Statement s = dst.createStatement();
             ResultSet rs = s.executeQuery("SELECT blob FROM (" + NAMED_BLOBS + ") x ORDER BY random() LIMIT " + SAMPLE_BLOBS);
             PreparedStatement inline = dst.prepareStatement("SELECT data FROM blobs WHERE hex = ?")) {
            while (rs.next()) {
                String hex = rs.getString(1);
                byte[] data = null;
                inline.setString(1, hex);
                try (ResultSet d = inline.executeQuery()) {
                    if (d.next()) data = d.getBytes(1);
                }
                String got = data != null ? sha256(data) : objectHash(dstObjects, hex);
                if (!got.equals(hex)) throw new TegamiException("verification failed: blob " + hex + " reads back as " + got);
                sampled++;
            }
        }
        dst.commit();
        src.commit();
        if (toEmbedded) unchangedSince(planned);
        say.accept("verified: row counts of " + planned.size() + " tables, mailbox and message counters, every named"
                + " blob present, " + sampled + " blob(s) re-read with their SHA-256 checked");
        return sampled;
    }

    /**
     * A PostgreSQL source is read in one snapshot, and the nodes were checked to be stopped before; a node or command
     * that wrote after the snapshot anyway (started during the copy, or with --force) shows in a new one: the mailboxes'
     * mod-sequences grow with every change to mail, and rows come and go. Such a copy is refused.
     */
    private void unchangedSince(Map<String, Long> planned) throws SQLException {
        String q = "SELECT COALESCE(SUM(highestmodseq), 0), COALESCE(SUM(uidnext), 0), count(*) FROM mailboxes";
        List<Long> then = longs(dst, q);
        List<Long> now = longs(src, q);
        List<String> changed = new ArrayList<>();
        if (!then.equals(now)) changed.add("mailboxes");
        for (var e : planned.entrySet()) {
            if (e.getKey().equals("blobs") || e.getKey().equals("mailboxes")) continue;
            Table t = TABLES.stream().filter(x -> x.name().equals(e.getKey())).findFirst().orElseThrow();
            if (SqliteTables.count(src, t.name(), t.sourceFilter()) != e.getValue()) changed.add(t.name());
        }
        src.commit();
        if (!changed.isEmpty()) {
            throw new TegamiException("the source database changed during the copy (" + String.join(", ", changed)
                    + "): a node or an admin command wrote to it; stop every node, remove the partial target and run again");
        }
    }

    /**
     * The blobs the target's messages and queue entries name that it holds: catalogued in PostgreSQL; in the
     * embedded store an inline row or a file. One named and missing fails the verification.
     */
    private long namedBlobsHeld() throws SQLException, IOException {
        if (!toEmbedded) {
            try (Statement s = dst.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT blob FROM (" + NAMED_BLOBS + ") x WHERE NOT EXISTS (SELECT 1 FROM blobs WHERE hex = x.blob) LIMIT 1")) {
                if (rs.next()) throw new TegamiException("verification failed: blob " + rs.getString(1) + " is named but not in the target");
            }
            return SqliteTables.count(dst, "blobs", "");
        }
        long n = 0;
        try (Statement s = dst.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT x.blob, EXISTS (SELECT 1 FROM blobs WHERE hex = x.blob) FROM (" + NAMED_BLOBS + ") x")) {
            while (rs.next()) {
                if (!rs.getBoolean(2) && dstObjects.size(rs.getString(1)) < 0) {
                    throw new TegamiException("verification failed: blob " + rs.getString(1) + " is named but not in the target");
                }
                n++;
            }
        }
        return n;
    }

    private static List<Long> longs(Connection c, String q) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(q)) {
            rs.next();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) out.add(rs.getLong(i));
        }
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

    private static int update(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            return s.executeUpdate(sql);
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
