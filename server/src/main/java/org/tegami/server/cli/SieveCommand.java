package org.tegami.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tegami.core.TegamiException;
import org.tegami.core.Utf8;
import org.tegami.managesieve.server.ScriptChecker;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.TegamiConfig;
import org.tegami.store.Account;
import org.tegami.store.SieveScriptStore;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tegami sieve list|put|get|activate|deactivate|delete}: a user's Sieve filter scripts, as ManageSieve
 * (port 4190) manages them, for the operator. Works while the server runs.
 */
@Command(name = "sieve", mixinStandardHelpOptions = true, description = "Manage users' Sieve filter scripts.",
        subcommands = {SieveCommand.ListScripts.class, SieveCommand.Put.class, SieveCommand.Get.class,
                SieveCommand.Activate.class, SieveCommand.Deactivate.class, SieveCommand.Delete.class})
public final class SieveCommand {

    static Account account(Store s, String user) {
        return s.accounts().user(Cli.address(user)).orElseThrow(() -> new IllegalArgumentException("no user " + user
                + " (list them with 'tegami user list')"));
    }

    /** The store result as an operator reads it; OK prints {@code done}. */
    static void report(SieveScriptStore.Result r, String name, SieveScriptStore.Quota quota, String done) {
        switch (r) {
            case OK -> System.out.println(done);
            case NONEXISTENT -> throw new IllegalArgumentException("no script \"" + name + "\" (see 'tegami sieve list')");
            case ALREADYEXISTS -> throw new IllegalArgumentException("a script \"" + name + "\" exists already");
            case ACTIVE -> throw new IllegalArgumentException("\"" + name + "\" is the active script: deactivate it first"
                    + " ('tegami sieve deactivate') or activate another");
            case QUOTA_MAXSCRIPTS -> throw new IllegalArgumentException("the user has " + quota.maxScripts()
                    + " scripts, the most [sieve] max_scripts allows: delete one first");
            case QUOTA_MAXSIZE -> throw new IllegalArgumentException("the script is larger than [sieve] max_script_size ("
                    + quota.maxScriptSize() + " bytes)");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List USER's scripts; the active one is marked.")
    static final class ListScripts implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "USER") String user;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                for (var sc : s.sieve().list(account(s, user).id())) {
                    System.out.println(sc.name() + (sc.active() ? "  (active)" : ""));
                }
            }
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = "Store FILE (- for standard input) as USER's script NAME, replacing one of that name; the"
                    + " script is checked first and refused with the checker's message when invalid.")
    static final class Put implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "USER") String user;
        @Parameters(index = "1", paramLabel = "NAME") String name;
        @Parameters(index = "2", paramLabel = "FILE") String file;

        @Override
        public void run() {
            TegamiConfig cfg = config.load();
            SieveScriptStore.Quota quota = cfg.sieve();
            if (!SieveScriptStore.validName(name)) {
                throw new IllegalArgumentException("\"" + name + "\" is not a script name (1 to "
                        + SieveScriptStore.MAX_NAME_CHARS + " characters, no control characters; RFC 5804 §1.6)");
            }
            byte[] bytes;
            try (InputStream in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file))) {
                bytes = in.readNBytes(quota.maxScriptSize() + 1); // never more than the quota allows, plus one to tell
            } catch (IOException e) {
                throw new TegamiException("cannot read " + file + ": " + e.getMessage());
            }
            if (bytes.length > quota.maxScriptSize()) {
                report(SieveScriptStore.Result.QUOTA_MAXSIZE, name, quota, "");
            }
            String script = Utf8.decode(bytes).orElseThrow(() -> new IllegalArgumentException(file + " is not UTF-8 text"));
            if (TegamiServer.sieveChecker(cfg).check(script) instanceof ScriptChecker.Invalid(String message)) {
                throw new IllegalArgumentException("the script is invalid: " + message);
            }
            try (Store s = Cli.openStore(cfg)) {
                report(s.sieve().put(account(s, user).id(), name, script, quota), name, quota,
                        "stored \"" + name + "\" for " + user + " (" + bytes.length + " bytes)");
            }
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print USER's script NAME.")
    static final class Get implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "USER") String user;
        @Parameters(index = "1", paramLabel = "NAME") String name;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                String script = s.sieve().get(account(s, user).id(), name).orElseThrow(() ->
                        new IllegalArgumentException("no script \"" + name + "\" (see 'tegami sieve list " + user + "')"));
                System.out.print(script);
                System.out.flush();
            }
        }
    }

    @Command(name = "activate", mixinStandardHelpOptions = true,
            description = "Make NAME the script that filters USER's incoming mail (--none: no script).")
    static final class Activate implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "USER") String user;
        @Parameters(index = "1", paramLabel = "NAME", arity = "0..1") String name;
        @Option(names = "--none", description = "Deactivate every script: mail is delivered unfiltered.") boolean none;

        @Override
        public void run() {
            if (none == (name != null)) throw new IllegalArgumentException("give a script NAME or --none");
            try (Store s = config.openStore()) {
                Account a = account(s, user);
                report(s.sieve().setActive(a.id(), none ? "" : name), name, SieveScriptStore.Quota.DEFAULTS,
                        none ? "no script is active for " + user : "\"" + name + "\" is now active for " + user);
            }
        }
    }

    @Command(name = "deactivate", mixinStandardHelpOptions = true,
            description = "Deactivate USER's active script: mail is delivered unfiltered.")
    static final class Deactivate implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "USER") String user;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                report(s.sieve().setActive(account(s, user).id(), ""), "", SieveScriptStore.Quota.DEFAULTS,
                        "no script is active for " + user);
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete USER's script NAME (not the active one).")
    static final class Delete implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "USER") String user;
        @Parameters(index = "1", paramLabel = "NAME") String name;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                report(s.sieve().delete(account(s, user).id(), name), name, SieveScriptStore.Quota.DEFAULTS,
                        "deleted \"" + name + "\"");
            }
        }
    }
}
