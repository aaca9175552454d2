package org.tegami.server;

import java.nio.file.Path;
import java.time.InstantSource;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.store.embedded.Upgrade;

/** Opening the data directory, the one way the server and the admin commands do it: backed up before an upgrade. */
public final class Stores {
    private static final System.Logger LOG = System.getLogger(Stores.class.getName());

    private Stores() {}

    /**
     * Opens the embedded store of {@code dataDir}; when its schema is older than this code's, first backs it up into
     * {@code dataDir/backups/} and says where through {@code say} (the migrations then run as the store opens).
     */
    public static EmbeddedStore open(Path dataDir, InstantSource clock, java.util.function.Consumer<String> say) {
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
