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
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.ModSeq;
import org.tegami.store.Uid;

/**
 * APPEND (RFC 9051 §6.3.12), MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469), with APPENDUID (RFC 4315 §3), TOOBIG
 * (RFC 7889) and OVERQUOTA (RFC 9208).
 */
final class AppendCommand {
    private final ImapSession s;
    private final CatenateCommand catenate;

    AppendCommand(ImapSession session) {
        this.s = session;
        this.catenate = new CatenateCommand(session);
    }

    private MessageWrites store() {
        return s.env.store().mail();
    }

    /**
     * APPEND, MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469), mixed as RFC 4469 §5 allows (its append-data extends
     * RFC 3502's append-message, so any message of a MULTIAPPEND may be a CATENATE one): every message is streamed
     * into a blob, then all are added in one transaction, so either all or none are stored (RFC 3502 §6.3.11), and
     * OK comes only once they are durable. A refusal of any message refuses the whole APPEND; it is sent instead of
     * the "+" of the next synchronizing literal (RFC 9051 §7.1, RFC 7888 §4), else once the command is read.
     */
    void append(String tag, ImapCommand first) throws IOException, ImapSyntaxException {
        String wire;
        Optional<Access.Target> target = Optional.empty();
        ImapResponse refusal = null;
        if (first instanceof ImapCommand.Append a) {
            if (a.utf8() && !s.dialect().utf8Accept()) {
                throw new ImapSyntaxException(tag, "APPEND UTF8 needs ENABLE UTF8=ACCEPT", a.nonSync()); // RFC 6855 §4
            }
            wire = a.mailbox();
            target = s.findMailbox(literalMailbox(tag, a));
        } else {
            wire = ((ImapCommand.Catenate) first).mailbox();
            try {
                target = s.findMailbox(s.mailboxName(tag, wire));
            } catch (ImapSyntaxException e) {
                refusal = ImapResponse.tagged(tag, e.refusal() ? ImapResponse.Status.NO : ImapResponse.Status.BAD, e.text());
            }
        }
        if (refusal == null && target.isEmpty()) refusal = no(tag, ResponseCode.Atom.TRYCREATE, "No such mailbox");
        if (refusal == null && !target.get().rights().has('i')) {
            refusal = no(tag, ResponseCode.Atom.NOPERM, Access.denied('i')); // RFC 4314 §4
        }
        Optional<Access.Target> into = target;
        Rights rights = target.map(Access.Target::rights).orElse(Rights.NONE);
        KeywordBudget keywords = target.map(t -> KeywordBudget.of(s, t.mailbox())).orElse(null);
        long max = s.env.maxMessageSize();
        List<BlobStore.BlobWriter> writers = new ArrayList<>();
        List<Received> received = new ArrayList<>();
        try {
            ImapCommand c = first;
            while (true) {
                long before = received.stream().mapToLong(Received::size).sum();
                int count = received.size() + 1;
                // why a message of n octets cannot be stored with those read before it: RFC 7889 TOOBIG, RFC 9208 §4.1.4
                LongFunction<ImapResponse> limit = n -> n > max
                        ? no(tag, ResponseCode.Atom.TOOBIG, "Message larger than " + max + " octets")
                        : !s.fitsQuota(into.get().mailbox(), before + n, count)
                        ? no(tag, ResponseCode.Atom.OVERQUOTA, "Mailbox quota exceeded") : null;
                BlobStore.BlobWriter w = s.env.store().blobs().create();
                writers.add(w);
                Optional<ImapCommand> more;
                switch (c) {
                    case ImapCommand.Append a -> {
                        if (a.literalSize() > max) refusal = limit.apply(a.literalSize()); // TOOBIG comes first
                        else if (refusal == null && !a.nonSync()) refusal = limit.apply(a.literalSize());
                        if (refusal != null && (!a.nonSync() || a.literalSize() > max)) {
                            // RFC 7888 §4 / RFC 9051 §7.1: refused before "+"; a non-synchronizing literal is on its way
                            s.out().send(refusal);
                            if (a.nonSync()) {
                                s.out().bye("Cannot skip a non-synchronizing literal that large");
                                s.endSession();
                            }
                            return;
                        }
                        Received r = receive(w, a, rights, keywords);
                        if (refusal == null && a.literalSize() == 0) refusal = ImapResponse.tagged(tag, ImapResponse.Status.NO, "Empty message");
                        if (refusal == null && a.nonSync()) refusal = limit.apply(a.literalSize());
                        received.add(r);
                        more = s.parser().appendNext(s.reader(), tag, wire, true, a.utf8());
                    }
                    case ImapCommand.Catenate k -> {
                        CatenateCommand.Built b = catenate.build(tag, k, w.stream(), refusal, limit);
                        if (b.answered()) return;
                        refusal = b.refusal();
                        if (refusal == null) received.add(new Received(w, b.size(), date(k.date()), flags(k.flags(), rights, keywords)));
                        more = k.parts().following();
                    }
                    default -> throw new IllegalStateException("not an APPEND message: " + c);
                }
                if (more.isEmpty()) break;
                c = more.get();
                if (c instanceof ImapCommand.Append a && a.utf8() && !s.dialect().utf8Accept()) {
                    throw new ImapSyntaxException(tag, "APPEND UTF8 needs ENABLE UTF8=ACCEPT", a.nonSync());
                }
            }
            if (refusal != null) {
                s.out().send(refusal); // RFC 3502 §6.3.11: none of the messages is stored
                return;
            }
            Mailbox mailbox = target.get().mailbox();
            // Only now are the blobs committed: a refused APPEND leaves nothing behind in the store.
            List<MailStore.NewMessage> batch = new ArrayList<>();
            for (Received r : received) batch.add(r.commit());
            // durable when it returns; the quota is decided inside the store's transaction (RFC 9208 §5.1), the check
            // above being only the early answer before "+"
            List<Uid> uids;
            switch (store().appendWithinQuota(mailbox.id(), batch)) {
                case MessageWrites.Append.Appended a -> uids = a.uids();
                case MessageWrites.OverQuota q -> {
                    s.out().send(no(tag, ResponseCode.Atom.OVERQUOTA, "Mailbox quota exceeded"));
                    return;
                }
                case MessageWrites.Append.MailboxGone g -> {
                    s.out().send(no(tag, ResponseCode.Atom.TRYCREATE, "No such mailbox"));
                    return;
                }
            }
            s.sync(true);
            // RFC 4315 §3 / RFC 3502 §6.3.11: APPENDUID uidvalidity uid-set
            s.out().ok(tag, new ResponseCode.AppendUid(mailbox.uidValidity(), Uids.compact(uids.stream().map(Uid::value).toList())),
                    "APPEND completed");
        } finally {
            writers.forEach(BlobStore.BlobWriter::close);
        }
    }

    /** A tagged NO decided before it can be sent. */
    static ImapResponse no(String tag, ResponseCode code, String text) {
        return ImapResponse.tagged(tag, ImapResponse.Status.NO, code, text);
    }

    /**
     * The target of an APPEND or REPLACE; a bad name ends the connection when a non-synchronizing literal is on its
     * way, since its octets would otherwise be read as commands (RFC 7888 §4).
     */
    String literalMailbox(String tag, ImapCommand.Append a) throws ImapSyntaxException {
        try {
            return s.mailboxName(tag, a.mailbox());
        } catch (ImapSyntaxException e) {
            throw e.refusal() ? ImapSyntaxException.refused(tag, e.text(), a.nonSync())
                    : new ImapSyntaxException(tag, e.text(), a.nonSync());
        }
    }

    static BitSet single(int seq) {
        BitSet b = new BitSet();
        b.set(seq);
        return b;
    }

    /**
     * Streams an APPEND literal into a blob and returns the message to store, with its date and the flags the
     * user's rights on the target let them set (RFC 4314 §4: the others are dropped, not refused), as far as the
     * target's keyword budget allows (RFC 9051 §6.3.12: the flags SHOULD be set; null when there is no target).
     */
    Received receive(BlobStore.BlobWriter w, ImapCommand.Append c, Rights rights, KeywordBudget keywords)
            throws IOException {
        try (InputStream in = s.reader().openLiteral(c.literalSize(), c.nonSync())) {
            in.transferTo(w.stream());
        }
        return new Received(w, c.literalSize(), date(c.date()), flags(c.flags(), rights, keywords));
    }

    /** The flags of a new message that the rights and the keyword budget let it have (null budget: none). */
    private static Set<String> flags(List<String> wanted, Rights rights, KeywordBudget keywords) {
        Set<String> flags = new LinkedHashSet<>();
        for (String f : wanted) {
            if (Flags.storable(f) && rights.mayChange(f) && keywords != null && keywords.admit(f)) flags.add(f);
        }
        return flags;
    }

    private Instant date(Optional<java.time.OffsetDateTime> date) {
        return date.map(d -> d.toInstant()).orElseGet(s.env.clock()::instant);
    }

    /** A message read into a blob not yet committed: committed only once it is sure to be stored. */
    record Received(BlobStore.BlobWriter writer, long size, Instant date, Set<String> flags) {
        MailStore.NewMessage commit() throws IOException {
            return new MailStore.NewMessage(writer.commit(), size, date, flags);
        }
    }

}
