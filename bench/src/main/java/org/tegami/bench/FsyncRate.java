package org.tegami.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Measures this disk's plain single-stream fsync rate: write 10 KiB to a new file, force, repeat. */
public final class FsyncRate {
    private FsyncRate() {}

    /** Files per second created, written and fsync'd one after another in {@code dir} for about {@code millis}. */
    public static double measure(Path dir, long millis) throws IOException {
        ByteBuffer data = ByteBuffer.allocate(10 * 1024);
        long end = System.nanoTime() + millis * 1_000_000;
        long start = System.nanoTime();
        int n = 0;
        while (System.nanoTime() < end) {
            Path f = dir.resolve("fsync-" + n);
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                data.rewind();
                ch.write(data);
                ch.force(true);
            }
            Files.delete(f);
            n++;
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }
}
