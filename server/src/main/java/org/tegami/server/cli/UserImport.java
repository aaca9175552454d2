package org.tegami.server.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.tegami.auth.PasswordHasher;
import org.tegami.core.TegamiException;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tegami user import FILE}: many users in one process (one JVM start instead of one per {@code user add}).
 * The whole file is checked before anything is written, so a bad line changes nothing; the Argon2id hashes of
 * clear-text passwords are computed on every core.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Create many users from FILE (- for standard input), one per line:",
            "  ADDRESS PASSWORD            the password is the rest of the line, at least 8 characters",
            "  ADDRESS {ARGON2ID}HASH      an Argon2id PHC string, e.g. from another Tegami",
            "Blank lines and lines starting with # are skipped. Every line is checked first: on a bad line nothing is"
                    + " imported and the error names the line."})
final class UserImport implements Runnable {
    static final String HASH_PREFIX = "{ARGON2ID}";

    @Mixin Cli.ConfigOption config;
    @Parameters(paramLabel = "FILE", description = "The list of users, or - for standard input.") String file;

    /** One line to import: the address and either a clear-text password or a stored hash. */
    record Line(int number, EmailAddress address, char[] password, String hash) {}

    @Override
    public void run() {
        List<Line> lines = parse(read());
        try (Store s = config.openStore()) {
            Map<String, Integer> seen = new HashMap<>();
            for (Line l : lines) {
                Integer first = seen.putIfAbsent(l.address().key(), l.number());
                if (first != null) {
                    throw new IllegalArgumentException("line " + l.number() + ": " + l.address() + " is already on line " + first);
                }
                if (s.accounts().user(l.address()).isPresent()) {
                    throw new IllegalArgumentException("line " + l.number() + ": the user " + l.address() + " already exists");
                }
                if (!s.accounts().isLocalDomain(l.address().domain())) {
                    throw new IllegalArgumentException("line " + l.number() + ": the domain " + l.address().domain()
                            + " is not local: add it first with 'tegami domain add " + l.address().domain() + "'");
                }
            }
            importAll(s, lines);
        } finally {
            for (Line l : lines) if (l.password() != null) Arrays.fill(l.password(), '\0');
        }
    }

    private List<String> read() {
        try {
            if (file.equals("-")) {
                return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines().toList();
            }
            return Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new TegamiException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Checks every line; the first bad one is reported with its number. */
    static List<Line> parse(List<String> text) {
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            int n = i + 1;
            String s = text.get(i).strip();
            if (s.isEmpty() || s.startsWith("#")) continue;
            int sp = indexOfSpace(s);
            if (sp < 0) throw new IllegalArgumentException("line " + n + ": expected ADDRESS PASSWORD or ADDRESS " + HASH_PREFIX + "HASH");
            String addr = s.substring(0, sp);
            String secret = s.substring(sp + 1).strip();
            EmailAddress a = EmailAddress.parse(addr).orElseThrow(() -> new IllegalArgumentException(
                    "line " + n + ": \"" + addr + "\" is not an email address (expected local@domain)"));
            if (secret.regionMatches(true, 0, HASH_PREFIX, 0, HASH_PREFIX.length())) {
                String hash = secret.substring(HASH_PREFIX.length());
                if (!PasswordHasher.isArgon2id(hash)) {
                    throw new IllegalArgumentException("line " + n + ": not an Argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash)");
                }
                out.add(new Line(n, a, null, hash));
            } else {
                // The message names the line, never the password.
                if (secret.length() < UserCommand.MIN_PASSWORD) {
                    throw new IllegalArgumentException("line " + n + ": the password is too short: use at least "
                            + UserCommand.MIN_PASSWORD + " characters");
                }
                out.add(new Line(n, a, secret.toCharArray(), null));
            }
        }
        return out;
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == ' ' || s.charAt(i) == '\t') return i;
        return -1;
    }

    private static void importAll(Store s, List<Line> lines) {
        PasswordHasher hasher = new PasswordHasher();
        int step = Math.max(1, lines.size() / 20);
        int done = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()))) {
            List<Future<String>> hashes = new ArrayList<>();
            for (Line l : lines) hashes.add(l.hash() != null ? java.util.concurrent.CompletableFuture.completedFuture(l.hash())
                    : pool.submit(() -> hasher.hash(l.password())));
            for (int i = 0; i < lines.size(); i++) {
                Line l = lines.get(i);
                String hash;
                try {
                    hash = hashes.get(i).get();
                } catch (Exception e) {
                    throw new TegamiException("line " + l.number() + ": hashing failed: " + e);
                }
                s.accounts().addUser(l.address(), hash);
                done++;
                if (done % step == 0 || done == lines.size()) System.out.println("imported " + done + " of " + lines.size() + " users");
            }
        }
        if (lines.isEmpty()) System.out.println("imported 0 users (the file has none)");
    }
}
