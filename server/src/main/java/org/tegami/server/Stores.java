package org.tegami.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.function.Consumer;
import org.tegami.core.StoreException;
import org.tegami.server.config.StoreSettings;
import org.tegami.server.config.TegamiConfig;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.store.embedded.Upgrade;
import org.tegami.store.postgres.DirectoryObjects;
import org.tegami.store.postgres.PostgresStore;

/**
 * Opens the configured store ({@code [store] kind}), the one way the server and every admin command do it: the
 * embedded store is backed up before its schema is upgraded; PostgreSQL migrates under an advisory lock as it opens.
 */
public final class Stores {
    private static final System.Logger LOG = System.getLogger(Stores.class.getName());

    private Stores() {}

    public static Store open(TegamiConfig cfg, InstantSource clock, Consumer<String> say) {
        return switch (cfg.store()) {
            case StoreSettings.Embedded e -> openEmbedded(cfg.dataDir(), clock, say);
            case StoreSettings.Postgres p -> {
                DirectoryObjects objects;
                try {
                    // Single node only: large blobs' bytes are files under this node's data directory.
                    objects = new DirectoryObjects(cfg.dataDir().resolve("objects"));
                } catch (IOException ex) {
                    throw new StoreException("cannot open the blob directory under " + cfg.dataDir() + ": " + ex.getMessage(), ex);
                }
                try {
                    yield PostgresStore.open(p.url(), p.user(), p.password(), objects, clock);
                } catch (RuntimeException ex) {
                    objects.close();
                    throw ex;
                }
            }
        };
    }

    /**
     * Opens the embedded store of {@code dataDir}; when its schema is older than this code's, first backs it up into
     * {@code dataDir/backups/} and says where through {@code say} (the migrations then run as the store opens).
     */
    public static EmbeddedStore openEmbedded(Path dataDir, InstantSource clock, Consumer<String> say) {
        var plan = Upgrade.plan(dataDir); // refuses a newer schema before anything is touched
        Upgrade.backupBeforeUpgrade(dataDir, clock.instant(), p -> { }).ifPresent(b -> {
            String line = "tegami: data directory schema v" + plan.current() + " is older than v" + plan.target()
                    + ": backed up into " + b + " before upgrading (restore with `tegami restore`)";
            say.accept(line);
            LOG.log(System.Logger.Level.INFO, line);
        });
        return EmbeddedStore.open(dataDir, clock);
    }
}
