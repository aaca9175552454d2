package org.tegami.server.cli;

import java.nio.file.Path;
import java.time.InstantSource;
import org.tegami.core.StoreException;
import org.tegami.core.TegamiException;
import org.tegami.mime.EmailAddress;
import org.tegami.server.DataDirLock;
import org.tegami.server.config.ConfigLoader;
import org.tegami.server.config.StoreSettings;
import org.tegami.server.config.TegamiConfig;
import org.tegami.server.migrate.MigrateLock;
import org.tegami.store.Store;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Shared pieces of every command: {@code --config}, opening the store, and one-line errors. */
public final class Cli {
    private Cli() {}

    /** A picocli command line whose errors an operator can act on: one line, no stack trace, exit code 1. */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof TegamiException || e instanceof IllegalArgumentException || e instanceof StoreException) {
                cmd.getErr().println("tegami: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl;
    }

    /** The {@code --config} option, mixed into every command. */
    public static final class ConfigOption {
        @Option(names = "--config", paramLabel = "FILE",
                description = "Configuration file (default: ./tegami.toml; defaults apply when it does not exist).")
        Path file;

        public TegamiConfig load() {
            return file == null ? ConfigLoader.load(Path.of("tegami.toml"), false) : ConfigLoader.load(file, true);
        }

        /**
         * Opens the configured store ({@code [store]}); safe while the server runs (SQLite WAL, or PostgreSQL). A lock
         * against {@code tegami migrate} stays held shared until the store is closed: see {@link #openStore(TegamiConfig)}.
         */
        public Store openStore() {
            return Cli.openStore(load());
        }
    }

    /**
     * Opens a config's store for an admin command, holding a lock shared until the store is closed, as a server
     * does, so the command refuses while {@code tegami migrate} copies that store (its write would be missed, or mix
     * with the copy), and a migration refuses while it runs: on the embedded store {@code data_dir/server.lock}, on
     * PostgreSQL the migration's advisory lock ({@link MigrateLock}), which also keeps out commands run with another
     * node's config.
     */
    public static Store openStore(TegamiConfig cfg) {
        if (cfg.store() instanceof StoreSettings.Postgres pg) {
            MigrateLock lock = MigrateLock.shared(pg, MigrateLock.User.COMMAND);
            return locked(cfg, lock::close);
        }
        DataDirLock lock = DataDirLock.admin(cfg.dataDir());
        return locked(cfg, lock::close);
    }

    private static Store locked(TegamiConfig cfg, Runnable unlock) {
        try {
            return new LockedStore(org.tegami.server.Stores.open(cfg, InstantSource.system(), System.err::println), unlock);
        } catch (RuntimeException e) {
            unlock.run();
            throw e;
        }
    }

    static EmailAddress address(String s) {
        return EmailAddress.parse(s).orElseThrow(() -> new IllegalArgumentException(
                "\"" + s + "\" is not an email address (expected local@domain)"));
    }
}
