package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ObjectStorage} must do, as default test methods; a test class implements {@link #objects()}
 * (packaged in the store's test-jar, so the S3 module runs it too).
 */
public interface ObjectStorageContract {

    /** The storage under test, empty at the start of each test. */
    ObjectStorage objects();

    /** Size of the large object: big enough that an S3 implementation uploads it in parts. */
    default int largeSize() {
        return 12 * 1024 * 1024;
    }

    static String key(int seed) {
        byte[] b = new byte[32];
        new Random(seed).nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static byte[] data(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A finished temporary file as a writer leaves it for {@link ObjectStorage#put}. */
    default Path temp(byte[] bytes) throws IOException {
        Path f = objects().tempDirectory().resolve(UUID.randomUUID() + ".tmp");
        Files.write(f, bytes);
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        return f;
    }

    default byte[] get(String key, long offset, long length) throws IOException {
        try (InputStream in = objects().get(key, offset, length)) {
            return in.readAllBytes();
        }
    }

    @Test
    default void putThenGetSizeAndDelete() throws IOException {
        ObjectStorage o = objects();
        byte[] bytes = data(200_000, 1);
        Path f = temp(bytes);
        o.put(key(1), f);
        assertFalse(Files.exists(f), "put takes the temporary file");
        assertEquals(bytes.length, o.size(key(1)));
        assertArrayEquals(bytes, get(key(1), 0, -1));
        o.delete(key(1));
        assertEquals(-1, o.size(key(1)));
        assertThrows(NoSuchFileException.class, () -> get(key(1), 0, -1));
    }

    @Test
    default void rangesStreamOnlyTheirBytes() throws IOException {
        ObjectStorage o = objects();
        byte[] bytes = data(100_000, 2);
        o.put(key(2), temp(bytes));
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 10, 110), get(key(2), 10, 100));
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 99_000, 100_000), get(key(2), 99_000, -1));
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 0, 1), get(key(2), 0, 1));
        // a length past the end stops at the end; a range starting there or beyond is empty
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 99_990, 100_000), get(key(2), 99_990, 500));
        assertEquals(0, get(key(2), 100_000, 10).length);
        assertEquals(0, get(key(2), 200_000, -1).length);
        assertEquals(0, get(key(2), 5, 0).length);
    }

    @Test
    default void absentKeys() throws IOException {
        ObjectStorage o = objects();
        assertEquals(-1, o.size(key(3)));
        assertThrows(NoSuchFileException.class, () -> o.get(key(3), 0, -1).close());
        assertThrows(NoSuchFileException.class, () -> o.get(key(3), 5, 10).close());
        o.delete(key(3)); // not an error
        assertEquals(List.of(), o.list("", 10));
    }

    @Test
    default void storingAKeyTwiceIsHarmless() throws IOException {
        ObjectStorage o = objects();
        byte[] bytes = data(50_000, 4);
        o.put(key(4), temp(bytes));
        Path again = temp(bytes);
        o.put(key(4), again);
        assertFalse(Files.exists(again), "the second copy is deleted");
        assertArrayEquals(bytes, get(key(4), 0, -1));
        assertEquals(List.of(key(4)), o.list("", 10));
    }

    @Test
    default void listPagesInKeyOrder() throws IOException {
        ObjectStorage o = objects();
        List<String> keys = new ArrayList<>();
        for (int i = 10; i < 17; i++) {
            keys.add(key(i));
            o.put(key(i), temp(data(100 + i, i)));
        }
        keys.sort(null);
        assertEquals(keys, o.list("", 100));
        assertEquals(keys.subList(0, 3), o.list("", 3));
        assertEquals(keys.subList(3, 6), o.list(keys.get(2), 3));
        assertEquals(keys.subList(6, 7), o.list(keys.get(5), 3));
        assertEquals(List.of(), o.list(keys.get(6), 3));
        // "after" need not be a stored key
        assertEquals(keys.subList(1, 7), o.list(keys.get(0) + "0", 100));
    }

    @Test
    default void largeObjectsStreamWholeAndInRanges() throws IOException {
        ObjectStorage o = objects();
        byte[] bytes = data(largeSize(), 5);
        o.put(key(5), temp(bytes));
        assertEquals(bytes.length, o.size(key(5)));
        try (InputStream in = o.get(key(5), 0, -1)) {
            byte[] buf = new byte[64 * 1024];
            int off = 0;
            for (int n; (n = in.read(buf)) > 0; off += n) {
                assertArrayEquals(java.util.Arrays.copyOfRange(bytes, off, off + n), java.util.Arrays.copyOf(buf, n));
            }
            assertEquals(bytes.length, off);
        }
        int mid = bytes.length / 2;
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, mid, mid + 4096), get(key(5), mid, 4096));
    }
}
