package org.tegami.server.cli;

import java.util.List;
import java.util.Locale;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code tegami alias add|remove|list}; {@code @domain} is the domain's catch-all. */
@Command(name = "alias", mixinStandardHelpOptions = true, description = "Manage aliases and catch-alls.",
        subcommands = {AliasCommand.Add.class, AliasCommand.Remove.class, AliasCommand.ListAliases.class})
public final class AliasCommand {

    /** {@code local@domain} or {@code @domain}, folded; the domain must be local. */
    static String source(Store s, String alias) {
        String domain;
        String key;
        if (alias.startsWith("@")) {
            domain = alias.substring(1).toLowerCase(Locale.ROOT);
            if (!EmailAddress.validDomain(domain)) throw new IllegalArgumentException("\"" + alias + "\" is not @domain");
            key = "@" + domain;
        } else {
            EmailAddress a = Cli.address(alias);
            domain = a.domain();
            key = a.key();
        }
        if (!s.accounts().isLocalDomain(domain)) {
            throw new IllegalArgumentException("the domain " + domain + " is not local: add it first with 'tegami domain add "
                    + domain + "'");
        }
        return key;
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Deliver mail for ALIAS (local@domain, or @domain for a catch-all) to the TARGET users, aliases"
                    + " or remote addresses (forwarded with SRS and an ARC seal).")
    static final class Add implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "ALIAS") String alias;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "TARGET") List<String> targets;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                String key = source(s, alias);
                List<String> keys = targets.stream().map(Cli::address).map(t -> {
                    // a remote address keeps its local part's case (RFC 5321 §2.4: only its domain may fold it)
                    if (!s.accounts().isLocalDomain(t.domain())) return t.toString();
                    if (s.accounts().user(t).isEmpty() && s.accounts().alias(t.key()).isEmpty()) {
                        throw new IllegalArgumentException("no user or alias " + t + ": create it first with 'tegami user add " + t + "'");
                    }
                    return t.key();
                }).toList();
                s.accounts().putAlias(key, keys);
                System.out.println("alias " + key + " -> " + String.join(", ", keys));
                String domain = key.substring(key.indexOf('@') + 1);
                boolean forwards = keys.stream().anyMatch(t -> !s.accounts().isLocalDomain(t.substring(t.lastIndexOf('@') + 1)));
                if (forwards && new org.tegami.mailauth.dkim.DkimKeys(config.load().dataDir()).forDomain(domain).stream()
                        .noneMatch(k -> k.algorithm() == org.tegami.mailauth.dkim.DkimKey.Algorithm.RSA)) {
                    System.out.println("note: " + domain + " has no DKIM key, so forwarded copies go without an ARC seal"
                            + " (receivers may refuse mail from DMARC p=reject senders): tegami dkim generate " + domain);
                }
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an alias.")
    static final class Remove implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "ALIAS") String alias;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                String key = alias.toLowerCase(Locale.ROOT);
                if (!s.accounts().removeAlias(key)) throw new IllegalArgumentException("no alias " + alias);
                System.out.println("removed alias " + key);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List aliases.")
    static final class ListAliases implements Runnable {
        @Mixin Cli.ConfigOption config;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                s.accounts().aliases().forEach(a -> System.out.println(a.source() + " -> " + String.join(", ", a.targets())));
            }
        }
    }
}
