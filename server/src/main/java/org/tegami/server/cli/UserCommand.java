package org.tegami.server.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalLong;
import org.tegami.auth.PasswordHasher;
import org.tegami.core.TegamiException;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tegami user add|import|passwd|remove|list|quota}. */
@Command(name = "user", mixinStandardHelpOptions = true, description = "Manage users (mailboxes).",
        subcommands = {UserCommand.Add.class, UserImport.class, UserCommand.Passwd.class, UserCommand.Remove.class, UserCommand.ListUsers.class,
            UserCommand.QuotaCommand.class})
public final class UserCommand {
    static final int MIN_PASSWORD = 8;

    /** Reads a new password from stdin (first line) or, interactively, twice without echo. */
    static final class PasswordInput {
        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean stdin;

        char[] read() {
            char[] pw;
            if (stdin) {
                try {
                    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                    if (line == null) throw new TegamiException("no password on standard input");
                    pw = line.toCharArray();
                } catch (IOException e) {
                    throw new TegamiException("cannot read the password from standard input: " + e.getMessage());
                }
            } else {
                Console console = System.console();
                // Since JDK 22 a Console may exist without a terminal (input or output redirected): prompting then
                // would echo the password or write the prompt into a file.
                if (console == null || !console.isTerminal()) {
                    throw new TegamiException("no terminal to ask for the password: pass it with --password-stdin,"
                            + " e.g. echo 'secret' | tegami user add alice@example.com --password-stdin");
                }
                pw = console.readPassword("Password: ");
                char[] again = console.readPassword("Repeat password: ");
                if (pw == null || again == null || !Arrays.equals(pw, again)) throw new TegamiException("the passwords differ");
            }
            if (pw.length < MIN_PASSWORD) {
                throw new TegamiException("the password is too short: use at least " + MIN_PASSWORD + " characters");
            }
            return pw;
        }

        /** Reads the password and returns its Argon2id hash; the clear text is wiped at once. */
        String readHash() {
            char[] pw = read();
            try {
                return new PasswordHasher().hash(pw);
            } finally {
                Arrays.fill(pw, '\0');
            }
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Create a user with INBOX, Sent, Drafts, Trash, Junk and Archive.")
    static final class Add implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Mixin PasswordInput password;
        @Parameters(paramLabel = "ADDRESS") String address;

        @Override
        public void run() {
            EmailAddress a = Cli.address(address);
            String hash = password.readHash();
            try (Store s = config.openStore()) {
                s.accounts().addUser(a, hash);
                System.out.println("added user " + a);
            }
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true, description = "Set a user's password.")
    static final class Passwd implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Mixin PasswordInput password;
        @Parameters(paramLabel = "ADDRESS") String address;

        @Override
        public void run() {
            EmailAddress a = Cli.address(address);
            String hash = password.readHash();
            try (Store s = config.openStore()) {
                if (!s.accounts().setPasswordHash(a, hash)) throw new IllegalArgumentException("no user " + a);
                System.out.println("password changed for " + a);
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user and all their mail.")
    static final class Remove implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "ADDRESS") String address;

        @Override
        public void run() {
            EmailAddress a = Cli.address(address);
            try (Store s = config.openStore()) {
                if (!s.accounts().removeUser(a)) throw new IllegalArgumentException("no user " + a);
                System.out.println("removed user " + a);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users.")
    static final class ListUsers implements Runnable {
        @Mixin Cli.ConfigOption config;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                s.accounts().users().forEach(u -> System.out.println(u.address()));
            }
        }
    }

    @Command(name = "quota", mixinStandardHelpOptions = true,
            description = "Show or set a user's quota (IMAP QUOTA, RFC 9208): storage over all folders and a message count."
                    + " Over quota, IMAP APPEND/COPY get NO [OVERQUOTA] and SMTP delivery 452 4.2.2 / 552 5.2.2.")
    static final class QuotaCommand implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "ADDRESS") String address;
        @Option(names = "--storage", paramLabel = "SIZE", description = "Storage limit, e.g. 500M, 2G (K, M, G, T: 1024-based).")
        String storage;
        @Option(names = "--messages", paramLabel = "N", description = "Message count limit.")
        Long messages;
        @Option(names = "--none", description = "Remove the quota (unlimited).")
        boolean none;

        @Override
        public void run() {
            EmailAddress a = Cli.address(address);
            try (Store s = config.openStore()) {
                var account = s.accounts().user(a).orElseThrow(() -> new IllegalArgumentException("no user " + a));
                if (none || storage != null || messages != null) {
                    var current = s.accounts().quota(account.id());
                    OptionalLong st = none ? OptionalLong.empty() : storage != null ? OptionalLong.of(kib(storage))
                            : current.map(q -> q.storageKib()).orElse(OptionalLong.empty());
                    OptionalLong ms = none ? OptionalLong.empty() : messages != null ? OptionalLong.of(positive(messages))
                            : current.map(q -> q.messages()).orElse(OptionalLong.empty());
                    s.accounts().setQuota(account.id(), st, ms);
                }
                System.out.println(describe(a, s.accounts().quota(account.id())));
            }
        }

        static String describe(EmailAddress a, java.util.Optional<org.tegami.store.Quota> quota) {
            if (quota.isEmpty()) return a + ": no quota";
            var q = quota.get();
            return a + ": storage " + q.usedKib() + " KiB of " + (q.storageKib().isPresent() ? q.storageKib().getAsLong() + " KiB" : "unlimited")
                    + ", " + q.usedMessages() + " of " + (q.messages().isPresent() ? Long.toString(q.messages().getAsLong()) : "unlimited")
                    + " messages";
        }

        private static long positive(long n) {
            if (n < 1) throw new IllegalArgumentException("--messages must be at least 1 (use --none for no limit)");
            return n;
        }

        /** {@code 500M} → 512000 KiB; a plain number is bytes. */
        static long kib(String size) {
            String t = size.strip().toUpperCase(java.util.Locale.ROOT);
            long unit = 1;
            if (!t.isEmpty() && "KMGT".indexOf(t.charAt(t.length() - 1)) >= 0) {
                unit = 1L << (10 * ("KMGT".indexOf(t.charAt(t.length() - 1)) + 1));
                t = t.substring(0, t.length() - 1);
            }
            try {
                long bytes = Math.multiplyExact(Long.parseLong(t), unit);
                if (bytes < 1024) throw new IllegalArgumentException("--storage must be at least 1K");
                return bytes / 1024;
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("--storage: not a size: " + size + " (examples: 500M, 2G)");
            }
        }
    }
}
