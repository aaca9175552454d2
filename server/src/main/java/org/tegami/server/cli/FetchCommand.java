package org.tegami.server.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.tegami.core.TegamiException;
import org.tegami.fetch.CredentialCipher;
import org.tegami.fetch.SourceUrl;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.TegamiConfig;
import org.tegami.store.Account;
import org.tegami.store.FetchSourceStore;
import org.tegami.store.FetchSourceStore.Source;
import org.tegami.store.Store;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tegami fetch add|list|remove|enable|disable|now}: other accounts a user's mail is collected from. The
 * running server polls the store for due sources, so these work while it runs.
 */
@Command(name = "fetch", mixinStandardHelpOptions = true, description = "Collect mail from other accounts (IMAP, POP3 over TLS).",
        subcommands = {FetchCommand.Add.class, FetchCommand.ListSources.class, FetchCommand.Remove.class,
            FetchCommand.Enable.class, FetchCommand.Disable.class, FetchCommand.Now.class})
public final class FetchCommand {

    static Store open(TegamiConfig cfg) {
        return Cli.openStore(cfg);
    }

    static Source source(Store s, String id) {
        long n;
        try {
            n = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + id + "\" is not a source id (see tegami fetch list)");
        }
        return s.fetchSources().source(n).orElseThrow(() -> new IllegalArgumentException("no fetch source " + id));
    }

    static String describe(Source s) {
        return SourceUrl.display(s.protocol(), s.host(), s.port(), s.username(),
                s.protocol() == FetchSourceStore.Protocol.IMAP ? s.folder() : "", s.startTls());
    }

    /** Whether fetched messages stay on the server; keep unless told otherwise. */
    static final class KeepOption {
        @Option(names = "--keep", description = "Leave fetched messages on the server (the default).") boolean keep;
        @Option(names = "--delete", description = "Delete each message on the server once it is stored here.") boolean delete;
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Collect mail for USER from SOURCE: imaps://name[:password]@host[:port][/folder] or"
                    + " pop3s://name[:password]@host[:port] (implicit TLS); imap:// or pop3:// (ports 143, 110) require"
                    + " STARTTLS. Without a password in the URL give --password-stdin.",
                    "The server's certificate must be trusted (the JDK's CAs, or [outbound] tls_ca)."})
    static final class Add implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "USER") String user;
        @Parameters(index = "1", paramLabel = "SOURCE") String url;
        @Option(names = "--password-stdin", description = "Read the source's password from the first line of standard input.")
        boolean stdin;
        @ArgGroup(exclusive = true) KeepOption keep;

        @Override
        public void run() {
            SourceUrl u = SourceUrl.parse(url);
            String password;
            if (stdin) {
                if (u.password().isPresent()) throw new IllegalArgumentException("give the password in the URL or with --password-stdin, not both");
                try {
                    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                    if (line == null || line.isEmpty()) throw new TegamiException("no password on standard input");
                    password = line;
                } catch (IOException e) {
                    throw new TegamiException("cannot read the password from standard input: " + e.getMessage());
                }
            } else {
                password = u.password().orElseThrow(() -> new IllegalArgumentException(
                        "no password: put it in the URL (imaps://name:password@host) or pass --password-stdin"));
            }
            TegamiConfig cfg = config.load();
            EmailAddress a = Cli.address(user);
            try (Store s = open(cfg)) {
                Account account = s.accounts().user(a).orElseThrow(() -> new IllegalArgumentException(
                        "no user " + a + ": create it first with 'tegami user add " + a + "'"));
                CredentialCipher cipher = CredentialCipher.open(cfg.dataDir());
                boolean keepMail = keep == null || !keep.delete;
                Source src = s.fetchSources().add(new FetchSourceStore.NewSource(account.id(), u.protocol(), u.host(), u.port(),
                        u.username(), u.folder(), keepMail, u.startTls()), Instant.now(), id -> cipher.seal(id, account.id(), password));
                System.out.println("fetch source " + src.id() + ": " + describe(src) + " for " + a + (keepMail
                        ? ", keeping mail on the server" : ", deleting mail on the server once stored here"));
            } catch (IOException e) {
                throw new TegamiException("cannot open the fetch key in " + cfg.dataDir() + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List fetch sources (all, or USER's): id, URL without password, state, last success, last error.")
    static final class ListSources implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", arity = "0..1", paramLabel = "USER") String user;

        @Override
        public void run() {
            try (Store s = open(config.load())) {
                Optional<Account> account = Optional.empty();
                if (user != null) {
                    EmailAddress a = Cli.address(user);
                    account = Optional.of(s.accounts().user(a).orElseThrow(() -> new IllegalArgumentException("no user " + a)));
                }
                var names = new java.util.HashMap<Long, String>();
                s.accounts().users().forEach(acc -> names.put(acc.id().value(), acc.address().toString()));
                for (Source src : s.fetchSources().sources(account.map(Account::id))) {
                    System.out.println(src.id() + " " + names.getOrDefault(src.account().value(), "?") + " " + describe(src)
                            + (src.keep() ? " keep" : " delete") + (src.enabled() ? " enabled" : " disabled")
                            + " last-success=" + src.lastSuccess().map(Instant::toString).orElse("never")
                            + (src.failures() > 0 ? " failures=" + src.failures() + " next=" + src.nextAttempt() : "")
                            + (src.lastError().isEmpty() ? "" : " last-error=\"" + src.lastError().replace('"', '\'') + "\""));
                }
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Stop collecting from a source and forget it.")
    static final class Remove implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public void run() {
            try (Store s = open(config.load())) {
                Source src = source(s, id);
                s.fetchSources().remove(src.id());
                System.out.println("removed fetch source " + src.id() + " (" + describe(src) + ")");
            }
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = "Poll a source again (after five failed logins disabled it, or after disable); due now.")
    static final class Enable implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public void run() {
            try (Store s = open(config.load())) {
                Source src = source(s, id);
                s.fetchSources().setEnabled(src.id(), true, Instant.now());
                System.out.println("enabled fetch source " + src.id());
            }
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Stop polling a source (kept; enable resumes).")
    static final class Disable implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public void run() {
            try (Store s = open(config.load())) {
                Source src = source(s, id);
                s.fetchSources().setEnabled(src.id(), false, src.nextAttempt());
                System.out.println("disabled fetch source " + src.id());
            }
        }
    }

    @Command(name = "now", mixinStandardHelpOptions = true,
            description = "Poll a source as soon as the running server next looks (within seconds).")
    static final class Now implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public void run() {
            try (Store s = open(config.load())) {
                Source src = source(s, id);
                if (!src.enabled()) throw new IllegalArgumentException("fetch source " + src.id() + " is disabled: run tegami fetch enable " + src.id());
                s.fetchSources().schedule(src.id(), Instant.now());
                System.out.println("fetch source " + src.id() + " is due now");
            }
        }
    }
}
