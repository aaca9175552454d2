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

/** CHECK, CLOSE and EXPUNGE (RFC 9051 §6.4.1–§6.4.3), UNSELECT (RFC 3691) and UID EXPUNGE (RFC 4315 §2.1). */
final class ExpungeCommands {
    private final ImapSession s;

    ExpungeCommands(ImapSession session) {
        this.s = session;
    }

    private MessageWrites store() {
        return s.env.store().mail();
    }

    /** RFC 9051 §6.4.1 CHECK: a NOOP here, as every change is already durable. */
    void check(String tag) throws IOException {
        s.sync(true);
        s.out().ok(tag, "CHECK completed");
    }

    /** RFC 3691: back to the authenticated state without expunging. */
    void unselect(String tag) throws IOException {
        s.unselect();
        s.out().ok(tag, "UNSELECT completed");
    }

    /** RFC 9051 §6.4.2: expunge silently when read-write, no EXPUNGE responses; RFC 4314 §4: only with e. */
    void close(String tag, SelectedMailbox sel) throws IOException {
        if (!sel.readOnly && sel.rights().has('e')) store().expungeDeleted(sel.mailbox().id(), Optional.empty());
        s.unselect();
        s.out().ok(tag, "CLOSE completed");
    }

    void expunge(String tag, SelectedMailbox sel, SequenceSet uids) throws IOException, ImapSyntaxException {
        if (sel.readOnly) {
            s.out().no(tag, ResponseCode.Atom.READ_ONLY, "Mailbox is read-only");
            return;
        }
        if (!sel.rights().has('e')) {
            s.out().no(tag, ResponseCode.Atom.NOPERM, Access.denied('e')); // RFC 4314 §4
            return;
        }
        Optional<Set<Uid>> within = Optional.empty();
        if (uids != null) {
            BitSet seqs = sel.named(tag, true, uids);
            Set<Uid> named = new HashSet<>();
            for (int i = seqs.nextSetBit(0); i >= 0; i = seqs.nextSetBit(i + 1)) named.add(sel.get(i).uid());
            within = Optional.of(named);
        }
        Optional<Set<Uid>> only = within;
        // the store decides what has \Deleted at commit time: the view here may be a moment behind another session
        new Progress(s, tag, 0, "Still expunging").during(() -> store().expungeDeleted(sel.mailbox().id(), only));
        s.sync(true);
        s.out().ok(tag, (uids == null ? "EXPUNGE" : "UID EXPUNGE") + " completed");
    }

}
