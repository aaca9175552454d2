package org.tegami.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.ObjectStorage;
import org.tegami.store.ObjectStorageContract;

/** The object contract against files under a temporary data directory, plus the file layout. */
class FileObjectsTest implements ObjectStorageContract {
    @TempDir
    Path dir;
    private FileObjects objects;

    @BeforeEach
    void open() throws IOException {
        objects = new FileObjects(dir);
    }

    @Override
    public ObjectStorage objects() {
        return objects;
    }

    @Test
    void objectsAreFilesFannedOutByTheirFirstFourHexDigits() throws IOException {
        String key = ObjectStorageContract.key(7);
        objects.put(key, temp(new byte[] {1, 2, 3}));
        Path file = dir.resolve("blobs").resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key);
        assertTrue(Files.isRegularFile(file));
        assertEquals(3, Files.size(file));
        try (var left = Files.list(dir.resolve("tmp"))) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void aDirectoryOfItsOwnKeepsTemporaryFilesInsideAndClearsWhatACrashLeft() throws IOException {
        Path root = dir.resolve("objects");
        FileObjects first = FileObjects.directory(root);
        assertEquals(root.resolve("tmp"), first.tempDirectory());
        Path torn = Files.write(first.tempDirectory().resolve("torn.tmp"), new byte[] {9});
        Files.setLastModifiedTime(torn, java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(FileObjects.LEFTOVER_AGE).minusSeconds(1)));
        Path live = Files.write(first.tempDirectory().resolve("live.tmp"), new byte[] {8});
        String key = ObjectStorageContract.key(8);
        first.put(key, temp(first, new byte[] {1, 2}));
        assertTrue(Files.isRegularFile(root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key)));
        assertEquals(java.util.List.of(key), first.list("", 10), "the temporary directory holds no objects");
        FileObjects reopened = FileObjects.directory(root);
        assertTrue(Files.notExists(torn), "a write cut short is removed when the directory is opened");
        assertTrue(Files.exists(live), "a write another process has under way is left alone");
        assertEquals(2, reopened.size(key));
    }

    private static Path temp(FileObjects objects, byte[] bytes) throws IOException {
        return Files.write(objects.tempDirectory().resolve(java.util.UUID.randomUUID() + ".tmp"), bytes);
    }

    @Test
    void keysThatAreNotHexAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> objects.size("../../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> objects.delete("ABCDEF0123"));
    }
}
