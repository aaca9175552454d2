package org.tegami.imap.proto;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * NOTIFY (RFC 5465 §8): {@code NOTIFY NONE} or {@code NOTIFY SET [STATUS] (filter events) ...}. The rules of §5 and
 * §6.1 on which events go together are checked here (they are syntax: BAD); whether an event is supported is the
 * server's to answer (NO [BADEVENT]).
 */
final class NotifyParser {
    /** Event names as RFC 5465 spells them, by their upper-case form. */
    private static final Map<String, String> EVENTS = names("MessageNew", "MessageExpunge", "FlagChange",
            "AnnotationChange", "MailboxName", "SubscriptionChange", "MailboxMetadataChange", "ServerMetadataChange");
    private static final Set<String> MESSAGE_EVENTS = Set.of("MessageNew", "MessageExpunge", "FlagChange", "AnnotationChange");
    private static final Set<String> FILTERS = Set.of("selected", "selected-delayed", "inboxes", "personal", "subscribed",
            "subtree", "mailboxes");

    private NotifyParser() {}

    private static Map<String, String> names(String... names) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : names) m.put(n.toUpperCase(Locale.ROOT), n);
        return m;
    }

    static ImapCommand notify(ImapLexer lx) throws IOException, ImapSyntaxException {
        lx.sp();
        String mode = lx.atom().toUpperCase(Locale.ROOT);
        if (mode.equals("NONE")) return ImapParser.end(lx, new ImapCommand.Notify(false, List.of()));
        if (!mode.equals("SET")) throw lx.error("Expected NOTIFY SET or NOTIFY NONE");
        lx.sp();
        boolean status = false;
        if (lx.peek() != '(') {
            if (!lx.atom().equalsIgnoreCase("STATUS")) throw lx.error("Expected STATUS or an event group");
            status = true;
            lx.sp();
        }
        List<ImapCommand.EventGroup> groups = new ArrayList<>();
        boolean selectedSeen = false;
        do {
            ImapCommand.EventGroup g = group(lx);
            if (g.selected()) {
                if (selectedSeen) throw lx.error("Only one of SELECTED and SELECTED-DELAYED may be given"); // §6.1
                selectedSeen = true;
            }
            groups.add(g);
        } while (lx.tryChar(' '));
        return ImapParser.end(lx, new ImapCommand.Notify(status, groups));
    }

    private static ImapCommand.EventGroup group(ImapLexer lx) throws IOException, ImapSyntaxException {
        lx.open();
        String filter = lx.atom().toLowerCase(Locale.ROOT);
        if (!FILTERS.contains(filter)) throw lx.error("Unknown NOTIFY mailbox filter");
        List<String> boxes = List.of();
        if (filter.equals("subtree") || filter.equals("mailboxes")) {
            lx.sp();
            boxes = lx.oneOrMoreMailboxes();
        }
        lx.sp();
        List<String> events = new ArrayList<>();
        List<FetchItem> fetch = List.of();
        if (lx.tryOpen()) {
            do {
                String atom = lx.atom();
                String name = EVENTS.getOrDefault(atom.toUpperCase(Locale.ROOT), atom);
                if (name.equals("MessageNew") && lx.peek() == ' ' && lx.peekAt(1) == '(') {
                    lx.sp();
                    fetch = FetchParser.items(lx);
                }
                events.add(name);
            } while (lx.tryChar(' '));
            lx.close();
        } else if (!lx.atom().equalsIgnoreCase("NONE")) {
            throw lx.error("Expected a list of events or NONE");
        }
        lx.close();
        boolean selected = filter.startsWith("selected");
        // RFC 5465 §5: MessageNew and MessageExpunge go together for the selected mailbox, whose EXISTS and EXPUNGE
        // must stay consistent; for other mailboxes either alone is fine (§3.1's own example asks for
        // (subtree Lists (MessageNew)), and Dovecot accepts either alone there)
        if (selected && events.contains("MessageNew") != events.contains("MessageExpunge")) {
            throw lx.error("MessageNew and MessageExpunge must be given together for the selected mailbox");
        }
        if ((events.contains("FlagChange") || events.contains("AnnotationChange"))
                && !(events.contains("MessageNew") && events.contains("MessageExpunge"))) {
            throw lx.error("FlagChange needs MessageNew and MessageExpunge");
        }
        if (selected && !MESSAGE_EVENTS.containsAll(events.stream().filter(EVENTS::containsValue).toList())) {
            throw lx.error("Only message events apply to the selected mailbox"); // §6.1
        }
        if (!selected && !fetch.isEmpty()) throw lx.error("Fetch attributes only apply to the selected mailbox"); // §8
        return new ImapCommand.EventGroup(filter, boxes, events, fetch);
    }
}
