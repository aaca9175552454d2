package org.tegami.server;

import java.io.IOException;
import java.time.InstantSource;
import org.tegami.core.TegamiException;
import org.tegami.objects.s3.S3Objects;
import org.tegami.server.config.TegamiConfig;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;

/** Opens the configured store: metadata in the data directory, large blobs there too or in S3 ({@code [blobs]}). */
public final class Stores {
    private Stores() {}

    /**
     * The server's and every admin command's store. With {@code [blobs] kind = "s3"} the bucket is checked first,
     * so a missing bucket, refused keys or an unreachable endpoint stop here with what to fix.
     */
    public static Store open(TegamiConfig cfg, InstantSource clock) {
        if (cfg.s3Blobs().isEmpty()) return EmbeddedStore.open(cfg.dataDir(), clock);
        S3Objects objects;
        try {
            objects = S3Objects.open(cfg.s3Blobs().get(), cfg.dataDir().resolve("tmp"));
        } catch (IOException e) {
            throw new TegamiException("[blobs] " + e.getMessage());
        }
        return EmbeddedStore.open(cfg.dataDir(), clock, objects);
    }

    /** Where large blobs live, for the startup summary. */
    public static String blobsDescription(TegamiConfig cfg) {
        String where = cfg.s3Blobs().map(Object::toString)
                .orElse("files under " + cfg.dataDir().toAbsolutePath().resolve("blobs"));
        return "over 128 KiB: " + where + "; smaller: in meta.db";
    }
}
