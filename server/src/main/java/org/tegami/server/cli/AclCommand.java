package org.tegami.server.cli;

import java.util.List;
import java.util.Optional;
import org.tegami.imap.server.Rights;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.AclEntry;
import org.tegami.store.Mailbox;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tegami acl set|remove|list}: the same access control lists IMAP clients set with SETACL (RFC 4314). A
 * mailbox shared with a user appears in their client under {@code Other Users/OWNER/}.
 */
@Command(name = "acl", mixinStandardHelpOptions = true,
        description = "Share a user's mailbox with other users (IMAP ACL, RFC 4314). It appears to them under"
                + " \"Other Users/OWNER/MAILBOX\". Sessions that already have it selected see a change made here at"
                + " their next SELECT.",
        subcommands = {AclCommand.Set.class, AclCommand.Remove.class, AclCommand.ListAcl.class})
public final class AclCommand {
    static final String RIGHTS_HELP = "Rights letters: l see it in the folder list, r read, s keep \\Seen, w set other"
            + " flags, i add messages, p post, k create subfolders, x delete the folder, t set \\Deleted, e expunge,"
            + " a administer, n shared annotations; c = k and d = xte. Common sets: lrs (read), lrswite (read and"
            + " write), lrswipkxtea (everything). A leading + adds to the current rights, - removes from them.";

    /** The owner's account and one of their mailboxes, or an error naming what is missing. */
    static Mailbox mailbox(Store s, String owner, String name) {
        Account a = user(s, owner);
        return s.mail().mailbox(a.id(), name.equalsIgnoreCase(Mailbox.INBOX) ? Mailbox.INBOX : name)
                .orElseThrow(() -> new IllegalArgumentException("no mailbox \"" + name + "\" of " + a.address()
                        + " (see the names with: tegami acl list " + a.address() + ")"));
    }

    static Account user(Store s, String address) {
        EmailAddress a = Cli.address(address);
        return s.accounts().user(a).orElseThrow(() -> new IllegalArgumentException("no user " + a));
    }

    /** {@code anyone} (empty) or a user other than the owner. */
    static Optional<AccountId> grantee(Store s, Mailbox mb, String identifier) {
        if (identifier.equalsIgnoreCase(AclEntry.ANYONE)) return Optional.empty();
        Account g = user(s, identifier);
        if (g.id().equals(mb.account())) throw new IllegalArgumentException("the owner always has every right");
        return Optional.of(g.id());
    }

    static String describe(List<AclEntry> acl) {
        if (acl.isEmpty()) return "not shared";
        StringBuilder sb = new StringBuilder();
        for (AclEntry e : acl) {
            sb.append(sb.isEmpty() ? "" : ", ").append(e.identifier()).append(' ').append(Rights.of(e.rights()).wire());
        }
        return sb.toString();
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Grant rights on a mailbox. " + RIGHTS_HELP)
    static final class Set implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "OWNER", description = "The mailbox owner's address.") String owner;
        @Parameters(index = "1", paramLabel = "MAILBOX", description = "The mailbox name, e.g. INBOX or Projects/2026.")
        String name;
        @Parameters(index = "2", paramLabel = "USER", description = "The address of the user to grant, or anyone.")
        String identifier;
        @Parameters(index = "3", paramLabel = "RIGHTS", description = "e.g. lrs, +w, -x") String rights;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                Mailbox mb = mailbox(s, owner, name);
                Optional<AccountId> who = grantee(s, mb, identifier);
                char op = rights.isEmpty() ? '=' : rights.charAt(0);
                Rights given = Rights.parse(op == '+' || op == '-' ? rights.substring(1) : rights);
                Rights current = Rights.of(s.mail().acl(mb.id()).stream().filter(e -> e.grantee().equals(who))
                        .map(AclEntry::rights).findFirst().orElse(""));
                Rights next = op == '+' ? current.plus(given) : op == '-' ? current.minus(given) : given;
                s.mail().setRights(mb.id(), who, next.letters());
                System.out.println(mb.name() + " of " + owner + ": " + describe(s.mail().acl(mb.id())));
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Take away every right a user (or anyone) has on a mailbox.")
    static final class Remove implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "OWNER") String owner;
        @Parameters(index = "1", paramLabel = "MAILBOX") String name;
        @Parameters(index = "2", paramLabel = "USER", description = "A user's address, or anyone.") String identifier;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                Mailbox mb = mailbox(s, owner, name);
                s.mail().setRights(mb.id(), grantee(s, mb, identifier), "");
                System.out.println(mb.name() + " of " + owner + ": " + describe(s.mail().acl(mb.id())));
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Show who may use a user's mailboxes.")
    static final class ListAcl implements Runnable {
        @Mixin Cli.ConfigOption config;
        @Parameters(index = "0", paramLabel = "OWNER") String owner;
        @Parameters(index = "1", paramLabel = "MAILBOX", arity = "0..1", description = "One mailbox (default: all).")
        String name;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                List<Mailbox> boxes = name != null ? List.of(mailbox(s, owner, name)) : s.mail().mailboxes(user(s, owner).id());
                for (Mailbox mb : boxes) System.out.println(mb.name() + ": " + describe(s.mail().acl(mb.id())));
            }
        }
    }
}
