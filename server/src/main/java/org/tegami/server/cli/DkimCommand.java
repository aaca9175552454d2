package org.tegami.server.cli;

import org.tegami.mailauth.dkim.DkimKey;
import org.tegami.mailauth.dkim.DkimKeys;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code tegami dkim generate|show DOMAIN}: signing keys and the DNS records that publish them. */
@Command(name = "dkim", mixinStandardHelpOptions = true, description = "DKIM signing keys for outgoing mail.",
        subcommands = {DkimCommand.Generate.class, DkimCommand.Show.class})
public final class DkimCommand {

    static void print(DkimKey k) {
        String record = k.dnsRecord();
        // TXT strings are limited to 255 characters; zone files accept several quoted strings (RFC 7208 §3.3).
        StringBuilder quoted = new StringBuilder();
        for (int i = 0; i < record.length(); i += 250) {
            if (i > 0) quoted.append(' ');
            quoted.append('"').append(record, i, Math.min(record.length(), i + 250)).append('"');
        }
        System.out.println(k.dnsName() + ". IN TXT ( " + quoted + " )");
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Create an RSA-2048 and an Ed25519 key for DOMAIN and print the DNS TXT records to publish."
                    + " The running server signs with them from the next message on.")
    static final class Generate implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "DOMAIN") String domain;

        @Override
        public void run() {
            var cfg = config.load();
            try (Store s = config.openStore()) {
                if (!s.accounts().isLocalDomain(domain)) {
                    throw new IllegalArgumentException("the domain " + domain + " is not local: add it first with 'tegami domain add "
                            + domain + "'");
                }
            }
            var keys = new DkimKeys(cfg.dataDir()).generate(domain);
            System.out.println("Publish these records in the DNS zone of " + domain + ":");
            keys.forEach(DkimCommand::print);
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print the DNS TXT records of DOMAIN's keys.")
    static final class Show implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(paramLabel = "DOMAIN") String domain;

        @Override
        public void run() {
            var keys = new DkimKeys(config.load().dataDir()).forDomain(domain);
            if (keys.isEmpty()) throw new IllegalArgumentException("no DKIM keys for " + domain + ": run 'tegami dkim generate " + domain + "'");
            keys.forEach(DkimCommand::print);
        }
    }
}
