package org.tegami.store.postgres;

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
 * Objects as files {@code <root>/ab/cd/<key>} on one machine's disk, moved into place from {@code <root>/tmp} and
 * the directory fsync'd, so a crash leaves a whole object or none. Only for a single node: other nodes cannot see
 * these files (several nodes need shared object storage such as S3).
 */
public final class DirectoryObjects implements ObjectStorage {
    private final Path root;
    private final Path tmp;

    public DirectoryObjects(Path root) throws IOException {
        this.root = PrivateFiles.directories(root);
        this.tmp = PrivateFiles.directories(root.resolve("tmp"));
        try (Stream<Path> leftovers = Files.list(tmp)) { // from writes cut short by a crash
            for (Path p : leftovers.toList()) Files.deleteIfExists(p);
        }
    }

    private Path path(String key) {
        if (!key.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("not a blob key: " + key);
        return root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key);
    }

    @Override
    public void put(String key, Path file) throws IOException {
        Path target = path(key);
        if (Files.exists(target)) {
            Files.deleteIfExists(file); // content-addressed: the same bytes are there already
            return;
        }
        ensureDir(target.getParent());
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        fsyncDir(target.getParent());
    }

    @Override
    public Path tempDirectory() {
        return tmp;
    }

    @Override
    public InputStream get(String key, long offset, long length) throws IOException {
        Path p = path(key);
        FileChannel ch;
        try {
            ch = FileChannel.open(p, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException("object " + key);
        }
        ch.position(offset);
        InputStream in = Channels.newInputStream(ch);
        if (length < 0) return in;
        return new java.io.FilterInputStream(in) {
            private long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) return -1;
                int b = super.read();
                if (b >= 0) left--;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) return -1;
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) left -= n;
                return n;
            }
        };
    }

    @Override
    public long size(String key) throws IOException {
        Path p = path(key);
        try {
            return Files.size(p);
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
        try (Stream<Path> files = Files.find(root, 3, (p, a) -> a.isRegularFile() && !p.getParent().equals(tmp))) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.length() == 64 && n.compareTo(after) > 0)
                    .sorted().limit(limit).forEach(out::add);
        }
        return out;
    }

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

    private static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public void close() {
        // nothing held open
    }
}
