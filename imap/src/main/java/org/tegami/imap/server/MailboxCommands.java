package org.tegami.imap.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapLimits;
import org.tegami.imap.proto.ImapResponse;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ListPattern;
import org.tegami.imap.proto.MailboxName;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.imap.proto.ResponseEncoder;
import org.tegami.store.MailboxDirectory;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;

/**
 * CREATE (RFC 9051 §6.3.4, with USE: RFC 6154 §3), DELETE (§6.3.5), RENAME (§6.3.6), SUBSCRIBE and UNSUBSCRIBE
 * (§6.3.7, §6.3.8). The hierarchy separator is {@code /}; names are stored in UTF-8.
 */
final class MailboxCommands {
    static final char SEPARATOR = '/';
    private static final Set<String> SPECIAL_USES = Set.of("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk",
            "\\Sent", "\\Trash");

    private final ImapSession s;

    MailboxCommands(ImapSession session) {
        this.s = session;
    }

    private MailboxDirectory store() {
        return s.env.store().mail();
    }

    void create(String tag, ImapCommand.Create c) throws IOException, ImapSyntaxException {
        String name = stripSeparator(s.mailboxName(tag, c.mailbox()));
        if (!validHierarchy(name)) throw new ImapSyntaxException(tag, "Invalid mailbox name", false);
        if (c.specialUse().size() > 1 || !c.specialUse().stream().allMatch(SPECIAL_USES::contains)) {
            s.out().no(tag, ResponseCode.Atom.USEATTR, "Only one of " + String.join(" ", new java.util.TreeSet<>(SPECIAL_USES))
                    + " may be given"); // RFC 6154 §3
            return;
        }
        if (s.findMailbox(name).isPresent()) {
            s.out().no(tag, ResponseCode.Atom.ALREADYEXISTS, "Mailbox already exists");
            return;
        }
        Optional<Place> place = place(tag, name);
        if (place.isEmpty() || overLimit(tag, place.get().name()) || !roomFor(tag, place.get(), true)) return;
        createParents(place.get());
        Optional<Mailbox> created = createQuietly(place.get().account(), place.get().name(), c.specialUse().stream().findFirst());
        if (created.isEmpty()) {
            s.out().no(tag, ResponseCode.Atom.ALREADYEXISTS, "Mailbox already exists");
            return;
        }
        s.out().ok(tag, new ResponseCode.MailboxId(ObjectIds.mailbox(created.get())), "CREATE completed"); // RFC 8474 §4.1
    }

    /**
     * Where a new mailbox name goes: the user's own account, or another user's when the name lies under
     * {@code Other Users/} and the user has the k right on the nearest existing parent there (RFC 4314 §4, CREATE
     * and RENAME). Absent after answering NO: the same NOPERM whether or not that user or parent exists.
     */
    private Optional<Place> place(String tag, String name) throws IOException {
        if (!Access.isShared(name)) return Optional.of(new Place(s.account().id(), name));
        Optional<Access.Location> at = s.access.locate(name);
        if (at.isPresent()) {
            String local = at.get().name();
            for (int i = local.lastIndexOf(SEPARATOR); i > 0; i = local.lastIndexOf(SEPARATOR, i - 1)) {
                Optional<Mailbox> parent = store().mailbox(at.get().owner().id(), local.substring(0, i));
                if (parent.isEmpty()) continue;
                if (s.access.rightsOf(parent.get()).has('k')) return Optional.of(new Place(at.get().owner().id(), local));
                break;
            }
        }
        s.out().no(tag, ResponseCode.Atom.NOPERM, Access.denied('k') + " on the parent mailbox");
        return Optional.empty();
    }

    /** A mailbox name in an account. */
    private record Place(org.tegami.store.AccountId account, String name) {}

    /**
     * Whether the owner's account has room for the parents of {@code place} that do not exist yet, and for the
     * mailbox itself when {@code itself}; otherwise answers NO [LIMIT] (RFC 5530 §3). The account is the owner's, so
     * a user with the k right on a shared mailbox cannot fill another user's account either: one CREATE of
     * a/a/a/... makes every level, and LIST, STATUS and NOTIFY walk them all.
     */
    private boolean roomFor(String tag, Place place, boolean itself) throws IOException {
        Set<String> existing = new java.util.HashSet<>();
        for (Mailbox mb : store().mailboxes(place.account())) existing.add(mb.name());
        int added = itself ? 1 : 0;
        String name = place.name();
        for (int i = name.indexOf(SEPARATOR); i > 0; i = name.indexOf(SEPARATOR, i + 1)) {
            if (!existing.contains(name.substring(0, i))) added++;
        }
        int max = s.env.limits().mailboxes();
        if ((long) existing.size() + added > max) {
            s.out().no(tag, ResponseCode.Atom.LIMIT, "At most " + max + " mailboxes per account");
            return false;
        }
        return true;
    }

    /** RFC 9051 §6.3.4 (CREATE) and §6.3.6 (RENAME): the superior names that do not exist yet are created. */
    private void createParents(Place place) {
        String name = place.name();
        for (int i = name.indexOf(SEPARATOR); i > 0; i = name.indexOf(SEPARATOR, i + 1)) {
            String parent = name.substring(0, i);
            if (store().mailbox(place.account(), parent).isEmpty()) createQuietly(place.account(), parent, Optional.empty());
        }
    }

    /**
     * The new mailbox, or empty when one of that name exists (perhaps just created by another session). It
     * inherits its parent's ACL (RFC 4314 §4, CREATE: SHOULD).
     */
    private Optional<Mailbox> createQuietly(org.tegami.store.AccountId account, String name, Optional<String> use) {
        Mailbox created = switch (store().create(account, name, use)) {
            case MailboxDirectory.Create.Created c -> c.mailbox();
            case MailboxDirectory.Create.AlreadyExists e -> null;
        };
        if (created == null) return Optional.empty();
        int up = name.lastIndexOf(SEPARATOR);
        if (up > 0) {
            store().mailbox(account, name.substring(0, up)).ifPresent(parent -> {
                for (var e : store().acl(parent.id())) store().setRights(created.id(), e.grantee(), e.rights());
            });
        }
        return Optional.of(created);
    }

    void delete(String tag, String wire) throws IOException, ImapSyntaxException {
        String name = stripSeparator(s.mailboxName(tag, wire));
        Optional<Access.Target> mb = s.access.require(tag, name, 'x'); // RFC 4314 §4
        if (mb.isEmpty()) return;
        if (mb.get().mailbox().name().equals(Mailbox.INBOX)) {
            s.out().no(tag, ResponseCode.Atom.CANNOT, "INBOX cannot be deleted"); // RFC 9051 §6.3.5
            return;
        }
        if (s.isSelected(mb.get().mailbox().id())) s.unselect();
        store().deleteMailbox(mb.get().mailbox().id());
        s.out().ok(tag, "DELETE completed");
    }

    void rename(String tag, String fromWire, String toWire) throws IOException, ImapSyntaxException {
        String from = stripSeparator(s.mailboxName(tag, fromWire));
        String to = stripSeparator(s.mailboxName(tag, toWire));
        if (!validHierarchy(to)) throw new ImapSyntaxException(tag, "Invalid mailbox name", false);
        Optional<Access.Target> source = s.access.require(tag, from, 'x'); // RFC 4314 §4: x on the old name
        if (source.isEmpty()) return;
        if (to.equals(Mailbox.INBOX) || s.findMailbox(to).isPresent()) {
            s.out().no(tag, ResponseCode.Atom.ALREADYEXISTS, "Target mailbox already exists");
            return;
        }
        Optional<Place> target = place(tag, to); // and k on the new parent
        if (target.isEmpty() || overLimit(tag, target.get().name())) return;
        if (!target.get().account().equals(source.get().mailbox().account())) {
            s.out().no(tag, ResponseCode.Atom.CANNOT, "Mailboxes cannot move between users");
            return;
        }
        // compared as resolved, not as typed: an address or INBOX in another case names the same mailbox
        String sourceName = source.get().mailbox().name();
        if (target.get().name().equals(sourceName) || target.get().name().startsWith(sourceName + SEPARATOR)) {
            s.out().no(tag, ResponseCode.Atom.CANNOT, "Cannot move a mailbox into itself");
            return;
        }
        // every mailbox below the old name moves below the new one and must fit the name limits there too; INBOX's
        // children stay where they are (RFC 9051 §6.3.6)
        if (!sourceName.equals(Mailbox.INBOX)) {
            for (Mailbox mb : store().mailboxes(target.get().account())) {
                if (mb.name().startsWith(sourceName + SEPARATOR)
                        && overLimit(tag, target.get().name() + mb.name().substring(sourceName.length()))) {
                    return;
                }
            }
        }
        // the moved children are already counted; renaming INBOX moves its messages into a new mailbox and keeps INBOX
        if (!roomFor(tag, target.get(), sourceName.equals(Mailbox.INBOX))) return;
        createParents(target.get());
        switch (store().rename(target.get().account(), source.get().mailbox().name(), target.get().name(), SEPARATOR)) {
            case MailboxDirectory.Rename.Renamed r -> s.out().ok(tag, "RENAME completed");
            case MailboxDirectory.Rename.TargetExists t ->
                    s.out().no(tag, ResponseCode.Atom.ALREADYEXISTS, "A mailbox below the new name already exists");
            // deleted or renamed by another session since it was looked up (RFC 9051 §7.1: NONEXISTENT)
            case MailboxDirectory.Rename.NotFound n -> s.out().no(tag, ResponseCode.Atom.NONEXISTENT, "No such mailbox");
        }
    }

    void subscribe(String tag, String wire, boolean on) throws IOException, ImapSyntaxException {
        String name = stripSeparator(s.mailboxName(tag, wire));
        if (!Access.isShared(name)) {
            // Own names are subscribed by name: RFC 9051 §6.3.7 allows a name no mailbox has (as Dovecot does), and
            // the subscription outlives DELETE and RENAME (LIST (SUBSCRIBED) shows it \NonExistent, RFC 5258 §3.1)
            String own = s.findMailbox(name).map(t -> t.mailbox().name()).orElse(name);
            if (!on && !store().subscriptions(s.account().id()).contains(own) && s.findMailbox(name).isEmpty()) {
                s.out().no(tag, ResponseCode.Atom.NONEXISTENT, "No such subscription"); // RFC 9051 §6.3.8
                return;
            }
            if (on && s.findMailbox(name).isEmpty() && !store().subscriptions(s.account().id()).contains(own)) {
                // a name no mailbox has costs a row too: bounded like names (length, depth) and like mailboxes (count)
                if (overLimit(tag, own)) return;
                Set<String> bare = new java.util.HashSet<>(store().subscriptions(s.account().id()));
                for (Mailbox mb : store().mailboxes(s.account().id())) bare.remove(mb.name());
                int max = s.env.limits().mailboxes();
                if (bare.size() >= max) {
                    s.out().no(tag, ResponseCode.Atom.LIMIT, "At most " + max + " subscriptions to names without a mailbox");
                    return;
                }
            }
            store().subscribe(s.account().id(), own, on);
            s.out().ok(tag, (on ? "SUBSCRIBE" : "UNSUBSCRIBE") + " completed");
            return;
        }
        Optional<Access.Target> mb = on ? s.access.require(tag, name, 'l') : s.findMailbox(name); // RFC 4314 §4
        if (mb.isEmpty()) {
            if (!on) s.out().no(tag, ResponseCode.Atom.NONEXISTENT, "No such mailbox");
            return;
        }
        if (mb.get().own()) store().subscribe(mb.get().mailbox().id(), on);
        else store().subscribeShared(s.account().id(), mb.get().mailbox().id(), on);
        s.out().ok(tag, (on ? "SUBSCRIBE" : "UNSUBSCRIBE") + " completed");
    }

    static String stripSeparator(String name) {
        // RFC 9051 §6.3.4: a trailing separator only says the client intends to create children
        return name.length() > 1 && name.charAt(name.length() - 1) == SEPARATOR ? name.substring(0, name.length() - 1) : name;
    }

    /** Refuses a new name beyond the length and depth limits (as stored: in its owner's account). */
    boolean overLimit(String tag, String name) throws IOException {
        String why = MailboxName.overLimit(name, SEPARATOR);
        if (why != null) s.out().no(tag, ResponseCode.Atom.LIMIT, why); // RFC 5530 §3
        return why != null;
    }

    /** No empty hierarchy levels and no wildcards (they would make the name unlistable). */
    private static boolean validHierarchy(String name) {
        return !name.startsWith("/") && !name.contains("//") && name.indexOf('*') < 0 && name.indexOf('%') < 0;
    }

}
