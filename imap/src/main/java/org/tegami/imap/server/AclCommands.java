package org.tegami.imap.server;

import java.io.IOException;
import java.util.Optional;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.AclEntry;
import org.tegami.store.MailboxDirectory;
import org.tegami.store.Mailbox;

/**
 * The ACL commands (RFC 4314 §3): SETACL, DELETEACL, GETACL, LISTRIGHTS and MYRIGHTS. Who may do what is decided
 * in {@link Access}; the owner always has every right and cannot be given or denied any.
 */
final class AclCommands {
    private final ImapSession s;

    AclCommands(ImapSession session) {
        this.s = session;
    }

    private MailboxDirectory store() {
        return s.env.store().mail();
    }

    void myRights(String tag, ImapCommand.MyRights c) throws IOException, ImapSyntaxException {
        Optional<Access.Target> t = s.access.find(s.mailboxName(tag, c.mailbox()));
        if (t.isEmpty()) {
            s.out().no(tag, ResponseCode.Atom.NONEXISTENT, "No such mailbox");
            return;
        }
        s.out().data("MYRIGHTS " + s.out().mailboxName(t.get().name()) + " " + t.get().rights().wire());
        s.out().ok(tag, "MYRIGHTS completed");
    }

    void getAcl(String tag, ImapCommand.GetAcl c) throws IOException, ImapSyntaxException {
        Optional<Access.Target> t = s.access.require(tag, s.mailboxName(tag, c.mailbox()), 'a');
        if (t.isEmpty()) return;
        StringBuilder sb = new StringBuilder("ACL ").append(s.out().mailboxName(t.get().name()));
        sb.append(' ').append(quoted(owner(t.get().mailbox()))).append(' ').append(Rights.OWNER.wire());
        for (AclEntry e : store().acl(t.get().mailbox().id())) {
            sb.append(' ').append(quoted(e.identifier())).append(' ').append(Rights.of(e.rights()).wire());
        }
        s.out().data(sb.toString());
        s.out().ok(tag, "GETACL completed");
    }

    void listRights(String tag, ImapCommand.ListRights c) throws IOException, ImapSyntaxException {
        Optional<Access.Target> t = s.access.require(tag, s.mailboxName(tag, c.mailbox()), 'a');
        if (t.isEmpty()) return;
        // RFC 4314 §3.7: the owner always has every right; anyone else can be granted each one alone
        String rights = c.identifier().equalsIgnoreCase(owner(t.get().mailbox())) ? Rights.OWNER.wire()
                : "\"\" " + String.join(" ", (Rights.ALL + "cd").split(""));
        s.out().data("LISTRIGHTS " + s.out().mailboxName(t.get().name()) + " " + quoted(c.identifier()) + " " + rights);
        s.out().ok(tag, "LISTRIGHTS completed");
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
        Optional<Access.Target> t = s.access.require(tag, s.mailboxName(tag, wire), 'a');
        if (t.isEmpty()) return;
        Optional<Optional<AccountId>> grantee = grantee(tag, identifier, t.get().mailbox());
        if (grantee.isEmpty()) return;
        Rights current = Rights.NONE;
        for (AclEntry e : store().acl(t.get().mailbox().id())) {
            if (e.grantee().equals(grantee.get())) current = Rights.of(e.rights());
        }
        store().setRights(t.get().mailbox().id(), grantee.get(), how.apply(current).letters());
        s.out().ok(tag, command + " completed");
    }

    /** The account an identifier names (empty for {@code anyone}); absent after answering NO. */
    private Optional<Optional<AccountId>> grantee(String tag, String identifier, Mailbox mb) throws IOException {
        if (identifier.equalsIgnoreCase(AclEntry.ANYONE)) return Optional.of(Optional.empty());
        if (identifier.startsWith("-")) {
            s.out().no(tag, ResponseCode.Atom.CANNOT, "Negative rights are not supported"); // RFC 4314 §2: optional
            return Optional.empty();
        }
        Optional<Account> user = EmailAddress.parse(identifier).flatMap(a -> s.env.store().accounts().user(a));
        if (user.isEmpty()) {
            s.out().no(tag, ResponseCode.Atom.CANNOT, "No such user; give a user's address or anyone");
            return Optional.empty();
        }
        if (user.get().id().equals(mb.account())) {
            s.out().no(tag, ResponseCode.Atom.CANNOT, "The owner always has every right");
            return Optional.empty();
        }
        return Optional.of(Optional.of(user.get().id()));
    }

    private String owner(Mailbox mb) {
        if (mb.account().equals(s.account().id())) return s.account().address().toString();
        return s.env.store().accounts().user(mb.account()).map(a -> a.address().toString()).orElse("");
    }

    private String quoted(String identifier) {
        return org.tegami.imap.proto.ImapWriter.astring(identifier, s.utf8());
    }
}
