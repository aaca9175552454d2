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

/** REPLACE and UID REPLACE (RFC 8508). */
final class ReplaceCommand {
    private final ImapSession s;
    private final AppendCommand append;

    ReplaceCommand(ImapSession session, AppendCommand append) {
        this.s = session;
        this.append = append;
    }

    private MessageWrites store() {
        return s.env.store().mail();
    }

    /**
     * REPLACE and UID REPLACE (RFC 8508): the new message is appended and the old one expunged in one transaction;
     * APPENDUID comes untagged, then the EXPUNGE, then the tagged OK (§3.3).
     */
    void replace(String tag, SelectedMailbox sel, ImapCommand.Replace c) throws IOException, ImapSyntaxException {
        ImapCommand.Append a = c.message();
        if (!c.uid() && c.number() > sel.count()) throw new ImapSyntaxException(tag, "Invalid message sequence number", false);
        int seq = c.uid() ? sel.seqOf(c.number()) : (int) c.number();
        Optional<Access.Target> target = s.findMailbox(append.literalMailbox(tag, a));
        // RFC 8508 §3.4 with RFC 4314 §4: i on the target, and t and e to expunge the old message
        char missing = target.isPresent() && !target.get().rights().has('i') ? 'i' : !sel.rights().has('t') ? 't'
                : !sel.rights().has('e') ? 'e' : 0;
        ImapResponse refusal = a.literalSize() > s.env.maxMessageSize()
                ? AppendCommand.no(tag, ResponseCode.Atom.TOOBIG, "Message larger than " + s.env.maxMessageSize() + " octets")
                : sel.readOnly ? AppendCommand.no(tag, ResponseCode.Atom.READ_ONLY, "Mailbox is read-only")
                : seq < 1 ? AppendCommand.no(tag, ResponseCode.Atom.NONEXISTENT, "No such message")
                : target.isEmpty() ? AppendCommand.no(tag, ResponseCode.Atom.TRYCREATE, "No such mailbox")
                : missing != 0 ? AppendCommand.no(tag, ResponseCode.Atom.NOPERM, Access.denied(missing))
                : a.literalSize() == 0 ? ImapResponse.tagged(tag, ImapResponse.Status.NO, "Empty message") : null;
        if (refusal != null && (!a.nonSync() || a.literalSize() > s.env.maxMessageSize())) {
            s.out().send(refusal); // before "+": the client sends nothing more
            if (a.nonSync()) {
                s.out().bye("Cannot skip a non-synchronizing literal that large");
                s.endSession();
            }
            return;
        }
        try (BlobStore.BlobWriter w = s.env.store().blobs().create()) {
            AppendCommand.Received m = append.receive(w, a, target.map(Access.Target::rights).orElse(Rights.NONE),
                    target.map(t -> KeywordBudget.of(s, t.mailbox())).orElse(null));
            if (s.parser().appendEnd(s.reader(), tag, a.mailbox(), true, a.utf8()).isPresent()) {
                throw new ImapSyntaxException(tag, "REPLACE takes one message", true);
            }
            if (refusal == null) {
                boolean sameOwner = target.get().mailbox().account().equals(sel.mailbox().account());
                long old = sameOwner ? sel.details(AppendCommand.single(seq)).values().stream().mapToLong(MessageMeta::size).sum() : 0;
                if (!s.fitsQuota(target.get().mailbox(), m.size() - old, sameOwner ? 0 : 1)) {
                    refusal = AppendCommand.no(tag, ResponseCode.Atom.OVERQUOTA, "Mailbox quota exceeded");
                }
            }
            if (refusal != null) {
                s.out().send(refusal);
                return;
            }
            Uid uid;
            switch (store().replaceWithinQuota(sel.mailbox().id(), sel.get(seq).uid(), target.get().mailbox().id(), m.commit())) {
                case MessageWrites.Append.Appended done -> uid = done.uids().getFirst();
                case MessageWrites.OverQuota q -> { // RFC 9208 §5.1, decided in the store's transaction
                    s.out().send(AppendCommand.no(tag, ResponseCode.Atom.OVERQUOTA, "Mailbox quota exceeded"));
                    return;
                }
                case MessageWrites.Append.MailboxGone g -> {
                    s.out().send(AppendCommand.no(tag, ResponseCode.Atom.TRYCREATE, "No such mailbox"));
                    return;
                }
            }
            s.out().untagged(ImapResponse.Status.OK,
                    new ResponseCode.AppendUid(target.get().mailbox().uidValidity(), uid.toString()), "Replacement saved");
            s.sync(true);
            s.out().ok(tag, (c.uid() ? "UID REPLACE" : "REPLACE") + " completed");
        }
    }
}
