package org.tegami.store.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.tegami.core.PrivateFiles;

/**
 * Online backup and restore of an embedded data directory. A backup is a directory that is itself a data directory:
 * {@code meta.db} as one consistent snapshot taken while mail flows (SQLite's {@code VACUUM INTO}, which reads one
 * WAL snapshot), every blob file that snapshot names (copied, its SHA-256 checked against its name), and the other
 * files of the data directory (TLS material, DKIM, SRS and fetch keys). Restoring it gives a server the same UIDs,
 * UIDVALIDITYs and mod-sequences, so clients do not download anything again.
 *
 * <p>A blob the snapshot names can vanish before it is copied only if its message was expunged and collected in
 * between; the backup then leaves that message out (it is gone from the live server too) and says so.
 */
public final class Backup {
    private static final Set<String> SKIP = Set.of("meta.db", "meta.db-wal", "meta.db-shm", "blobs", "tmp", "server.lock",
            Upgrade.BACKUPS); // pre-upgrade backups are not backed up again (nor into themselves)

    private Backup() {}

    /** What a backup or restore did. */
    public record Report(long messages, long fileBlobs, long bytes, long files, List<String> leftOut) {}

    /**
     * Backs {@code dataDir} up into {@code target}, which must not exist or be empty. Safe while the server runs.
     *
     * @param progress told about every 1,000 blobs and each step
     */
    public static Report backup(Path dataDir, Path target, Consumer<String> progress) throws IOException {
        Path meta = dataDir.resolve("meta.db");
        if (!Files.isRegularFile(meta)) throw new IOException(dataDir + " holds no Tegami data (no meta.db)");
        emptyDirectory(target);
        Path snapshot = target.resolve("meta.db");
        progress.accept("snapshot of " + meta);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + meta); Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout=30000");
            s.execute("VACUUM INTO '" + snapshot.toString().replace("'", "''") + "'");
        } catch (SQLException e) {
            throw new IOException("snapshot of " + meta + " failed: " + e.getMessage(), e);
        }
        PrivateFiles.restrict(snapshot);
        List<String> leftOut = new ArrayList<>();
        long blobs = 0;
        long bytes = 0;
        long messages;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + snapshot); Statement s = c.createStatement()) {
            List<String> hexes = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT blob FROM messages UNION SELECT blob FROM queue EXCEPT SELECT hex FROM blobs")) {
                while (rs.next()) hexes.add(rs.getString(1));
            }
            for (String hex : hexes) {
                Path from = blobPath(dataDir, hex);
                if (!Files.exists(from)) {
                    // expunged and collected after the snapshot: gone from the live server as well
                    try (PreparedStatement d = c.prepareStatement("DELETE FROM messages WHERE blob = ?");
                         PreparedStatement q = c.prepareStatement("DELETE FROM queue WHERE blob = ?")) {
                        d.setString(1, hex);
                        q.setString(1, hex);
                        int n = d.executeUpdate() + q.executeUpdate();
                        leftOut.add(hex + " (" + n + " message(s) expunged while the backup ran)");
                    }
                    continue;
                }
                bytes += copyVerified(from, blobPath(target, hex), hex);
                if (++blobs % 1000 == 0) progress.accept(blobs + " of " + hexes.size() + " blob files copied");
            }
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM messages")) {
                messages = rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new IOException("reading the snapshot " + snapshot + " failed: " + e.getMessage(), e);
        }
        long files = copyOthers(dataDir, target);
        fsyncTree(target);
        return new Report(messages, blobs, bytes, files, leftOut);
    }

    /**
     * Restores a backup into {@code dataDir}, which must not exist or be empty; every blob's hash and the snapshot's
     * integrity are checked first, so a damaged backup is refused, naming what is wrong, before the server uses it.
     */
    public static Report restore(Path backup, Path dataDir, Consumer<String> progress) throws IOException {
        Path meta = backup.resolve("meta.db");
        if (!Files.isRegularFile(meta)) throw new IOException(backup + " is not a Tegami backup (no meta.db)");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + meta); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            String ok = rs.next() ? rs.getString(1) : "no answer";
            if (!"ok".equals(ok)) throw new IOException(meta + " is damaged: " + ok);
        } catch (SQLException e) {
            throw new IOException(meta + " cannot be read: " + e.getMessage(), e);
        }
        emptyDirectory(dataDir);
        PrivateFiles.directories(dataDir);
        List<Path> blobFiles = new ArrayList<>();
        Path root = backup.resolve("blobs");
        if (Files.isDirectory(root)) {
            try (var walk = Files.walk(root)) {
                walk.filter(Files::isRegularFile).forEach(blobFiles::add);
            }
        }
        long bytes = 0;
        long n = 0;
        for (Path f : blobFiles) {
            String hex = f.getFileName().toString();
            if (!hex.matches("[0-9a-f]{64}")) throw new IOException("unexpected file in the backup's blobs: " + f);
            bytes += copyVerified(f, blobPath(dataDir, hex), hex);
            if (++n % 1000 == 0) progress.accept(n + " of " + blobFiles.size() + " blob files restored");
        }
        Files.copy(meta, dataDir.resolve("meta.db"));
        PrivateFiles.restrict(dataDir.resolve("meta.db"));
        long files = copyOthers(backup, dataDir);
        long messages;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("meta.db"));
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT blob FROM messages UNION SELECT blob FROM queue EXCEPT SELECT hex FROM blobs")) {
                while (rs.next()) {
                    if (!Files.exists(blobPath(dataDir, rs.getString(1)))) {
                        throw new IOException("the backup lacks blob " + rs.getString(1) + " that a message names");
                    }
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM messages")) {
                messages = rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new IOException("checking the restored data failed: " + e.getMessage(), e);
        }
        fsyncTree(dataDir);
        return new Report(messages, n, bytes, files, List.of());
    }

    private static Path blobPath(Path dataDir, String hex) {
        return dataDir.resolve("blobs").resolve(hex.substring(0, 2)).resolve(hex.substring(2, 4)).resolve(hex);
    }

    /** A directory that does not exist (created, 0700) or is empty; anything else is refused. */
    private static void emptyDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) throw new IOException(dir + " is not a directory");
            try (var list = Files.list(dir)) {
                if (list.findAny().isPresent()) throw new IOException(dir + " is not empty: give a new or empty directory");
            }
        }
        PrivateFiles.directories(dir);
    }

    /** Copies a blob to a temporary name, checks its SHA-256 is its name, fsyncs and renames it into place. */
    private static long copyVerified(Path from, Path to, String hex) throws IOException {
        PrivateFiles.directories(to.getParent());
        Path tmp = to.resolveSibling(hex + ".tmp");
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long n = 0;
        try (InputStream in = Files.newInputStream(from);
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
            byte[] buf = new byte[64 * 1024];
            for (int r; (r = in.read(buf)) > 0; ) {
                sha.update(buf, 0, r);
                out.write(buf, 0, r);
                n += r;
            }
            out.flush();
            ch.force(true);
        }
        String got = HexFormat.of().formatHex(sha.digest());
        if (!got.equals(hex)) {
            Files.deleteIfExists(tmp);
            throw new IOException("blob " + from + " is damaged: its content hashes to " + got);
        }
        PrivateFiles.restrict(tmp);
        Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return n;
    }

    /** The data directory's other files (TLS material, keys, caches), private as they were; returns how many. */
    private static long copyOthers(Path from, Path to) throws IOException {
        long[] n = {0};
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(from) && dir.getParent().equals(from) && SKIP.contains(dir.getFileName().toString())) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                PrivateFiles.directories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (file.getParent().equals(from) && SKIP.contains(file.getFileName().toString())) return FileVisitResult.CONTINUE;
                if (!attrs.isRegularFile()) return FileVisitResult.CONTINUE;
                Path dest = to.resolve(from.relativize(file).toString());
                Files.copy(file, dest, StandardCopyOption.REPLACE_EXISTING);
                PrivateFiles.restrict(dest);
                n[0]++;
                return FileVisitResult.CONTINUE;
            }
        });
        return n[0];
    }

    /** Makes what was written durable: every file and directory of the tree fsync'd. */
    private static void fsyncTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                if (Files.isRegularFile(p)) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                } else if (Files.isDirectory(p)) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                        ch.force(true);
                    } catch (IOException ignored) {
                        // some file systems cannot fsync a directory; the files themselves are synced
                    }
                }
            }
        }
    }
}
