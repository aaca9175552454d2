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
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ListPattern;
import org.tegami.imap.proto.MailboxName;
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.Uid;

/**
 * Mailbox-level commands: SELECT/EXAMINE (with CONDSTORE and QRESYNC, RFC 7162), CREATE (with USE, RFC 6154),
 * DELETE, RENAME, SUBSCRIBE, LIST (LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, SPECIAL-USE RFC 6154), LSUB and
 * STATUS. The hierarchy separator is {@code /}; names are stored in UTF-8.
 */
final class Mailboxes {
    static final char SEPARATOR = '/';
    private static final Set<String> SPECIAL_USES = Set.of("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk",
            "\\Sent", "\\Trash");

    private final ImapSession s;

    Mailboxes(ImapSession session) {
        this.s = session;
    }

    private MailStore store() {
        return s.env.store().mail();
    }

    // --- SELECT / EXAMINE -------------------------------------------------------------------------------------

    void select(String tag, String wire, boolean readOnly, boolean condstoreParam, Optional<ImapCommand.Qresync> qr)
            throws IOException, ImapSyntaxException {
        if (qr.isPresent() && !s.qresync) {
            throw new ImapSyntaxException(tag, "QRESYNC parameter requires ENABLE QRESYNC first", false); // RFC 7162 §3.2.5
        }
        String name = s.mailboxName(tag, wire);
        if (s.selected != null) {
            s.unselect();
            s.send("* OK [CLOSED] Previous mailbox closed\r\n"); // RFC 7162 §3.2.11, RFC 9051 §6.3.2
        }
        Optional<Access.Target> found = s.access.require(tag, name, 'r'); // RFC 4314 §4
        if (found.isEmpty()) return;
        if (condstoreParam) s.condstore = true; // RFC 7162 §3.1.8
        Rights rights = found.get().rights();
        boolean examine = readOnly;
        readOnly |= !rights.readWrite(); // RFC 4314 §5.2
        SelectedMailbox sel = new SelectedMailbox(store(), found.get().mailbox(), readOnly);
        sel.as(found.get().name(), rights);
        s.selected = sel;
        Mailbox mb = sel.mailbox();
        List<String> flags = new ArrayList<>(Flags.SYSTEM);
        flags.addAll(sel.announced());
        s.send("* FLAGS " + Flags.list(flags) + "\r\n");
        s.send("* OK [PERMANENTFLAGS " + Flags.permanent(rights, readOnly, sel.announced()) + "] Flags permitted\r\n");
        s.send("* " + sel.count() + " EXISTS\r\n");
        if (!s.rev2) {
            // RFC 3501 §2.3.2: SELECT claims the messages no session has seen yet (EXAMINE only looks); RFC 9051
            // removed \Recent, so an IMAP4rev2 session neither shows nor claims it
            sel.keepRecent();
            s.send("* " + sel.recentCount() + " RECENT\r\n");
            for (int i = 1; i <= sel.count(); i++) {
                if (!sel.get(i).flags().contains(Flags.SEEN)) {
                    s.send("* OK [UNSEEN " + i + "] First unseen message\r\n");
                    break;
                }
            }
        }
        s.send("* OK [UIDVALIDITY " + mb.uidValidity() + "] UIDs valid\r\n");
        s.send("* OK [UIDNEXT " + mb.uidNext() + "] Predicted next UID\r\n");
        s.send("* OK [HIGHESTMODSEQ " + sel.highestModSeq().value() + "] Highest\r\n"); // RFC 7162 §3.1.2.1
        s.send("* OK [MAILBOXID (" + ObjectIds.mailbox(mb) + ")] Ok\r\n"); // RFC 8474 §4.2
        if (s.rev2) s.send("* LIST () \"/\" " + s.wireName(sel.name()) + "\r\n"); // RFC 9051 §6.3.2
        if (qr.isPresent() && qr.get().uidValidity() == mb.uidValidity()) resync(sel, qr.get());
        s.send(tag + " OK [" + (readOnly ? "READ-ONLY" : "READ-WRITE") + "] " + (examine ? "EXAMINE" : "SELECT")
                + " completed\r\n");
    }

    /** RFC 7162 §3.2.5.1: VANISHED (EARLIER) for what the client may still have, then FETCH for what changed. */
    private void resync(SelectedMailbox sel, ImapCommand.Qresync qr) throws IOException {
        var changes = store().changesSince(sel.mailbox().id(), new org.tegami.store.ModSeq(qr.modSeq())).orElseThrow();
        List<Long> vanished = new ArrayList<>();
        for (Uid u : changes.expunged()) {
            if (qr.knownUids().isEmpty() || qr.knownUids().get().contains(u.value(), Long.MAX_VALUE - 1)) {
                vanished.add(u.value());
            }
        }
        if (!vanished.isEmpty()) s.send("* VANISHED (EARLIER) " + Uids.compact(vanished) + "\r\n");
        for (MessageMeta m : changes.changed()) {
            int seq = sel.seqOf(m.uid().value());
            if (seq < 0) continue;
            MessageState now = sel.get(seq);
            s.send("* " + SelectedMailbox.fetchStart(seq, now.uid(), true, s.uidOnly) + "FLAGS " + sel.flagList(now)
                    + " MODSEQ (" + now.modSeq().value() + "))\r\n");
        }
    }

    // --- CREATE / DELETE / RENAME / SUBSCRIBE -----------------------------------------------------------------

    void create(String tag, ImapCommand.Create c) throws IOException, ImapSyntaxException {
        String name = stripSeparator(s.mailboxName(tag, c.mailbox()));
        if (!validHierarchy(name)) throw new ImapSyntaxException(tag, "Invalid mailbox name", false);
        if (c.specialUse().size() > 1 || !c.specialUse().stream().allMatch(SPECIAL_USES::contains)) {
            s.send(tag + " NO [USEATTR] Only one of " + String.join(" ", new java.util.TreeSet<>(SPECIAL_USES))
                    + " may be given\r\n"); // RFC 6154 §3
            return;
        }
        if (s.findMailbox(name).isPresent()) {
            s.send(tag + " NO [ALREADYEXISTS] Mailbox already exists\r\n");
            return;
        }
        Optional<Place> place = place(tag, name);
        if (place.isEmpty() || overLimit(tag, place.get().name()) || !roomFor(tag, place.get(), true)) return;
        createParents(place.get());
        Optional<Mailbox> created = createQuietly(place.get().account(), place.get().name(), c.specialUse().stream().findFirst());
        if (created.isEmpty()) {
            s.send(tag + " NO [ALREADYEXISTS] Mailbox already exists\r\n");
            return;
        }
        s.send(tag + " OK [MAILBOXID (" + ObjectIds.mailbox(created.get()) + ")] CREATE completed\r\n"); // RFC 8474 §4.1
    }

    /**
     * Where a new mailbox name goes: the user's own account, or another user's when the name lies under
     * {@code Other Users/} and the user has the k right on the nearest existing parent there (RFC 4314 §4, CREATE
     * and RENAME). Absent after answering NO: the same NOPERM whether or not that user or parent exists.
     */
    private Optional<Place> place(String tag, String name) throws IOException {
        if (!Access.isShared(name)) return Optional.of(new Place(s.account.id(), name));
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
        s.send(tag + " NO [NOPERM] " + Access.denied('k') + " on the parent mailbox\r\n");
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
            s.send(tag + " NO [LIMIT] At most " + max + " mailboxes per account\r\n");
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
        Mailbox created;
        try {
            created = store().createMailbox(account, name, use);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
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
            s.send(tag + " NO [CANNOT] INBOX cannot be deleted\r\n"); // RFC 9051 §6.3.5
            return;
        }
        if (s.selected != null && s.selected.mailbox().id().equals(mb.get().mailbox().id())) s.unselect();
        store().deleteMailbox(mb.get().mailbox().id());
        s.ok(tag, "DELETE completed");
    }

    void rename(String tag, String fromWire, String toWire) throws IOException, ImapSyntaxException {
        String from = stripSeparator(s.mailboxName(tag, fromWire));
        String to = stripSeparator(s.mailboxName(tag, toWire));
        if (!validHierarchy(to)) throw new ImapSyntaxException(tag, "Invalid mailbox name", false);
        Optional<Access.Target> source = s.access.require(tag, from, 'x'); // RFC 4314 §4: x on the old name
        if (source.isEmpty()) return;
        if (to.equals(Mailbox.INBOX) || s.findMailbox(to).isPresent()) {
            s.send(tag + " NO [ALREADYEXISTS] Target mailbox already exists\r\n");
            return;
        }
        Optional<Place> target = place(tag, to); // and k on the new parent
        if (target.isEmpty() || overLimit(tag, target.get().name())) return;
        if (!target.get().account().equals(source.get().mailbox().account())) {
            s.send(tag + " NO [CANNOT] Mailboxes cannot move between users\r\n");
            return;
        }
        // compared as resolved, not as typed: an address or INBOX in another case names the same mailbox
        String sourceName = source.get().mailbox().name();
        if (target.get().name().equals(sourceName) || target.get().name().startsWith(sourceName + SEPARATOR)) {
            s.send(tag + " NO [CANNOT] Cannot move a mailbox into itself\r\n");
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
        try {
            store().renameMailbox(target.get().account(), source.get().mailbox().name(), target.get().name(), SEPARATOR);
        } catch (IllegalArgumentException e) {
            s.send(tag + " NO [ALREADYEXISTS] A mailbox below the new name already exists\r\n");
            return;
        }
        s.ok(tag, "RENAME completed");
    }

    void subscribe(String tag, String wire, boolean on) throws IOException, ImapSyntaxException {
        String name = stripSeparator(s.mailboxName(tag, wire));
        if (!Access.isShared(name)) {
            // Own names are subscribed by name: RFC 9051 §6.3.7 allows a name no mailbox has (as Dovecot does), and
            // the subscription outlives DELETE and RENAME (LIST (SUBSCRIBED) shows it \NonExistent, RFC 5258 §3.1)
            String own = s.findMailbox(name).map(t -> t.mailbox().name()).orElse(name);
            if (!on && !store().subscriptions(s.account.id()).contains(own) && s.findMailbox(name).isEmpty()) {
                s.send(tag + " NO [NONEXISTENT] No such subscription\r\n"); // RFC 9051 §6.3.8
                return;
            }
            if (on && s.findMailbox(name).isEmpty() && !store().subscriptions(s.account.id()).contains(own)) {
                // a name no mailbox has costs a row too: bounded like names (length, depth) and like mailboxes (count)
                if (overLimit(tag, own)) return;
                Set<String> bare = new java.util.HashSet<>(store().subscriptions(s.account.id()));
                for (Mailbox mb : store().mailboxes(s.account.id())) bare.remove(mb.name());
                int max = s.env.limits().mailboxes();
                if (bare.size() >= max) {
                    s.send(tag + " NO [LIMIT] At most " + max + " subscriptions to names without a mailbox\r\n");
                    return;
                }
            }
            store().subscribe(s.account.id(), own, on);
            s.ok(tag, (on ? "SUBSCRIBE" : "UNSUBSCRIBE") + " completed");
            return;
        }
        Optional<Access.Target> mb = on ? s.access.require(tag, name, 'l') : s.findMailbox(name); // RFC 4314 §4
        if (mb.isEmpty()) {
            if (!on) s.send(tag + " NO [NONEXISTENT] No such mailbox\r\n");
            return;
        }
        if (mb.get().own()) store().subscribe(mb.get().mailbox().id(), on);
        else store().subscribeShared(s.account.id(), mb.get().mailbox().id(), on);
        s.ok(tag, (on ? "SUBSCRIBE" : "UNSUBSCRIBE") + " completed");
    }

    private static String stripSeparator(String name) {
        // RFC 9051 §6.3.4: a trailing separator only says the client intends to create children
        return name.length() > 1 && name.charAt(name.length() - 1) == SEPARATOR ? name.substring(0, name.length() - 1) : name;
    }

    /** Refuses a new name beyond the length and depth limits (as stored: in its owner's account). */
    private boolean overLimit(String tag, String name) throws IOException {
        String why = MailboxName.overLimit(name, SEPARATOR);
        if (why != null) s.send(tag + " NO [LIMIT] " + why + "\r\n"); // RFC 5530 §3
        return why != null;
    }

    /** No empty hierarchy levels and no wildcards (they would make the name unlistable). */
    private static boolean validHierarchy(String name) {
        return !name.startsWith("/") && !name.contains("//") && name.indexOf('*') < 0 && name.indexOf('%') < 0;
    }

    // --- QUOTA (RFC 9208): one quota root, "", per user, set by the administrator ----------------------------

    void quotaRoot(String tag, String wire) throws IOException, ImapSyntaxException {
        String name = s.mailboxName(tag, wire);
        Optional<Access.Target> mb = s.findMailbox(name);
        if (mb.isEmpty()) {
            s.send(tag + " NO [NONEXISTENT] No such mailbox\r\n");
            return;
        }
        // another user's mailbox counts against their quota, which is theirs to see: no root is named
        var quota = mb.get().own() ? s.env.store().accounts().quota(s.account.id()) : Optional.<org.tegami.store.Quota>empty();
        s.send("* QUOTAROOT " + s.wireName(name) + (quota.isPresent() ? " \"\"" : "") + "\r\n");
        if (quota.isPresent()) s.send(quotaLine(quota.get()));
        s.ok(tag, "GETQUOTAROOT completed");
    }

    void quota(String tag, String root) throws IOException {
        var quota = s.env.store().accounts().quota(s.account.id());
        if (!root.isEmpty() || quota.isEmpty()) {
            s.send(tag + " NO [NONEXISTENT] No such quota root\r\n");
            return;
        }
        s.send(quotaLine(quota.get()));
        s.ok(tag, "GETQUOTA completed");
    }

    /** RFC 9208 §5.1: only the resources that have a limit. */
    private static String quotaLine(org.tegami.store.Quota q) {
        List<String> r = new ArrayList<>();
        q.storageKib().ifPresent(l -> r.add("STORAGE " + q.usedKib() + " " + l));
        q.messages().ifPresent(l -> r.add("MESSAGE " + q.usedMessages() + " " + l));
        return "* QUOTA \"\" (" + String.join(" ", r) + ")\r\n";
    }

    // --- LIST / LSUB / STATUS ---------------------------------------------------------------------------------

    void list(String tag, ImapCommand.ListCmd c) throws IOException, ImapSyntaxException {
        Set<String> select = c.selectOptions();
        ImapCommand.ReturnOptions ret = c.returns();
        if (c.patterns().size() == 1 && c.patterns().getFirst().isEmpty() && select.isEmpty()) {
            // RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter
            s.send("* LIST (\\Noselect) \"/\" \"\"\r\n");
            s.ok(tag, "LIST completed");
            return;
        }
        boolean subscribedOnly = select.contains("SUBSCRIBED");
        boolean specialOnly = select.contains("SPECIAL-USE");
        boolean showSubscribed = subscribedOnly || ret.subscribed();
        if (!patternsWithinLimit(tag, c.reference(), c.patterns())) return;
        boolean recursive = select.contains("RECURSIVEMATCH");
        List<ListPattern> patterns = new ArrayList<>();
        for (String p : c.patterns()) pattern(c.reference(), p).ifPresent(patterns::add);
        Map<String, Entry> tree = tree(subscribedOnly);
        for (Map.Entry<String, Entry> e : tree.entrySet()) {
            String name = e.getKey();
            Entry en = e.getValue();
            if (patterns.stream().noneMatch(p -> p.matches(name))) continue;
            // RFC 5258 §3.5: with RECURSIVEMATCH a name is also returned when a child matches the selection, with
            // CHILDINFO ("SUBSCRIBED"), whether or not it matches itself; §3.1: SUBSCRIBED needs no existing mailbox
            boolean childInfo = recursive && subscribedOnly && subscribedBelow(tree, name);
            if (subscribedOnly && !en.subscribed && !childInfo) continue;
            if (specialOnly && en.specialUse().isEmpty()) continue;
            List<String> attrs = new ArrayList<>();
            if (en.mailbox == null && en.subscribed) {
                // RFC 5258 §3.1 and its §5 example: a subscribed name no mailbox has is listed "\Subscribed
                // \NonExistent" (RFC 9051 §7.3.1: which implies \Noselect); a name that is no mailbox has no
                // \HasNoChildren to tell
                attrs.add("\\Subscribed");
                attrs.add("\\NonExistent");
                if (en.children) attrs.add("\\HasChildren");
            } else {
                if (en.mailbox == null) {
                    attrs.add("\\Noselect"); // an implied parent of existing mailboxes
                } else {
                    en.specialUse().ifPresent(attrs::add);
                    if (showSubscribed && en.subscribed) attrs.add("\\Subscribed");
                }
                attrs.add(en.children ? "\\HasChildren" : "\\HasNoChildren");
            }
            s.send("* LIST (" + String.join(" ", attrs) + ") \"/\" " + s.wireName(name)
                    + (childInfo ? " (\"CHILDINFO\" (\"SUBSCRIBED\"))" : "") + "\r\n");
            if (!ret.status().isEmpty() && en.mailbox != null && en.rights.has('r')) { // RFC 5819 §2 with RFC 4314 §4
                s.send("* STATUS " + s.wireName(name) + " " + statusItems(en.mailbox, ret.status()) + "\r\n");
            }
            if (ret.myRights() && en.mailbox != null) { // RFC 8440 §3
                s.send("* MYRIGHTS " + s.wireName(name) + " " + en.rights.wire() + "\r\n");
            }
        }
        s.ok(tag, "LIST completed");
    }

    void lsub(String tag, ImapCommand.Lsub c) throws IOException {
        if (!patternsWithinLimit(tag, c.reference(), List.of(c.pattern()))) return;
        Optional<ListPattern> p = pattern(c.reference(), c.pattern());
        Map<String, Entry> tree = tree(true);
        for (Map.Entry<String, Entry> e : p.isEmpty() ? Map.<String, Entry>of().entrySet() : tree.entrySet()) {
            String name = e.getKey();
            Entry en = e.getValue();
            if (!p.get().matches(name)) continue;
            if (en.mailbox != null && en.subscribed) {
                s.send("* LSUB (" + en.specialUse().orElse("") + ") \"/\" " + s.wireName(name) + "\r\n");
            } else if (en.subscribed) {
                // RFC 3501 §6.3.9: a subscribed name stays in LSUB though its mailbox is gone; it cannot be selected
                s.send("* LSUB (\\Noselect) \"/\" " + s.wireName(name) + "\r\n");
            } else if (hiddenSubscribedChild(tree, name, p.get())) {
                // RFC 3501 §6.3.9: "%" must return foo, flagged \Noselect, when foo/bar is subscribed but foo is not
                s.send("* LSUB (\\Noselect) \"/\" " + s.wireName(name) + "\r\n");
            }
        }
        s.ok(tag, "LSUB completed");
    }

    /** Whether a mailbox below {@code name} is subscribed. */
    private static boolean subscribedBelow(Map<String, Entry> tree, String name) {
        return below(tree, name).anyMatch(en -> en.getValue().subscribed);
    }

    /** Whether a subscribed mailbox below {@code name} is one the pattern does not match (a "%" stops above it). */
    private static boolean hiddenSubscribedChild(Map<String, Entry> tree, String name, ListPattern p) {
        return below(tree, name).anyMatch(en -> en.getValue().subscribed && !p.matches(en.getKey()));
    }

    private static java.util.stream.Stream<Map.Entry<String, Entry>> below(Map<String, Entry> tree, String name) {
        String prefix = name + SEPARATOR;
        return tree.entrySet().stream().filter(en -> en.getKey().startsWith(prefix));
    }

    void status(String tag, ImapCommand.Status c) throws IOException, ImapSyntaxException {
        String name = s.mailboxName(tag, c.mailbox());
        Optional<Access.Target> mb = s.access.require(tag, name, 'r'); // RFC 4314 §4
        if (mb.isEmpty()) return;
        if (c.items().contains("HIGHESTMODSEQ")) s.enableCondstore(); // RFC 7162 §3.1: a CONDSTORE enabling command
        s.send("* STATUS " + s.wireName(mb.get().name()) + " " + statusItems(mb.get().mailbox(), c.items()) + "\r\n");
        s.ok(tag, "STATUS completed");
    }

    /** RFC 9051 §6.3.11 status items, plus SIZE (RFC 8438) and HIGHESTMODSEQ (RFC 7162 §3.1.6). */
    private String statusItems(Mailbox mb, List<String> items) {
        List<MessageMeta> msgs = items.stream().anyMatch(i -> Set.of("MESSAGES", "UNSEEN", "DELETED", "SIZE", "RECENT").contains(i))
                ? store().messages(mb.id()) : List.of();
        List<String> out = new ArrayList<>();
        for (String item : items) {
            if (item.equals("MAILBOXID")) { // RFC 8474 §4.3
                out.add("MAILBOXID (" + ObjectIds.mailbox(mb) + ")");
                continue;
            }
            long v = switch (item) {
                case "MESSAGES" -> msgs.size();
                case "UIDNEXT" -> mb.uidNext();
                case "UIDVALIDITY" -> mb.uidValidity();
                case "UNSEEN" -> msgs.stream().filter(m -> !m.flags().contains(Flags.SEEN)).count();
                case "DELETED" -> msgs.stream().filter(m -> m.flags().contains(Flags.DELETED)).count();
                case "SIZE" -> msgs.stream().mapToLong(MessageMeta::size).sum();
                case "HIGHESTMODSEQ" -> mb.highestModSeq().value();
                // RFC 3501 §6.3.10: the messages no session has claimed as recent yet (RFC 9051 has no \Recent)
                case "RECENT" -> {
                    if (s.rev2) yield 0;
                    long floor = store().recentFloor(mb.id());
                    yield msgs.stream().filter(m -> m.uid().value() >= floor).count();
                }
                case "APPENDLIMIT" -> s.env.maxMessageSize();
                default -> -1;
            };
            if (v >= 0) out.add(item + " " + v);
        }
        return "(" + String.join(" ", out) + ")";
    }

    /** A mailbox or an implied parent, whether anything lies below it, and the user's rights and subscription. */
    private static final class Entry {
        Mailbox mailbox;
        boolean children;
        Rights rights = Rights.NONE;
        boolean subscribed;

        /**
         * RFC 6154 attributes of the user's own mailboxes only: another user's Sent must not become a client's
         * Sent folder.
         */
        Optional<String> specialUse() {
            return mailbox == null || rights != Rights.OWNER ? Optional.empty() : mailbox.specialUse();
        }
    }

    /**
     * Every mailbox the user may list and every implied parent name, sorted: their own, then those other users
     * share with them under {@code Other Users/} (RFC 4314 §4: LIST needs l; a parent without it is only implied).
     */
    private Map<String, Entry> tree(boolean subscriptions) {
        Map<String, Entry> out = new TreeMap<>((a, b) -> a.equals(b) ? 0 : a.equals(Mailbox.INBOX) ? -1
                : b.equals(Mailbox.INBOX) ? 1 : a.compareTo(b));
        for (Access.Listed l : s.access.listable()) add(out, l.name(), l.mailbox(), l.rights(), l.subscribed());
        if (subscriptions) {
            // RFC 5258 §3.1 / RFC 9051 §6.3.7: subscribed names of one's own that no mailbox has (deleted, renamed
            // away, or never created) are listed too, for LSUB and LIST (SUBSCRIBED), until unsubscribed
            for (String name : store().subscriptions(s.account.id())) {
                Entry e = out.get(name);
                if (e != null && e.mailbox != null) continue;
                // its parents are listed as names (LSUB's \Noselect parents, RECURSIVEMATCH's CHILDINFO), but a name
                // no mailbox has is no child: \HasChildren speaks of mailboxes (RFC 5258 §4)
                e = out.computeIfAbsent(name, k -> new Entry());
                e.subscribed = true;
                for (int i = name.indexOf(SEPARATOR); i > 0; i = name.indexOf(SEPARATOR, i + 1)) {
                    out.computeIfAbsent(name.substring(0, i), k -> new Entry());
                }
            }
        }
        return out;
    }

    private static void add(Map<String, Entry> tree, String name, Mailbox mb, Rights rights, boolean subscribed) {
        Entry e = tree.computeIfAbsent(name, k -> new Entry());
        e.mailbox = mb;
        e.rights = rights;
        e.subscribed = subscribed;
        for (int i = name.indexOf(SEPARATOR); i > 0; i = name.indexOf(SEPARATOR, i + 1)) {
            tree.computeIfAbsent(name.substring(0, i), k -> new Entry()).children = true;
        }
    }

    /**
     * Whether the patterns, each with the reference, total at most {@link ImapLimits#LIST_PATTERN} characters and
     * {@link ImapLimits#LIST_WILDCARDS} wildcards; otherwise answers NO [LIMIT] (RFC 5530 §3). Matching is linear,
     * but every pattern is matched against every name, so the work is bounded by what one LIST may ask for.
     */
    private boolean patternsWithinLimit(String tag, String reference, List<String> patterns) throws IOException {
        long total = 0;
        long wildcards = 0;
        for (String p : patterns) {
            String full = reference + p;
            total += full.length();
            wildcards += full.chars().filter(ch -> ch == '*' || ch == '%').count();
        }
        if (total > ImapLimits.LIST_PATTERN) {
            s.send(tag + " NO [LIMIT] LIST patterns are at most " + ImapLimits.LIST_PATTERN + " characters\r\n");
            return false;
        }
        if (wildcards > ImapLimits.LIST_WILDCARDS) {
            s.send(tag + " NO [LIMIT] LIST patterns have at most " + ImapLimits.LIST_WILDCARDS + " wildcards\r\n");
            return false;
        }
        return true;
    }

    /**
     * A LIST pattern (RFC 9051 §6.3.9): reference and pattern joined, {@code *} matching anything and {@code %}
     * anything but the separator; {@code INBOX} matched case-insensitively.
     */
    private Optional<ListPattern> pattern(String reference, String pattern) {
        String full = reference + pattern;
        if (!s.utf8()) {
            try {
                full = MailboxName.decodeModifiedUtf7(full);
            } catch (IllegalArgumentException e) {
                // RFC 3501 §5.1.3: no name is encoded like that, so the pattern matches nothing; LIST still ends OK, as
                // Dovecot's does (its patterns are matched against the modified UTF-7 names)
                return Optional.empty();
            }
        }
        if (full.length() >= 5 && full.substring(0, 5).equalsIgnoreCase(Mailbox.INBOX)
                && (full.length() == 5 || "/*%".indexOf(full.charAt(5)) >= 0)) {
            full = Mailbox.INBOX + full.substring(5);
        }
        return Optional.of(ListPattern.of(full, SEPARATOR));
    }
}
