package org.tegami.server;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.tegami.core.TegamiException;

/**
 * A node's name in the claims of a queue that several nodes share (the PostgreSQL store): the hostname and an id made
 * once and kept in {@code data_dir/node-id}. Nodes of one cluster often share a hostname (one name behind a load
 * balancer); the id keeps their leases apart, so a node that starts ends only the leases it held itself, and keeps
 * its name across restarts to find them.
 */
final class NodeName {
    static final String FILE = "node-id";

    private NodeName() {}

    static String of(String hostname, Path dataDir) {
        Path f = dataDir.resolve(FILE);
        try {
            if (!Files.exists(f)) create(dataDir, f);
            String id = Files.readString(f, StandardCharsets.US_ASCII).strip();
            if (!id.matches("[0-9a-f-]{8,64}")) throw new TegamiException(f + ": not a node id (delete it to make a new one)");
            return hostname + "/" + id;
        } catch (IOException e) {
            throw new TegamiException("cannot read the node id " + f + ": " + e.getMessage());
        }
    }

    private static void create(Path dataDir, Path f) throws IOException {
        Files.createDirectories(dataDir);
        Path tmp = dataDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, UUID.randomUUID() + "\n", StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
