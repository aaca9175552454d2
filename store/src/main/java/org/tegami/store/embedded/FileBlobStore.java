package org.tegami.store.embedded;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;
import java.util.stream.Stream;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;

/**
 * Blobs as files {@code blobs/ab/cd/<sha256>}. A blob is written to {@code tmp/}, fsync'd, renamed into place and
 * its directory fsync'd, so a crash leaves either no blob or a whole one; never a torn file under a digest name.
 */
final class FileBlobStore implements BlobStore {
    private final Path root;
    private final Path tmp;

    FileBlobStore(Path dataDir) throws IOException {
        root = Files.createDirectories(dataDir.resolve("blobs"));
        tmp = Files.createDirectories(dataDir.resolve("tmp"));
        try (Stream<Path> leftovers = Files.list(tmp)) { // from writes cut short by a crash
            for (Path p : leftovers.toList()) Files.deleteIfExists(p);
        }
    }

    Path path(BlobId id) {
        String h = id.hex();
        return root.resolve(h.substring(0, 2)).resolve(h.substring(2, 4)).resolve(h);
    }

    @Override
    public BlobWriter create() throws IOException {
        return new Writer(tmp.resolve(UUID.randomUUID() + ".tmp"));
    }

    @Override
    public InputStream open(BlobId id) throws IOException {
        return Files.newInputStream(path(id));
    }

    @Override
    public long size(BlobId id) throws IOException {
        return Files.size(path(id));
    }

    @Override
    public boolean exists(BlobId id) {
        return Files.exists(path(id));
    }

    /** Creates {@code dir} and any missing parents under the root, fsyncing each parent that gained an entry. */
    private void ensureDir(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        ensureDir(dir.getParent());
        try {
            Files.createDirectory(dir);
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

    private final class Writer implements BlobWriter {
        private final Path file;
        private final FileChannel channel;
        private final MessageDigest digest;
        private final CountingStream counter;
        private final OutputStream out;
        private boolean done;

        Writer(Path file) throws IOException {
            this.file = file;
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            counter = new CountingStream(Channels.newOutputStream(channel));
            out = new BufferedOutputStream(new DigestOutputStream(counter, digest), 64 * 1024);
        }

        @Override
        public OutputStream stream() {
            return out;
        }

        @Override
        public long size() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return counter.count;
        }

        @Override
        public BlobId commit() throws IOException {
            out.flush();
            channel.force(true);
            channel.close();
            done = true;
            BlobId id = BlobId.of(digest.digest());
            Path target = path(id);
            if (Files.exists(target)) {
                Files.delete(file); // same content already stored: content addressing dedups it
                return id;
            }
            ensureDir(target.getParent());
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            fsyncDir(target.getParent());
            return id;
        }

        @Override
        public void close() {
            if (done) return;
            done = true;
            try {
                channel.close();
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover tmp file is removed at the next start
            }
        }
    }

    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
