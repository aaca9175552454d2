package org.tegami.server.cli;

import org.tegami.mime.EmailAddress;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code tegami domain add|remove|list}. */
@Command(name = "domain", mixinStandardHelpOptions = true, description = "Manage the domains this server receives mail for.",
        subcommands = {DomainCommand.Add.class, DomainCommand.Remove.class, DomainCommand.ListDomains.class})
public final class DomainCommand {

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Receive mail for DOMAIN.")
    static final class Add implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "DOMAIN") String domain;

        @Override
        public void run() {
            if (!EmailAddress.validDomain(domain) || domain.startsWith("[")) {
                throw new IllegalArgumentException("\"" + domain + "\" is not a domain name");
            }
            try (Store s = config.openStore()) {
                System.out.println(s.accounts().addDomain(domain) ? "added domain " + domain.toLowerCase(java.util.Locale.ROOT)
                        : "domain " + domain + " already exists");
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Stop receiving mail for DOMAIN (users and aliases stay).")
    static final class Remove implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "DOMAIN") String domain;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                if (!s.accounts().removeDomain(domain)) throw new IllegalArgumentException("no domain " + domain);
                System.out.println("removed domain " + domain);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the local domains.")
    static final class ListDomains implements Runnable {
        @Mixin Cli.ConfigOption config;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                s.accounts().domains().forEach(System.out::println);
            }
        }
    }
}
