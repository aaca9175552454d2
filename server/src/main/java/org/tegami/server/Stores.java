package org.tegami.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.function.Consumer;
import org.tegami.core.StoreException;
import org.tegami.core.TegamiException;
import org.tegami.objects.s3.S3Objects;
import org.tegami.server.config.StoreSettings;
import org.tegami.server.config.TegamiConfig;
import org.tegami.store.ObjectStorage;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.store.embedded.FileObjects;
import org.tegami.store.embedded.Upgrade;
import org.tegami.store.postgres.PostgresStore;

/**
 * Opens the configured store, the one way the server and every admin command do it: metadata embedded in the data
 * directory or in PostgreSQL ({@code [store]}), large blobs as files there or in an S3 bucket ({@code [blobs]}).
 * The embedded store is backed up before its schema is upgraded; PostgreSQL migrates under an advisory lock as it
 * opens. With {@code [blobs] kind = "s3"} the bucket is checked first, so a missing bucket, refused keys or an
 * unreachable endpoint stop here with what to fix.
 */
public final class Stores {
    private static final System.Logger LOG = System.getLogger(Stores.class.getName());

    private Stores() {}

    public static Store open(TegamiConfig cfg, InstantSource clock, Consumer<String> say) {
        return switch (cfg.store()) {
            case StoreSettings.Embedded e -> {
                if (cfg.s3Blobs().isEmpty()) yield openEmbedded(cfg.dataDir(), clock, say);
                // the automatic backup copies blob files, which S3 holds instead: none is made, the operator is told
                var plan = Upgrade.plan(cfg.dataDir()); // refuses a newer schema before anything is touched
                if (plan.needed() && plan.current() > 0) {
                    say.accept("tegami: data directory schema v" + plan.current() + " is upgraded to v" + plan.target()
                            + " without an automatic backup ([blobs] kind = \"s3\"): copy data_dir first if you need one");
                }
                yield EmbeddedStore.open(cfg.dataDir(), clock, s3(cfg));
            }
            case StoreSettings.Postgres p -> {
                ObjectStorage objects = objects(cfg);
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
     * The object storage a config names for large blobs, opened on its own (the caller closes it): the S3 bucket of
     * {@code [blobs] kind = "s3"}, else files under the data directory ({@code blobs/} for the embedded store,
     * {@code objects/} for PostgreSQL). {@code tegami migrate} reads one and writes the other.
     */
    public static ObjectStorage objects(TegamiConfig cfg) {
        if (cfg.s3Blobs().isPresent()) return s3(cfg);
        try {
            if (cfg.store() instanceof StoreSettings.Embedded) return new org.tegami.store.embedded.FileObjects(cfg.dataDir());
            // Single node only: large blobs' bytes are files under this node's data directory.
            return FileObjects.directory(cfg.dataDir().resolve("objects"));
        } catch (IOException ex) {
            throw new StoreException("cannot open the blob directory under " + cfg.dataDir() + ": " + ex.getMessage(), ex);
        }
    }

    private static S3Objects s3(TegamiConfig cfg) {
        try {
            return S3Objects.open(cfg.s3Blobs().get(), cfg.dataDir().resolve("tmp"));
        } catch (IOException e) {
            throw new TegamiException("[blobs] " + e.getMessage());
        }
    }

    /**
     * Opens the embedded store of {@code dataDir}; when its schema is older than this code's, first backs it up into
     * {@code dataDir/backups/} and says where through {@code say} (the migrations then run as the store opens).
     */
    public static EmbeddedStore openEmbedded(Path dataDir, InstantSource clock, Consumer<String> say) {
        backupBeforeUpgrade(dataDir, clock, say);
        return EmbeddedStore.open(dataDir, clock);
    }

    private static void backupBeforeUpgrade(Path dataDir, InstantSource clock, Consumer<String> say) {
        var plan = Upgrade.plan(dataDir); // refuses a newer schema before anything is touched
        Upgrade.backupBeforeUpgrade(dataDir, clock.instant(), p -> { }).ifPresent(b -> {
            String line = "tegami: data directory schema v" + plan.current() + " is older than v" + plan.target()
                    + ": backed up into " + b + " before upgrading (restore with `tegami restore`)";
            say.accept(line);
            LOG.log(System.Logger.Level.INFO, line);
        });
    }

    /** Where large blobs live, for the startup summary. */
    public static String blobsDescription(TegamiConfig cfg) {
        boolean pg = cfg.store() instanceof StoreSettings.Postgres;
        String where = cfg.s3Blobs().map(Object::toString).orElse(pg
                ? "files under " + cfg.dataDir().toAbsolutePath().resolve("objects") + " (single node only)"
                : "files under " + cfg.dataDir().toAbsolutePath().resolve("blobs"));
        return "over 128 KiB: " + where + "; smaller: " + (pg ? "in PostgreSQL" : "in meta.db");
    }
}
