package org.tegami.imap.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.MailboxName;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.AclEntry;
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;

/**
 * Who may do what to which mailbox (IMAP ACL, RFC 4314) and the names of other users' mailboxes: a mailbox that
 * alice shares with bob is {@code Other Users/alice@example.com/Work} for him (the "other users" namespace of RFC
 * 2342). Every command that takes a mailbox name resolves it here; a mailbox on which the user has no right at
 * all does not exist for them, with the same answer as one that does not exist (RFC 4314 §6).
 *
 * <p>Also the ACL commands: SETACL, DELETEACL, GETACL, LISTRIGHTS and MYRIGHTS (RFC 4314 §3).
 */
final class Access {
    static final String OTHER_USERS = "Other Users";
    static final String PREFIX = OTHER_USERS + Mailboxes.SEPARATOR;

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
            return PREFIX + owner.address() + Mailboxes.SEPARATOR + mailbox;
        }
    }

    private final ImapSession s;

    Access(ImapSession session) {
        this.s = session;
    }

    private MailStore store() {
        return s.env.store().mail();
    }

    /** Whether a name lies in the other-users namespace (and so can never be one of the user's own mailboxes). */
    static boolean isShared(String name) {
        return name.equals(OTHER_USERS) || name.startsWith(PREFIX);
    }

    /** The mailbox a name refers to, if it exists for this user. */
    Optional<Target> find(String name) {
        if (!isShared(name)) {
            return store().mailbox(s.account.id(), name).map(mb -> new Target(mb, mb.name(), Rights.OWNER));
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
        int slash = at < 0 ? -1 : name.indexOf(Mailboxes.SEPARATOR, at);
        if (slash < 0 || slash == name.length() - 1) return Optional.empty();
        Optional<Account> owner = EmailAddress.parse(name.substring(PREFIX.length(), slash))
                .flatMap(a -> s.env.store().accounts().user(a));
        if (owner.isEmpty() || owner.get().id().equals(s.account.id())) return Optional.empty();
        String rest = name.substring(slash + 1);
        if (rest.regionMatches(true, 0, Mailbox.INBOX, 0, 5) && (rest.length() == 5 || rest.charAt(5) == Mailboxes.SEPARATOR)) {
            rest = Mailbox.INBOX + rest.substring(5);
        }
        return Optional.of(new Location(owner.get(), MailboxName.normalize(rest)));
    }

    /** This user's rights on a mailbox: all on their own, else what the ACL grants them and anyone. */
    Rights rightsOf(Mailbox mb) {
        if (mb.account().equals(s.account.id())) return Rights.OWNER;
        StringBuilder letters = new StringBuilder();
        for (AclEntry e : store().acl(mb.id())) {
            if (e.grantee().isEmpty() || e.grantee().get().equals(s.account.id())) letters.append(e.rights());
        }
        return Rights.of(letters.toString());
    }

    /**
     * The mailbox a name refers to when the user has {@code right} on it; otherwise answers NONEXISTENT (it does not
     * exist for them) or NOPERM (it exists for them, but that right is missing) and returns empty.
     */
    Optional<Target> require(String tag, String name, char right) throws IOException {
        Optional<Target> t = find(name);
        if (t.isEmpty()) {
            s.send(tag + " NO [NONEXISTENT] No such mailbox\r\n");
            return Optional.empty();
        }
        if (!t.get().rights().has(right)) {
            s.send(tag + " NO [NOPERM] " + denied(right) + "\r\n");
            return Optional.empty();
        }
        return t;
    }

    static String denied(char right) {
        return "Permission denied: that needs the " + right + " right (RFC 4314)";
    }

    // --- the ACL commands (RFC 4314 §3) -----------------------------------------------------------------------

    void myRights(String tag, ImapCommand.MyRights c) throws IOException, ImapSyntaxException {
        Optional<Target> t = find(s.mailboxName(tag, c.mailbox()));
        if (t.isEmpty()) {
            s.send(tag + " NO [NONEXISTENT] No such mailbox\r\n");
            return;
        }
        s.send("* MYRIGHTS " + s.wireName(t.get().name()) + " " + t.get().rights().wire() + "\r\n");
        s.ok(tag, "MYRIGHTS completed");
    }

    void getAcl(String tag, ImapCommand.GetAcl c) throws IOException, ImapSyntaxException {
        Optional<Target> t = require(tag, s.mailboxName(tag, c.mailbox()), 'a');
        if (t.isEmpty()) return;
        StringBuilder sb = new StringBuilder("* ACL ").append(s.wireName(t.get().name()));
        sb.append(' ').append(quoted(owner(t.get().mailbox()))).append(' ').append(Rights.OWNER.wire());
        for (AclEntry e : store().acl(t.get().mailbox().id())) {
            sb.append(' ').append(quoted(e.identifier())).append(' ').append(Rights.of(e.rights()).wire());
        }
        s.send(sb.append("\r\n").toString());
        s.ok(tag, "GETACL completed");
    }

    void listRights(String tag, ImapCommand.ListRights c) throws IOException, ImapSyntaxException {
        Optional<Target> t = require(tag, s.mailboxName(tag, c.mailbox()), 'a');
        if (t.isEmpty()) return;
        // RFC 4314 §3.7: the owner always has every right; anyone else can be granted each one alone
        String rights = c.identifier().equalsIgnoreCase(owner(t.get().mailbox())) ? Rights.OWNER.wire()
                : "\"\" " + String.join(" ", (Rights.ALL + "cd").split(""));
        s.send("* LISTRIGHTS " + s.wireName(t.get().name()) + " " + quoted(c.identifier()) + " " + rights + "\r\n");
        s.ok(tag, "LISTRIGHTS completed");
    }

    void setAcl(String tag, ImapCommand.SetAcl c) throws IOException, ImapSyntaxException {
        String mod = c.rights();
        char op = mod.isEmpty() ? '=' : mod.charAt(0);
        Rights given;
        try {
            given = Rights.parse(op == '+' || op == '-' ? mod.substring(1) : mod);
        } catch (IllegalArgumentException e) {
            throw new ImapSyntaxException(tag, e.getMessage(), false); // §3.1: unknown rights are BAD
        }
        change(tag, c.mailbox(), c.identifier(), current -> switch (op) {
            case '+' -> current.plus(given);
            case '-' -> current.minus(given);
            default -> given;
        }, "SETACL");
    }

    void deleteAcl(String tag, ImapCommand.DeleteAcl c) throws IOException, ImapSyntaxException {
        change(tag, c.mailbox(), c.identifier(), current -> Rights.NONE, "DELETEACL");
    }

    private void change(String tag, String wire, String identifier, java.util.function.UnaryOperator<Rights> how,
                        String command) throws IOException, ImapSyntaxException {
        if (identifier.isEmpty()) throw new ImapSyntaxException(tag, "Empty identifier", false); // §3
        Optional<Target> t = require(tag, s.mailboxName(tag, wire), 'a');
        if (t.isEmpty()) return;
        Optional<Optional<AccountId>> grantee = grantee(tag, identifier, t.get().mailbox());
        if (grantee.isEmpty()) return;
        Rights current = Rights.NONE;
        for (AclEntry e : store().acl(t.get().mailbox().id())) {
            if (e.grantee().equals(grantee.get())) current = Rights.of(e.rights());
        }
        store().setRights(t.get().mailbox().id(), grantee.get(), how.apply(current).letters());
        s.ok(tag, command + " completed");
    }

    /** The account an identifier names (empty for {@code anyone}); absent after answering NO. */
    private Optional<Optional<AccountId>> grantee(String tag, String identifier, Mailbox mb) throws IOException {
        if (identifier.equalsIgnoreCase(AclEntry.ANYONE)) return Optional.of(Optional.empty());
        if (identifier.startsWith("-")) {
            s.send(tag + " NO [CANNOT] Negative rights are not supported\r\n"); // RFC 4314 §2: optional
            return Optional.empty();
        }
        Optional<Account> user = EmailAddress.parse(identifier).flatMap(a -> s.env.store().accounts().user(a));
        if (user.isEmpty()) {
            s.send(tag + " NO [CANNOT] No such user; give a user's address or anyone\r\n");
            return Optional.empty();
        }
        if (user.get().id().equals(mb.account())) {
            s.send(tag + " NO [CANNOT] The owner always has every right\r\n");
            return Optional.empty();
        }
        return Optional.of(Optional.of(user.get().id()));
    }

    private String owner(Mailbox mb) {
        if (mb.account().equals(s.account.id())) return s.account.address().toString();
        return s.env.store().accounts().user(mb.account()).map(a -> a.address().toString()).orElse("");
    }

    private String quoted(String identifier) {
        return org.tegami.imap.proto.ImapWriter.astring(identifier, s.utf8());
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
        for (Mailbox mb : store().mailboxes(s.account.id())) {
            out.add(new Listed(new Target(mb, mb.name(), Rights.OWNER), mb.subscribed()));
        }
        for (var m : store().sharedWith(s.account.id())) {
            Rights r = Rights.of(m.rights());
            if (!r.has('l')) continue;
            String name = PREFIX + m.owner() + Mailboxes.SEPARATOR + m.mailbox().name();
            out.add(new Listed(new Target(m.mailbox(), name, r), m.subscribed()));
        }
        return out;
    }
}
