package org.tegami.server.cli;

import java.io.PrintWriter;
import java.time.InstantSource;
import org.tegami.server.Stores;
import org.tegami.server.config.TegamiConfig;
import org.tegami.store.embedded.Upgrade;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tegami upgrade [--dry-run]}: the data directory's schema brought to this version's, after a backup in
 * {@code data_dir/backups/}. The server and every admin command do the same when they open an older directory; this
 * command does it on purpose, and {@code --dry-run} shows what would run without changing anything.
 */
@Command(name = "upgrade", mixinStandardHelpOptions = true,
        description = "Upgrade the data directory's schema (backing it up first into data_dir/backups/).")
public final class UpgradeCommand implements Runnable {
    @Mixin Cli.ConfigOption config;
    @Spec CommandSpec spec;

    @Option(names = "--dry-run", description = "Print the current and target schema versions and each migration; change nothing.")
    boolean dryRun;

    @Override
    public void run() {
        TegamiConfig cfg = config.load();
        PrintWriter out = spec.commandLine().getOut();
        if (cfg.store() instanceof org.tegami.server.config.StoreSettings.Postgres) {
            throw new org.tegami.core.TegamiException("[store] kind = \"postgresql\": its schema is upgraded by the first"
                    + " node that starts with the new version (under a lock, once); take a backup with pg_dump first");
        }
        Upgrade.Plan plan = Upgrade.plan(cfg.dataDir());
        out.println("data directory " + cfg.dataDir() + ": schema v" + plan.current() + ", this Tegami: v" + plan.target());
        if (!plan.needed()) {
            out.println("nothing to upgrade");
            out.flush();
            return;
        }
        for (Upgrade.Step s : plan.steps()) out.println("  v" + s.version() + ": " + s.description());
        if (dryRun) {
            out.println((plan.current() == 0 ? "would create the schema" : "would back up into "
                    + cfg.dataDir().resolve(Upgrade.BACKUPS) + "/pre-v" + plan.target() + "-TIME/ and run "
                    + plan.steps().size() + " migration(s)") + " (dry run: nothing changed)");
            out.flush();
            return;
        }
        out.flush();
        try (var lock = org.tegami.server.DataDirLock.admin(cfg.dataDir());
             var store = Stores.openEmbedded(cfg.dataDir(), InstantSource.system(), out::println)) {
            out.println("upgraded to schema v" + Upgrade.dataVersion(cfg.dataDir()).orElse(0));
        }
        out.flush();
    }
}
