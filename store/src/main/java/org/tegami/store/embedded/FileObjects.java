package org.tegami.store.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.tegami.core.PrivateFiles;
import org.tegami.store.ObjectStorage;

/**
 * Objects as files {@code <root>/ab/cd/<key>}, written to a temporary directory, fsync'd, renamed into place and the
 * directory fsync'd, so a crash leaves either no object or a whole one, never a torn file under a key. The embedded
 * store's root is {@code blobs/} under the data directory (the layout every data directory has had, so older ones
 * read unchanged); a PostgreSQL store on one node may use any directory ({@link #directory}). Only for a single node:
 * other nodes cannot see these files (several nodes need shared object storage such as S3).
 */
public final class FileObjects implements ObjectStorage {
    private final Path root;
    private final Path tmp;

    /** Objects under {@code dataDir/blobs}, temporary files in {@code dataDir/tmp} (both 0700). */
    public FileObjects(Path dataDir) throws IOException {
        this(dataDir.resolve("blobs"), dataDir.resolve("tmp"));
    }

    private FileObjects(Path root, Path tmp) throws IOException {
        this.root = PrivateFiles.directories(root);
        this.tmp = PrivateFiles.directories(tmp);
        PrivateFiles.restrict(root);
        PrivateFiles.restrict(tmp);
    }

    /**
     * Objects under {@code root}, temporary files in {@code root/tmp} (which no key's fan-out directory can be named),
     * cleared here of what writes cut short by a crash left ({@link #removeLeftovers}).
     */
    public static FileObjects directory(Path root) throws IOException {
        FileObjects objects = new FileObjects(root, root.resolve("tmp"));
        removeLeftovers(objects.tmp);
        return objects;
    }

    /**
     * How old an untouched temporary file must be before an opening store takes it for a crash's leftover. A store is
     * also opened by admin commands ({@code tegami user add}, ...) while the server runs and writes its own
     * temporary files there: a message still arriving is written to continually, and every protocol's idle timeout
     * is far shorter than this, so no live write is ever this old.
     */
    public static final java.time.Duration LEFTOVER_AGE = java.time.Duration.ofHours(1);

    /** Deletes the files in {@code tmp} not modified for {@link #LEFTOVER_AGE}: writes a crash cut short. */
    public static void removeLeftovers(Path tmp) throws IOException {
        long before = System.currentTimeMillis() - LEFTOVER_AGE.toMillis();
        try (Stream<Path> leftovers = Files.list(tmp)) {
            for (Path p : leftovers.toList()) {
                try {
                    if (Files.getLastModifiedTime(p).toMillis() < before) Files.deleteIfExists(p);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // its writer finished (renamed or deleted it) meanwhile
                }
            }
        }
    }

    /** The file that holds key's bytes. */
    Path path(String key) {
        // Keys become file names: only lowercase hex, so no key can name a path outside the root.
        if (key.length() < 5 || !key.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not an object key: " + key);
        }
        return root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key);
    }

    @Override
    public Path tempDirectory() {
        return tmp;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        Path target = path(key);
        if (Files.exists(target)) {
            Files.deleteIfExists(file);
            return;
        }
        ensureDir(target.getParent());
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        fsyncDir(target.getParent());
    }

    @Override
    public InputStream get(String key, long offset, long length) throws IOException {
        FileChannel ch = FileChannel.open(path(key), StandardOpenOption.READ); // NoSuchFileException when absent
        try {
            ch.position(offset);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        InputStream in = Channels.newInputStream(ch);
        return length < 0 ? in : new BoundedInputStream(in, length);
    }

    @Override
    public long size(String key) throws IOException {
        try {
            return Files.size(path(key));
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(path(key));
    }

    @Override
    public List<String> list(String after, int limit) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path d1 : sorted(root, 2)) {
            String p1 = d1.getFileName().toString();
            if (p1.compareTo(prefix(after, 2)) < 0) continue;
            for (Path d2 : sorted(d1, 2)) {
                String p2 = p1 + d2.getFileName().toString();
                if (p2.compareTo(prefix(after, 4)) < 0) continue;
                for (Path f : sorted(d2, -1)) {
                    String key = f.getFileName().toString();
                    if (key.compareTo(after) <= 0 || !key.startsWith(p2) || !Files.isRegularFile(f)) continue;
                    out.add(key);
                    if (out.size() >= limit) return out;
                }
            }
        }
        return out;
    }

    private static String prefix(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }

    /** Entries of dir in name order; with nameLength, only names of that length (the fan-out directories). */
    private static List<Path> sorted(Path dir, int nameLength) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> nameLength < 0 || p.getFileName().toString().length() == nameLength)
                    .sorted(java.util.Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /** Creates {@code dir} and any missing parents under the root, fsyncing each parent that gained an entry. */
    private void ensureDir(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        ensureDir(dir.getParent());
        try {
            PrivateFiles.directories(dir);
        } catch (FileAlreadyExistsException raced) {
            return;
        }
        fsyncDir(dir.getParent());
    }

    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public void close() {
        // nothing held open
    }

    @Override
    public String toString() {
        return "files under " + root;
    }

    /** At most {@code remaining} bytes of an underlying stream. */
    static final class BoundedInputStream extends java.io.FilterInputStream {
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            super(in);
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) return -1;
            int b = in.read();
            if (b >= 0) remaining--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) remaining -= n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = in.skip(Math.min(n, remaining));
            remaining -= s;
            return s;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(in.available(), remaining);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
