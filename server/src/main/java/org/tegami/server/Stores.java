package org.tegami.server;

import java.io.IOException;
import java.time.InstantSource;
import org.tegami.core.StoreException;
import org.tegami.server.config.StoreSettings;
import org.tegami.server.config.TegamiConfig;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.store.postgres.DirectoryObjects;
import org.tegami.store.postgres.PostgresStore;

/** Opens the configured store ({@code [store] kind}); the server and every admin command come through here. */
public final class Stores {
    private Stores() {}

    public static Store open(TegamiConfig cfg, InstantSource clock) {
        return switch (cfg.store()) {
            case StoreSettings.Embedded e -> EmbeddedStore.open(cfg.dataDir(), clock);
            case StoreSettings.Postgres p -> {
                DirectoryObjects objects;
                try {
                    // Single node only: large blobs' bytes are files under this node's data directory.
                    objects = new DirectoryObjects(cfg.dataDir().resolve("objects"));
                } catch (IOException e) {
                    throw new StoreException("cannot open the blob directory under " + cfg.dataDir() + ": " + e.getMessage(), e);
                }
                try {
                    yield PostgresStore.open(p.url(), p.user(), p.password(), objects, clock);
                } catch (RuntimeException e) {
                    objects.close();
                    throw e;
                }
            }
        };
    }
}
