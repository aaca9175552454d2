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
import org.tegami.store.ReadGroup;
import org.tegami.store.MessageMeta;

/**
 * LIST (RFC 9051 §6.3.9, with LIST-EXTENDED: RFC 5258, LIST-STATUS: RFC 5819, SPECIAL-USE: RFC 6154, LIST-MYRIGHTS:
 * RFC 8440), LSUB (RFC 3501 §6.3.9) and NAMESPACE (RFC 2342).
 */
final class ListCommand {
    private static final char SEPARATOR = MailboxCommands.SEPARATOR;

    private final ImapSession s;
    private final StatusCommand status;

    ListCommand(ImapSession session, StatusCommand status) {
        this.s = session;
        this.status = status;
    }

    private MailboxDirectory store() {
        return s.env.store().mail();
    }

    /** RFC 2342 §5: the personal namespace, and the other users' mailboxes shared with this one (RFC 4314). */
    void namespace(String tag) throws IOException {
        s.out().data("NAMESPACE ((\"\" \"/\")) ((\"" + Access.PREFIX + "\" \"/\")) NIL");
        s.out().ok(tag, "NAMESPACE completed");
    }

    void list(String tag, ImapCommand.ListCmd c) throws IOException, ImapSyntaxException {
        Set<String> select = c.selectOptions();
        ImapCommand.ReturnOptions ret = c.returns();
        if (c.patterns().size() == 1 && c.patterns().getFirst().isEmpty() && select.isEmpty()) {
            // RFC 9051 §6.3.9: an empty pattern asks for the hierarchy delimiter
            s.out().listRoot();
            s.out().ok(tag, "LIST completed");
            return;
        }
        boolean subscribedOnly = select.contains("SUBSCRIBED");
        boolean specialOnly = select.contains("SPECIAL-USE");
        boolean showSubscribed = subscribedOnly || ret.subscribed();
        if (!patternsWithinLimit(tag, c.reference(), c.patterns())) return;
        boolean recursive = select.contains("RECURSIVEMATCH");
        List<ListPattern> patterns = new ArrayList<>();
        for (String p : c.patterns()) pattern(c.reference(), p).ifPresent(patterns::add);
        // The mailboxes, rights, subscriptions and each one's STATUS (RFC 5819) are read in one group: one read
        // transaction on PostgreSQL however many mailboxes are listed; the lines are written once it has ended.
        List<Line> lines = ReadGroup.run(() -> lines(patterns, subscribedOnly, specialOnly, showSubscribed, recursive, ret));
        for (Line l : lines) l.write();
        s.out().ok(tag, "LIST completed");
    }

    /** The lines of a LIST answer, with the reads they need (run in one {@link ReadGroup}). */
    private List<Line> lines(List<ListPattern> patterns, boolean subscribedOnly, boolean specialOnly,
                             boolean showSubscribed, boolean recursive, ImapCommand.ReturnOptions ret) {
        List<Line> pending = new ArrayList<>();
        // RFC 5819: the STATUS of every listed mailbox, their counters read together once the names are known
        Map<String, Mailbox> withStatus = new java.util.LinkedHashMap<>();
        Map<String, List<ResponseEncoder.StatusItem>> statuses = new java.util.HashMap<>();
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
            String extra = childInfo ? "\"CHILDINFO\" (\"SUBSCRIBED\")" : null;
            pending.add(() -> s.out().list("LIST", attrs, name, extra));
            if (!ret.status().isEmpty() && en.mailbox != null && en.rights.has('r')) { // RFC 5819 §2 with RFC 4314 §4
                withStatus.put(name, en.mailbox);
                pending.add(() -> s.out().status(name, statuses.get(name)));
            }
            if (ret.myRights() && en.mailbox != null) { // RFC 8440 §3
                String rights = en.rights.wire();
                pending.add(() -> s.out().data("MYRIGHTS " + s.out().mailboxName(name) + " " + rights));
            }
        }
        if (!withStatus.isEmpty()) {
            Map<org.tegami.store.MailboxId, org.tegami.store.MailboxReads.Counters> counters = StatusCommand.counted(ret.status())
                    ? s.env.store().mail().counters(withStatus.values().stream().map(Mailbox::id).toList()) : Map.of();
            withStatus.forEach((name, mb) -> statuses.put(name, status.statusItems(mb, ret.status(), counters.get(mb.id()))));
        }
        return pending;
    }

    /** A line of the LIST answer, written after the reads. */
    @FunctionalInterface
    private interface Line {
        void write() throws IOException;
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
                s.out().list("LSUB", en.specialUse().stream().toList(), name, null);
            } else if (en.subscribed) {
                // RFC 3501 §6.3.9: a subscribed name stays in LSUB though its mailbox is gone; it cannot be selected
                s.out().list("LSUB", List.of("\\Noselect"), name, null);
            } else if (hiddenSubscribedChild(tree, name, p.get())) {
                // RFC 3501 §6.3.9: "%" must return foo, flagged \Noselect, when foo/bar is subscribed but foo is not
                s.out().list("LSUB", List.of("\\Noselect"), name, null);
            }
        }
        s.out().ok(tag, "LSUB completed");
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
            for (String name : store().subscriptions(s.account().id())) {
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
            s.out().no(tag, ResponseCode.Atom.LIMIT, "LIST patterns are at most " + ImapLimits.LIST_PATTERN + " characters");
            return false;
        }
        if (wildcards > ImapLimits.LIST_WILDCARDS) {
            s.out().no(tag, ResponseCode.Atom.LIMIT, "LIST patterns have at most " + ImapLimits.LIST_WILDCARDS + " wildcards");
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
