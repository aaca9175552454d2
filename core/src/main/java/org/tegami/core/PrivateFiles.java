package org.tegami.core;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories only the server's own user may read: the data directory holds password hashes, private
 * keys and everyone's mail. Directories are created 0700 and files 0600 from the start (never chmod'ed after
 * writing, which would leave a window); on file systems without POSIX permissions these are plain creations.
 */
public final class PrivateFiles {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {}

    /** The attributes that create a file readable and writable by its owner only. */
    public static FileAttribute<?>[] fileMode() {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }

    /** Creates {@code dir} and missing parents 0700 (existing ones are left as they are); returns {@code dir}. */
    public static Path directories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return dir;
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) directories(parent);
        try {
            Files.createDirectory(dir, POSIX
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIR)} : new FileAttribute<?>[0]);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // another thread or process made it
        }
        return dir;
    }

    /**
     * Takes group and other permissions away from an existing file or directory (a data directory made by an
     * older version, or by hand). Returns true when something was changed.
     */
    public static boolean restrict(Path p) throws IOException {
        if (!POSIX || !Files.exists(p)) return false;
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(p);
        Set<PosixFilePermission> want = Files.isDirectory(p) ? DIR : FILE;
        if (now.equals(want)) return false;
        Files.setPosixFilePermissions(p, want);
        return true;
    }
}
