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
import org.tegami.store.BlobId;

/**
 * The blob SQL both stores share: the derived index ({@code blob_index}), the list of blobs the collector must look
 * at ({@code blob_orphans}), whether anything names a blob, and dropping a blob's rows. How a store decides that a
 * blob may go, and when its bytes go, differs and stays with each blob store: the embedded one coordinates on its
 * single writer thread and folds small blobs into the delivery's transaction; the PostgreSQL one locks the catalog
 * row and holds blobs for writers on any node.
 */
public final class BlobCatalog {
    private final Transactions db;

    public BlobCatalog(Transactions db) {
        this.db = db;
    }

    public Optional<String> index(BlobId id) {
        return db.point(tx -> Jdbc.strings(tx, "SELECT data FROM blob_index WHERE hex = ?", id.hex())).stream().findFirst();
    }

    public Map<BlobId, String> index(Collection<BlobId> ids) {
        Map<String, BlobId> byHex = new HashMap<>();
        for (BlobId id : ids) byHex.put(id.hex(), id);
        List<String> hexes = new ArrayList<>(byHex.keySet());
        Map<BlobId, String> out = new HashMap<>();
        int batch = db.dialect().listBatch();
        for (int from = 0; from < hexes.size(); from += batch) {
            List<String> chunk = hexes.subList(from, Math.min(hexes.size(), from + batch));
            String sql = "SELECT hex, data FROM blob_index WHERE hex IN (" + "?,".repeat(chunk.size() - 1) + "?)";
            db.read(tx -> {
                try (PreparedStatement ps = Jdbc.prepare(tx, sql, chunk.toArray()); ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.put(byHex.get(rs.getString(1)), rs.getString(2));
                }
                return null;
            });
        }
        return out;
    }

    public void putIndex(Map<BlobId, String> entries) {
        String sql = db.dialect().upsert("blob_index(hex, data) VALUES (?, ?)", "hex", "data");
        db.write(tx -> {
            for (var e : entries.entrySet()) Jdbc.update(tx, sql, e.getKey().hex(), e.getValue());
            return null;
        });
    }

    /** Lists a blob for the collector to look at (inside the caller's transaction). */
    public static void orphan(Dialect d, Tx tx, String hex) throws SQLException {
        Jdbc.update(tx, d.insertOrIgnore("blob_orphans(hex) VALUES (?)"), hex);
    }

    /** Up to 500 blobs listed for the collector after {@code after}, in order. */
    public static List<String> orphans(Tx tx, String after) throws SQLException {
        return Jdbc.strings(tx, "SELECT hex FROM blob_orphans WHERE hex > ? ORDER BY hex LIMIT 500", after);
    }

    /** Takes a blob off the collector's list. */
    public static void unlist(Tx tx, String hex) throws SQLException {
        Jdbc.update(tx, "DELETE FROM blob_orphans WHERE hex = ?", hex);
    }

    /** Whether a message or a queue entry names the blob. */
    public static boolean named(Tx tx, String hex) throws SQLException {
        return !Jdbc.strings(tx, "SELECT 1 FROM messages WHERE blob = ? LIMIT 1", hex).isEmpty()
                || !Jdbc.strings(tx, "SELECT 1 FROM queue WHERE blob = ? LIMIT 1", hex).isEmpty();
    }

    /** Deletes the blob's catalog row and its index entry; returns the catalog rows deleted (0 or 1). */
    public static int drop(Tx tx, String hex) throws SQLException {
        int rows = Jdbc.update(tx, "DELETE FROM blobs WHERE hex = ?", hex);
        Jdbc.update(tx, "DELETE FROM blob_index WHERE hex = ?", hex);
        return rows;
    }
}
