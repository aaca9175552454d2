package org.tegami.imap.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapResponse;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.ModSeq;
import org.tegami.store.ReadGroup;
import org.tegami.store.Uid;

/** SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3), with CONDSTORE and QRESYNC (RFC 7162 §3.1.8, §3.2.5). */
final class SelectCommand {
    private final ImapSession s;

    SelectCommand(ImapSession session) {
        this.s = session;
    }

    void select(String tag, String wire, boolean readOnly, boolean condstoreParam, Optional<ImapCommand.Qresync> qr)
            throws IOException, ImapSyntaxException {
        if (qr.isPresent() && !s.dialect().qresync()) {
            throw new ImapSyntaxException(tag, "QRESYNC parameter requires ENABLE QRESYNC first", false); // RFC 7162 §3.2.5
        }
        String name = s.mailboxName(tag, wire);
        if (s.selection().isPresent()) {
            s.unselect();
            s.out().untagged(ImapResponse.Status.OK, ResponseCode.Atom.CLOSED, "Previous mailbox closed"); // RFC 7162 §3.2.11, RFC 9051 §6.3.2
        }
        boolean rev1 = !s.dialect().rev2();
        boolean examine = readOnly;
        // Everything SELECT reads (the mailbox and the rights on it, its messages, the \Recent floor, QRESYNC's
        // changes) in one group: one read transaction on PostgreSQL, one snapshot, and nothing written to the
        // client while it is open.
        Opened o = ReadGroup.run(() -> open(name, examine, rev1, qr));
        if (s.access.refuse(tag, o.found(), 'r')) return; // RFC 4314 §4
        if (condstoreParam) s.dialect(s.dialect().withCondstore()); // RFC 7162 §3.1.8
        Rights rights = o.found().get().rights();
        SelectedMailbox sel = o.sel();
        readOnly = sel.readOnly; // RFC 4314 §5.2: also without the rights to change it
        s.selected(sel);
        Mailbox mb = sel.mailbox();
        List<String> flags = new ArrayList<>(Flags.SYSTEM);
        flags.addAll(sel.announced());
        var out = s.out();
        out.flags(flags);
        out.untagged(ImapResponse.Status.OK,
                new ResponseCode.PermanentFlags(Flags.permanent(rights, readOnly, sel.announced())), "Flags permitted");
        out.exists(sel.count());
        if (rev1) {
            out.recent(sel.recentCount());
            for (int i = 1; i <= sel.count(); i++) {
                if (!sel.get(i).flags().contains(Flags.SEEN)) {
                    out.untagged(ImapResponse.Status.OK, new ResponseCode.Unseen(i), "First unseen message");
                    break;
                }
            }
        }
        out.untagged(ImapResponse.Status.OK, new ResponseCode.UidValidity(mb.uidValidity()), "UIDs valid");
        out.untagged(ImapResponse.Status.OK, new ResponseCode.UidNext(mb.uidNext()), "Predicted next UID");
        // RFC 7162 §3.1.2.1
        out.untagged(ImapResponse.Status.OK, new ResponseCode.HighestModSeq(sel.highestModSeq().value()), "Highest");
        out.untagged(ImapResponse.Status.OK, new ResponseCode.MailboxId(ObjectIds.mailbox(mb)), "Ok"); // RFC 8474 §4.2
        if (s.dialect().rev2()) out.list("LIST", List.of(), sel.name(), null); // RFC 9051 §6.3.2
        if (o.changes() != null) resync(sel, qr.get(), o.changes());
        out.ok(tag, readOnly ? ResponseCode.Atom.READ_ONLY : ResponseCode.Atom.READ_WRITE,
                (examine ? "EXAMINE" : "SELECT") + " completed");
    }

    /**
     * What SELECT read: the mailbox if it exists for the user; the view when they may read it (its subscription
     * taken, to be closed by whoever drops it); QRESYNC's changes when asked for and the UIDVALIDITY matches.
     */
    private record Opened(Optional<Access.Target> found, SelectedMailbox sel, MailStore.MailboxChanges changes) {}

    /** The reads of SELECT, run inside one {@link ReadGroup}. */
    private Opened open(String name, boolean readOnly, boolean rev1, Optional<ImapCommand.Qresync> qr) {
        Optional<Access.Target> found = s.access.find(name);
        if (found.isEmpty() || !found.get().rights().has('r')) return new Opened(found, null, null);
        Rights rights = found.get().rights();
        SelectedMailbox sel = new SelectedMailbox(s.env.store().mail(), found.get().mailbox(), readOnly || !rights.readWrite()); // RFC 4314 §5.2
        try {
            sel.as(found.get().name(), rights);
            // RFC 3501 §2.3.2: SELECT claims the messages no session has seen yet (EXAMINE only looks); RFC 9051
            // removed \Recent, so an IMAP4rev2 session neither shows nor claims it
            if (rev1) sel.keepRecent();
            MailStore.MailboxChanges changes = null;
            if (qr.isPresent() && qr.get().uidValidity() == sel.mailbox().uidValidity()) {
                changes = s.env.store().mail().changesSince(sel.mailbox().id(), new ModSeq(qr.get().modSeq())).orElseThrow();
            }
            return new Opened(found, sel, changes);
        } catch (RuntimeException e) {
            sel.close();
            throw e;
        }
    }

    /** RFC 7162 §3.2.5.1: VANISHED (EARLIER) for what the client may still have, then FETCH for what changed. */
    private void resync(SelectedMailbox sel, ImapCommand.Qresync qr, MailStore.MailboxChanges changes) throws IOException {
        List<Long> vanished = new ArrayList<>();
        for (Uid u : changes.expunged()) {
            if (qr.knownUids().isEmpty() || qr.knownUids().get().contains(u.value(), Long.MAX_VALUE - 1)) {
                vanished.add(u.value());
            }
        }
        if (!vanished.isEmpty()) s.out().vanished(true, Uids.compact(vanished));
        for (MessageMeta m : changes.changed()) {
            int seq = sel.seqOf(m.uid().value());
            if (seq < 0) continue;
            MessageState now = sel.get(seq);
            s.out().flagsFetch(seq, now.uid().value(), true, sel.flagList(now), OptionalLong.of(now.modSeq().value()));
        }
    }
}
