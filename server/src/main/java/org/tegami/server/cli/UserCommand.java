package org.tegami.server.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.tegami.auth.PasswordHasher;
import org.tegami.core.TegamiException;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tegami user add|passwd|remove|list}. */
@Command(name = "user", mixinStandardHelpOptions = true, description = "Manage users (mailboxes).",
        subcommands = {UserCommand.Add.class, UserCommand.Passwd.class, UserCommand.Remove.class, UserCommand.ListUsers.class})
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
}
