package org.tegami.imap.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseEncoder;
import org.tegami.store.MailboxReads;
import org.tegami.store.Mailbox;
import org.tegami.store.ReadGroup;

/** STATUS (RFC 9051 §6.3.11), with SIZE (RFC 8438), HIGHESTMODSEQ (RFC 7162 §3.1.6) and MAILBOXID (RFC 8474 §4.3). */
final class StatusCommand {
    private final ImapSession s;

    StatusCommand(ImapSession session) {
        this.s = session;
    }

    private static final MailboxReads.Counters NONE = new MailboxReads.Counters(0, 0, 0, 0, 0);

    private MailboxReads store() {
        return s.env.store().mail();
    }

    void status(String tag, ImapCommand.Status c) throws IOException, ImapSyntaxException {
        String name = s.mailboxName(tag, c.mailbox());
        // the mailbox, the rights on it and its counters: one read transaction on PostgreSQL, one snapshot (UIDNEXT
        // and MESSAGES agree), and the answer written once it has ended
        record Read(Optional<Access.Target> found, List<ResponseEncoder.StatusItem> items) {}
        Read r = ReadGroup.run(() -> {
            Optional<Access.Target> found = s.access.find(name);
            return new Read(found, found.isPresent() && found.get().rights().has('r')
                    ? statusItems(found.get().mailbox(), c.items()) : null);
        });
        if (s.access.refuse(tag, r.found(), 'r')) return; // RFC 4314 §4
        if (c.items().contains("HIGHESTMODSEQ")) s.enableCondstore(); // RFC 7162 §3.1: a CONDSTORE enabling command
        s.out().status(r.found().get().name(), r.items());
        s.out().ok(tag, "STATUS completed");
    }

    /** RFC 9051 §6.3.11 status items, plus SIZE (RFC 8438) and HIGHESTMODSEQ (RFC 7162 §3.1.6). */
    List<ResponseEncoder.StatusItem> statusItems(Mailbox mb, List<String> items) {
        // counted by the store's database, not by reading every message (a STATUS of a large mailbox is frequent)
        return statusItems(mb, items, counted(items) ? store().counters(mb.id()).orElse(NONE) : NONE);
    }

    /** Whether any of the items needs the mailbox's {@link MailboxReads#counters}. */
    static boolean counted(List<String> items) {
        return items.stream().anyMatch(i -> Set.of("MESSAGES", "UNSEEN", "DELETED", "SIZE", "RECENT").contains(i));
    }

    /** The items of a mailbox whose counters were read already ({@code null}: the mailbox is gone, all zero). */
    List<ResponseEncoder.StatusItem> statusItems(Mailbox mb, List<String> items, MailboxReads.Counters counters) {
        MailboxReads.Counters n = counters == null ? NONE : counters;
        List<ResponseEncoder.StatusItem> out = new ArrayList<>();
        for (String item : items) {
            if (item.equals("MAILBOXID")) { // RFC 8474 §4.3
                out.add(new ResponseEncoder.StatusItem.MailboxId(ObjectIds.mailbox(mb)));
                continue;
            }
            long v = switch (item) {
                case "MESSAGES" -> n.messages();
                case "UIDNEXT" -> mb.uidNext();
                case "UIDVALIDITY" -> mb.uidValidity();
                case "UNSEEN" -> n.unseen();
                case "DELETED" -> n.deleted();
                case "SIZE" -> n.size();
                case "HIGHESTMODSEQ" -> mb.highestModSeq().value();
                // RFC 3501 §6.3.10: the messages no session has claimed as recent yet (RFC 9051 has no \Recent)
                case "RECENT" -> s.dialect().rev2() ? 0 : n.recent();
                case "APPENDLIMIT" -> s.env.maxMessageSize();
                default -> -1;
            };
            if (v >= 0) out.add(new ResponseEncoder.StatusItem.Number(item, v));
        }
        return out;
    }
}
