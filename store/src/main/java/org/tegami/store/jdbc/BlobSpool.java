package org.tegami.store.jdbc;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;
import java.util.UUID;
import org.tegami.core.PrivateFiles;
import org.tegami.store.BlobId;

/**
 * The bytes of a blob being written, for both stores' blob writers: buffered in memory up to {@code inlineMax} bytes;
 * past that, everything is spilled to a temporary file and streamed on, so memory per message stays bounded whatever
 * its size. Digested (SHA-256, the blob's id) and counted on the way. One writer thread.
 */
public final class BlobSpool {
    private final Path tmpDir;
    private final int inlineMax;
    private final MessageDigest digest;
    private final CountingStream counter;
    private final OutputStream out;
    private final ByteArrayOutputStream memory = new ByteArrayOutputStream(16 * 1024);
    private Path file;
    private FileChannel channel;

    /** Spills to a new file in {@code tmpDir} (on the object storage's file system, so it can be renamed into place). */
    public BlobSpool(Path tmpDir, int inlineMax) {
        this.tmpDir = tmpDir;
        this.inlineMax = inlineMax;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
        counter = new CountingStream(new OutputStream() {
            private OutputStream target = memory;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (channel == null && memory.size() + len > inlineMax) target = spill();
                target.write(b, off, len);
            }
        });
        out = new BufferedOutputStream(new DigestOutputStream(counter, digest), 16 * 1024);
    }

    private OutputStream spill() throws IOException {
        file = tmpDir.resolve(UUID.randomUUID() + ".tmp");
        channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PrivateFiles.fileMode());
        OutputStream f = Channels.newOutputStream(channel);
        memory.writeTo(f);
        memory.reset();
        return f;
    }

    public OutputStream stream() {
        return out;
    }

    /** Bytes written so far. */
    public long size() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return counter.count;
    }

    /** Ends the writing: flushes, fsyncs and closes the spilled file (if any), and returns the blob's id. */
    public BlobId finish() throws IOException {
        out.flush();
        BlobId id = BlobId.of(digest.digest());
        if (channel != null) {
            channel.force(true);
            channel.close();
        }
        return id;
    }

    /** Whether the bytes went to {@link #file} (more than {@code inlineMax}) rather than staying in memory. */
    public boolean spilled() {
        return file != null;
    }

    /** The bytes, when not {@link #spilled}. */
    public byte[] bytes() {
        return memory.toByteArray();
    }

    /** The temporary file, when {@link #spilled}. */
    public Path file() {
        return file;
    }

    /** Drops an unfinished spool's temporary file; one left by a crash is removed when the store opens next. */
    public void discard() {
        if (channel == null) return;
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // left for the next start
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
