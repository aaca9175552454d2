package org.tegami.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import org.tegami.core.PrivateFiles;
import org.tegami.core.TegamiException;

/**
 * {@code data_dir/server.lock}: a running server holds a shared lock on it (several servers of one JVM, as in tests,
 * share it), and {@code tegami migrate} takes it exclusively, so it refuses while a server runs on the embedded
 * store and no server starts on that directory while the migration reads it. The operating system drops a dead
 * process's lock, so a crash leaves nothing to clean up. Admin commands that open the embedded store hold it shared
 * too ({@link #admin}): they work while the server runs, but not while a migration copies the directory (a write
 * then would be missed by the copy), and a migration does not start while one runs.
 */
public final class DataDirLock implements AutoCloseable {
    /** The lock file's name in the data directory. */
    public static final String FILE = "server.lock";

    /** Locks held by this JVM, by lock file: the JVM holds file locks as a whole, so they are shared here. */
    private static final Map<Path, Held> HELD = new HashMap<>();

    private static final class Held {
        final FileChannel channel;
        final FileLock lock;
        int users;

        Held(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }
    }

    private final Path file;
    private boolean closed;

    private DataDirLock(Path file) {
        this.file = file;
    }

    /** The server's lock: shared with other servers; refused while {@code tegami migrate} holds it. */
    public static DataDirLock server(Path dataDir) {
        return take(dataDir, true, "the data directory " + dataDir + " is locked by `tegami migrate`: wait for it to"
                + " finish (then start the server on the migrated config)");
    }

    /**
     * An admin command's lock ({@code tegami user add} and every other command that opens the store): shared with
     * servers and other commands; refused while {@code tegami migrate} holds it.
     */
    public static DataDirLock admin(Path dataDir) {
        return take(dataDir, true, "the data directory " + dataDir + " is locked by `tegami migrate` (it is being"
                + " copied to another store, and a change now would be missed by the copy): wait for the migration to"
                + " finish, then run this command against the migrated config");
    }

    /** Migrate's lock: refused while a server or an admin command uses this data directory. */
    public static DataDirLock exclusive(Path dataDir, String refusal) {
        return take(dataDir, false, refusal);
    }

    private static DataDirLock take(Path dataDir, boolean shared, String refusal) {
        Path file;
        try {
            PrivateFiles.directories(dataDir);
            file = dataDir.resolve(FILE).toAbsolutePath().normalize();
        } catch (IOException e) {
            throw new TegamiException("cannot open the data directory " + dataDir + ": " + e.getMessage());
        }
        synchronized (HELD) {
            Held h = HELD.get(file);
            if (h != null) {
                if (!shared || !h.lock.isShared()) throw new TegamiException(refusal);
                h.users++;
                return new DataDirLock(file);
            }
            FileChannel ch = null;
            try {
                ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE), PrivateFiles.fileMode());
                FileLock lock = ch.tryLock(0, Long.MAX_VALUE, shared);
                if (lock == null) {
                    ch.close();
                    throw new TegamiException(refusal);
                }
                Held held = new Held(ch, lock);
                held.users = 1;
                HELD.put(file, held);
                return new DataDirLock(file);
            } catch (OverlappingFileLockException e) {
                closeQuietly(ch);
                throw new TegamiException(refusal);
            } catch (IOException e) {
                closeQuietly(ch);
                throw new TegamiException("cannot lock " + file + ": " + e.getMessage());
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing held
        }
    }

    @Override
    public void close() {
        synchronized (HELD) {
            if (closed) return;
            closed = true;
            Held h = HELD.get(file);
            if (h == null || --h.users > 0) return;
            HELD.remove(file);
            try {
                h.lock.release();
            } catch (IOException ignored) {
                // closing the channel releases it too
            }
            closeQuietly(h.channel);
        }
    }
}
