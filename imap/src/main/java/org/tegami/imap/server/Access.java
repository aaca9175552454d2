package org.tegami.imap.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.imap.proto.MailboxName;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.AclEntry;
import org.tegami.store.MailboxDirectory;
import org.tegami.store.Mailbox;

/**
 * Who may do what to which mailbox (IMAP ACL, RFC 4314) and the names of other users' mailboxes: a mailbox that
 * alice shares with bob is {@code Other Users/alice@example.com/Work} for him (the "other users" namespace of RFC
 * 2342). Every command that takes a mailbox name resolves it here; a mailbox on which the user has no right at
 * all does not exist for them, with the same answer as one that does not exist (RFC 4314 §6).
 *
 * The ACL commands themselves are {@link AclCommands}.
 */
final class Access {
    static final String OTHER_USERS = "Other Users";
    static final String PREFIX = OTHER_USERS + MailboxCommands.SEPARATOR;

    /**
     * A mailbox as one user sees it.
     *
     * @param name   the name this user knows it by
     * @param rights this user's rights on it
     */
    record Target(Mailbox mailbox, String name, Rights rights) {
        boolean own() {
            return rights == Rights.OWNER;
        }
    }

    /** Where a name in the other-users namespace points: the owner, and the mailbox name in their account. */
    record Location(Account owner, String name) {
        String display(String mailbox) {
            return PREFIX + owner.address() + MailboxCommands.SEPARATOR + mailbox;
        }
    }

    private final ImapSession s;

    Access(ImapSession session) {
        this.s = session;
    }

    private MailboxDirectory store() {
        return s.env.store().mail();
    }

    /** Whether a name lies in the other-users namespace (and so can never be one of the user's own mailboxes). */
    static boolean isShared(String name) {
        return name.equals(OTHER_USERS) || name.startsWith(PREFIX);
    }

    /** The mailbox a name refers to, if it exists for this user. */
    Optional<Target> find(String name) {
        if (!isShared(name)) {
            return store().mailbox(s.account().id(), name).map(mb -> new Target(mb, mb.name(), Rights.OWNER));
        }
        Optional<Location> at = locate(name);
        if (at.isEmpty()) return Optional.empty();
        return store().mailbox(at.get().owner().id(), at.get().name()).flatMap(mb -> {
            Rights r = rightsOf(mb);
            return r.visible() ? Optional.of(new Target(mb, at.get().display(mb.name()), r)) : Optional.empty();
        });
    }

    /**
     * Splits {@code Other Users/alice@example.com/Work/2026} into alice's account and {@code Work/2026}; empty
     * when the name is not of that form, names no user, or names the user themself.
     */
    Optional<Location> locate(String name) {
        if (!name.startsWith(PREFIX)) return Optional.empty();
        int at = name.indexOf('@', PREFIX.length());
        int slash = at < 0 ? -1 : name.indexOf(MailboxCommands.SEPARATOR, at);
        if (slash < 0 || slash == name.length() - 1) return Optional.empty();
        Optional<Account> owner = EmailAddress.parse(name.substring(PREFIX.length(), slash))
                .flatMap(a -> s.env.store().accounts().user(a));
        if (owner.isEmpty() || owner.get().id().equals(s.account().id())) return Optional.empty();
        String rest = name.substring(slash + 1);
        if (rest.regionMatches(true, 0, Mailbox.INBOX, 0, 5) && (rest.length() == 5 || rest.charAt(5) == MailboxCommands.SEPARATOR)) {
            rest = Mailbox.INBOX + rest.substring(5);
        }
        return Optional.of(new Location(owner.get(), MailboxName.normalize(rest)));
    }

    /** This user's rights on a mailbox: all on their own, else what the ACL grants them and anyone. */
    Rights rightsOf(Mailbox mb) {
        if (mb.account().equals(s.account().id())) return Rights.OWNER;
        StringBuilder letters = new StringBuilder();
        for (AclEntry e : store().acl(mb.id())) {
            if (e.grantee().isEmpty() || e.grantee().get().equals(s.account().id())) letters.append(e.rights());
        }
        return Rights.of(letters.toString());
    }

    /**
     * The mailbox a name refers to when the user has {@code right} on it; otherwise answers NONEXISTENT (it does not
     * exist for them) or NOPERM (it exists for them, but that right is missing) and returns empty.
     */
    Optional<Target> require(String tag, String name, char right) throws IOException {
        Optional<Target> t = find(name);
        return refuse(tag, t, right) ? Optional.empty() : t;
    }

    /**
     * Answers NONEXISTENT or NOPERM, as {@link #require} does, for a mailbox {@link #find} gave; true when it did
     * (the command ends there).
     */
    boolean refuse(String tag, Optional<Target> t, char right) throws IOException {
        if (t.isEmpty()) {
            s.out().no(tag, ResponseCode.Atom.NONEXISTENT, "No such mailbox");
            return true;
        }
        if (!t.get().rights().has(right)) {
            s.out().no(tag, ResponseCode.Atom.NOPERM, denied(right));
            return true;
        }
        return false;
    }

    static String denied(char right) {
        return "Permission denied: that needs the " + right + " right (RFC 4314)";
    }

    /** A mailbox as LIST shows it to this user, and whether they subscribed to it. */
    record Listed(Target target, boolean subscribed) {
        String name() {
            return target.name();
        }

        Mailbox mailbox() {
            return target.mailbox();
        }

        Rights rights() {
            return target.rights();
        }
    }

    /**
     * Every mailbox this user may list: their own, then those other users share with them with the l right (RFC 4314
     * §4) under their other-users names. LIST, multi-mailbox ESEARCH and NOTIFY all start from this.
     */
    List<Listed> listable() {
        List<Listed> out = new ArrayList<>();
        for (Mailbox mb : store().mailboxes(s.account().id())) {
            out.add(new Listed(new Target(mb, mb.name(), Rights.OWNER), mb.subscribed()));
        }
        for (var m : store().sharedWith(s.account().id())) {
            Rights r = Rights.of(m.rights());
            if (!r.has('l')) continue;
            String name = PREFIX + m.owner() + MailboxCommands.SEPARATOR + m.mailbox().name();
            out.add(new Listed(new Target(m.mailbox(), name, r), m.subscribed()));
        }
        return out;
    }
}
