package org.tegami.imap.server;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.LongFunction;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapResponse;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.imap.proto.SequenceSet;
import org.tegami.store.BlobStore;
import org.tegami.store.MessageWrites;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.ModSeq;
import org.tegami.store.Uid;

/** COPY (RFC 9051 §6.4.7) and MOVE (RFC 6851), with COPYUID (RFC 4315 §3). */
final class CopyMoveCommand {
    private final ImapSession s;

    CopyMoveCommand(ImapSession session) {
        this.s = session;
    }

    private MessageWrites store() {
        return s.env.store().mail();
    }

    void copy(String tag, SelectedMailbox sel, boolean uid, SequenceSet set, String wire, boolean move)
            throws IOException, ImapSyntaxException {
        String what = move ? "MOVE" : "COPY";
        BitSet seqs = sel.named(tag, uid, set);
        Optional<Access.Target> found = s.findMailbox(s.mailboxName(tag, wire));
        if (found.isEmpty()) {
            s.out().no(tag, ResponseCode.Atom.TRYCREATE, "No such mailbox");
            return;
        }
        Mailbox target = found.get().mailbox();
        if (move && sel.readOnly) {
            s.out().no(tag, ResponseCode.Atom.READ_ONLY, "Mailbox is read-only");
            return;
        }
        // RFC 4314 §4: i on the target; MOVE is COPY, STORE \Deleted and EXPUNGE (RFC 6851 §3.3): t and e here
        char missing = !found.get().rights().has('i') ? 'i' : move && !sel.rights().has('t') ? 't'
                : move && !sel.rights().has('e') ? 'e' : 0;
        if (missing != 0) {
            s.out().no(tag, ResponseCode.Atom.NOPERM, Access.denied(missing));
            return;
        }
        Set<Uid> uids = new HashSet<>();
        for (int i = seqs.nextSetBit(0); i >= 0; i = seqs.nextSetBit(i + 1)) uids.add(sel.get(i).uid());
        if (uids.isEmpty()) {
            s.sync(uid);
            s.out().ok(tag, what + " completed, nothing to do");
            return;
        }
        if (!move || !target.account().equals(sel.mailbox().account())) {
            long bytes = sel.details(seqs).values().stream().mapToLong(MessageMeta::size).sum();
            if (!s.fitsQuota(target, bytes, uids.size())) {
                // RFC 9208 §4.1.4; a MOVE within one account adds nothing
                s.out().no(tag, ResponseCode.Atom.OVERQUOTA, "Mailbox quota exceeded");
                return;
            }
        }
        // the keywords the copies may bring into the target, decided here: the filter below runs inside the store's
        // transaction, where the target's keywords cannot be read (RFC 9051 §6.4.7: flags SHOULD be preserved)
        Set<String> carried = new java.util.TreeSet<>();
        for (int i = seqs.nextSetBit(0); i >= 0; i = seqs.nextSetBit(i + 1)) {
            for (String f : sel.get(i).flags()) if (!f.startsWith("\\")) carried.add(f);
        }
        KeywordBudget budget = KeywordBudget.of(s, target);
        carried.removeIf(f -> !budget.admit(f));
        Rights rights = found.get().rights();
        MessageWrites.Append done = new Progress(s, tag, uids.size(), move ? "Still moving" : "Still copying")
                .during(() -> store().copyWithinQuota(sel.mailbox().id(), uids, target.id(), move,
                        f -> rights.mayChange(f) && (f.startsWith("\\") || carried.contains(f))));
        List<Long> from = new ArrayList<>();
        List<Long> to = new ArrayList<>();
        switch (done) {
            case MessageWrites.Append.Appended a -> {
                a.sources().forEach(u -> from.add(u.value()));
                a.uids().forEach(u -> to.add(u.value()));
            }
            case MessageWrites.OverQuota q -> { // RFC 9208 §5.1, decided in the store's transaction
                s.out().no(tag, ResponseCode.Atom.OVERQUOTA, "Mailbox quota exceeded");
                return;
            }
            case MessageWrites.Append.MailboxGone g -> {
                s.out().no(tag, ResponseCode.Atom.TRYCREATE, "No such mailbox");
                return;
            }
        }
        // RFC 4315 §3: COPYUID uidvalidity source-uids destination-uids, in the same order
        var copyUid = new ResponseCode.CopyUid(target.uidValidity(), Uids.list(from), Uids.list(to));
        if (move) {
            s.out().untagged(ImapResponse.Status.OK, copyUid, "Moved"); // RFC 6851 §4.3: before the EXPUNGE responses
            s.sync(true);
            s.out().ok(tag, "MOVE completed");
        } else {
            s.sync(uid);
            s.out().ok(tag, copyUid, "COPY completed");
        }
    }

}
