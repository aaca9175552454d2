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
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.LongFunction;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.SequenceSet;
import org.tegami.store.BlobStore;
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.ModSeq;
import org.tegami.store.Uid;

/**
 * APPEND, IDLE and the selected-state commands (RFC 9051 §6.4): CHECK, CLOSE, UNSELECT, EXPUNGE, UID EXPUNGE
 * (RFC 4315), STORE (with UNCHANGEDSINCE, RFC 7162), COPY and MOVE (RFC 6851) with COPYUID, CANCELUPDATE (RFC 5267
 * §4.2.1); FETCH and SEARCH are delegated to {@link Fetcher} and {@link Searcher}.
 */
final class MessageCommands {
    private static final Logger LOG = System.getLogger(MessageCommands.class.getName());

    private final ImapSession s;
    private final Fetcher fetcher;
    private final Searcher searcher;
    private final CatenateCommand catenate;

    MessageCommands(ImapSession session) {
        this.s = session;
        this.catenate = new CatenateCommand(session);
        this.fetcher = new Fetcher(session);
        this.searcher = new Searcher(session);
    }

    private MailStore store() {
        return s.env.store().mail();
    }

    void execute(String tag, ImapCommand cmd) throws IOException, ImapSyntaxException {
        SelectedMailbox sel = s.selected;
        if (s.uidOnly && usesSequenceNumbers(cmd)) {
            // RFC 9586 §3.2: once UIDONLY is enabled, message sequence numbers are refused
            s.send(tag + " BAD [UIDREQUIRED] Use UID commands: UIDONLY is enabled\r\n");
            return;
        }
        Optional<Boolean> catchUp = catchUpFirst(cmd);
        if (catchUp.isPresent()) {
            s.sync(catchUp.get());
            if (s.loggedOut() || s.selected != sel) return; // deleted or access withdrawn meanwhile: BYE was sent
        }
        switch (cmd) {
            case ImapCommand.Check c -> {
                s.sync(true);
                s.ok(tag, "CHECK completed");
            }
            case ImapCommand.Unselect c -> {
                s.unselect();
                s.ok(tag, "UNSELECT completed");
            }
            case ImapCommand.Close c -> {
                // RFC 9051 §6.4.1: expunge silently when read-write, no EXPUNGE responses; RFC 4314 §4: only with e
                if (!sel.readOnly && sel.rights().has('e')) store().expungeDeleted(sel.mailbox().id(), Optional.empty());
                s.unselect();
                s.ok(tag, "CLOSE completed");
            }
            case ImapCommand.Expunge c -> expunge(tag, sel, null);
            case ImapCommand.UidExpunge c -> expunge(tag, sel, c.set());
            case ImapCommand.Fetch c -> fetcher.fetch(tag, c);
            case ImapCommand.Search c -> searcher.search(tag, c);
            case ImapCommand.Sort c -> searcher.sort(tag, c);
            case ImapCommand.Thread c -> searcher.thread(tag, c);
            case ImapCommand.Replace c -> replace(tag, sel, c);
            case ImapCommand.Store c -> store(tag, sel, c);
            case ImapCommand.Copy c -> copy(tag, sel, c.uid(), c.set(), c.mailbox(), false);
            case ImapCommand.Move c -> copy(tag, sel, c.uid(), c.set(), c.mailbox(), true);
            case ImapCommand.CancelUpdate c -> {
                // RFC 5267 §4.2.1; every tag is checked first, so a BAD leaves all searches as they were
                for (String t : c.tags()) {
                    if (!s.updates.has(t)) throw new ImapSyntaxException(tag, "No search updates with tag " + t, false);
                }
                c.tags().forEach(s.updates::cancel);
                s.ok(tag, "CANCELUPDATE completed");
            }
            default -> throw new ImapSyntaxException(tag, "Command not valid in this state", false);
        }
    }

    private static boolean usesSequenceNumbers(ImapCommand cmd) {
        return switch (cmd) {
            case ImapCommand.Fetch c -> !c.uid();
            case ImapCommand.Store c -> !c.uid();
            case ImapCommand.Copy c -> !c.uid();
            case ImapCommand.Move c -> !c.uid();
            case ImapCommand.Search c -> !c.uid() || Searcher.usesSequenceNumbers(c.key());
            case ImapCommand.Sort c -> !c.uid() || Searcher.usesSequenceNumbers(c.key());
            case ImapCommand.Thread c -> !c.uid() || Searcher.usesSequenceNumbers(c.key());
            case ImapCommand.Replace c -> !c.uid();
            default -> false;
        };
    }

    /**
     * The commands whose answers show flags or pick messages by them. Before they run, the view catches up with
     * what other sessions committed (flag changes, new messages, new keywords), so that the answer to the client's
     * own command is never older than what follows it (a client that reads only its answer, as Angus Mail does,
     * would act on stale flags). Expunges wait where RFC 9051 §7.4.1 forbids them: during FETCH, STORE and SEARCH
     * by sequence number (SORT and THREAD, which answer in sequence numbers too, alike); the UID forms report them
     * first, which §7.4.1 allows.
     */
    private static Optional<Boolean> catchUpFirst(ImapCommand cmd) {
        return switch (cmd) {
            case ImapCommand.Fetch c -> Optional.of(c.uid());
            case ImapCommand.Store c -> Optional.of(c.uid());
            case ImapCommand.Search c -> Optional.of(c.uid());
            case ImapCommand.Sort c -> Optional.of(c.uid());
            case ImapCommand.Thread c -> Optional.of(c.uid());
            default -> Optional.empty();
        };
    }

    Fetcher fetcher() {
        return fetcher;
    }

    void multiSearch(String tag, ImapCommand.MultiSearch c) throws IOException, ImapSyntaxException {
        searcher.multiSearch(tag, c);
    }

    /** The message numbers a command names; {@code BAD} for sequence numbers beyond the mailbox (RFC 9051 §9). */
    static BitSet messages(String tag, SelectedMailbox sel, boolean uid, SequenceSet set) throws ImapSyntaxException {
        if (!uid && !sel.validSeqs(set)) throw new ImapSyntaxException(tag, "Invalid message sequence number", false);
        return sel.resolve(set, uid);
    }

    private void expunge(String tag, SelectedMailbox sel, SequenceSet uids) throws IOException, ImapSyntaxException {
        if (sel.readOnly) {
            s.send(tag + " NO [READ-ONLY] Mailbox is read-only\r\n");
            return;
        }
        if (!sel.rights().has('e')) {
            s.send(tag + " NO [NOPERM] " + Access.denied('e') + "\r\n"); // RFC 4314 §4
            return;
        }
        Optional<Set<Uid>> within = Optional.empty();
        if (uids != null) {
            BitSet seqs = messages(tag, sel, true, uids);
            Set<Uid> named = new HashSet<>();
            for (int i = seqs.nextSetBit(0); i >= 0; i = seqs.nextSetBit(i + 1)) named.add(sel.get(i).uid());
            within = Optional.of(named);
        }
        Optional<Set<Uid>> only = within;
        // the store decides what has \Deleted at commit time: the view here may be a moment behind another session
        new Progress(s, tag, 0, "Still expunging").during(() -> store().expungeDeleted(sel.mailbox().id(), only));
        s.sync(true);
        s.ok(tag, (uids == null ? "EXPUNGE" : "UID EXPUNGE") + " completed");
    }

    private void store(String tag, SelectedMailbox sel, ImapCommand.Store c) throws IOException, ImapSyntaxException {
        BitSet seqs = messages(tag, sel, c.uid(), c.set());
        if (sel.readOnly) {
            s.send(tag + " NO [READ-ONLY] Mailbox is read-only\r\n");
            return;
        }
        if (c.unchangedSince().isPresent()) s.enableCondstore(); // RFC 7162 §3.1: a CONDSTORE enabling command
        Set<String> flags = new LinkedHashSet<>();
        for (String f : c.flags()) if (Flags.storable(f)) flags.add(f);
        Rights rights = sel.rights();
        // RFC 4314 §4: each flag needs its right; the others are left alone, and only when none may change is it NO
        boolean allowed = c.mode() == ImapCommand.StoreMode.REPLACE ? rights.hasAnyFlagRight()
                : flags.isEmpty() || flags.stream().anyMatch(rights::mayChange);
        if (!allowed) {
            s.send(tag + " NO [NOPERM] Permission denied: changing these flags needs the s, t or w right (RFC 4314)\r\n");
            return;
        }
        if (c.mode() != ImapCommand.StoreMode.REMOVE) {
            Optional<String> limit = KeywordBudget.refusal(flags, sel::keywords);
            if (limit.isPresent()) {
                s.send(tag + " NO [LIMIT] " + limit.get() + "\r\n"); // RFC 5530 §3
                return;
            }
        }
        Set<Uid> uids = new HashSet<>();
        for (int i = seqs.nextSetBit(0); i >= 0; i = seqs.nextSetBit(i + 1)) uids.add(sel.get(i).uid());
        MailStore.FlagMode mode = switch (c.mode()) {
            case ADD -> MailStore.FlagMode.ADD;
            case REMOVE -> MailStore.FlagMode.REMOVE;
            case REPLACE -> MailStore.FlagMode.REPLACE;
        };
        MailStore.FlagUpdate u = uids.isEmpty() ? new MailStore.FlagUpdate(List.of(), Set.of())
                : store().setFlags(sel.mailbox().id(), uids, mode, flags, c.unchangedSince().map(ModSeq::new),
                        rights::mayChange);
        sel.updated(u.changed());
        // RFC 3501 §7.2.6 / RFC 9051 §7.3.5: a keyword new to the mailbox is announced before the FETCH that shows it
        for (String line : sel.announceKeywords(u.changed())) s.send("* " + line + "\r\n");
        Set<Uid> changed = new HashSet<>();
        for (MessageMeta m : u.changed()) changed.add(m.uid());
        List<Long> failed = new ArrayList<>();
        for (int i = seqs.nextSetBit(0); i >= 0; i = seqs.nextSetBit(i + 1)) {
            MessageState m = sel.get(i);
            if (u.failed().contains(m.uid())) {
                failed.add(c.uid() ? m.uid().value() : i);
                continue;
            }
            // RFC 9051 §6.4.6: the new flags of each message, unless .SILENT; RFC 7162 §3.1.3: with CONDSTORE a
            // changed message is reported with its MODSEQ even under .SILENT
            boolean report = !c.silent() || (s.condstore && changed.contains(m.uid()));
            if (!report) continue;
            // RFC 7162 §3.1: under CONDSTORE the FETCH responses a STORE causes carry UID and MODSEQ
            StringBuilder sb = new StringBuilder("* ").append(SelectedMailbox.fetchStart(i, m.uid(),
                    c.uid() || s.qresync || s.condstore, s.uidOnly));
            if (!c.silent()) sb.append("FLAGS ").append(sel.flagList(m)).append(s.condstore ? " " : "");
            if (s.condstore) sb.append("MODSEQ (").append(m.modSeq().value()).append(')');
            s.send(sb.append(")\r\n").toString());
        }
        s.sync(c.uid());
        if (!failed.isEmpty()) {
            s.send(tag + " OK [MODIFIED " + Uids.compact(failed) + "] Conditional STORE failed for some messages\r\n");
        } else {
            s.ok(tag, "STORE completed");
        }
    }

    private void copy(String tag, SelectedMailbox sel, boolean uid, SequenceSet set, String wire, boolean move)
            throws IOException, ImapSyntaxException {
        String what = move ? "MOVE" : "COPY";
        BitSet seqs = messages(tag, sel, uid, set);
        Optional<Access.Target> found = s.findMailbox(s.mailboxName(tag, wire));
        if (found.isEmpty()) {
            s.send(tag + " NO [TRYCREATE] No such mailbox\r\n");
            return;
        }
        Mailbox target = found.get().mailbox();
        if (move && sel.readOnly) {
            s.send(tag + " NO [READ-ONLY] Mailbox is read-only\r\n");
            return;
        }
        // RFC 4314 §4: i on the target; MOVE is COPY, STORE \Deleted and EXPUNGE (RFC 6851 §3.3): t and e here
        char missing = !found.get().rights().has('i') ? 'i' : move && !sel.rights().has('t') ? 't'
                : move && !sel.rights().has('e') ? 'e' : 0;
        if (missing != 0) {
            s.send(tag + " NO [NOPERM] " + Access.denied(missing) + "\r\n");
            return;
        }
        Set<Uid> uids = new HashSet<>();
        for (int i = seqs.nextSetBit(0); i >= 0; i = seqs.nextSetBit(i + 1)) uids.add(sel.get(i).uid());
        if (uids.isEmpty()) {
            s.sync(uid);
            s.ok(tag, what + " completed, nothing to do");
            return;
        }
        if (!move || !target.account().equals(sel.mailbox().account())) {
            long bytes = sel.details(seqs).values().stream().mapToLong(MessageMeta::size).sum();
            if (!s.fitsQuota(target, bytes, uids.size())) {
                // RFC 9208 §4.1.4; a MOVE within one account adds nothing
                s.send(tag + " NO [OVERQUOTA] Mailbox quota exceeded\r\n");
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
        List<Uid[]> pairs = new Progress(s, tag, uids.size(), move ? "Still moving" : "Still copying")
                .during(() -> store().copy(sel.mailbox().id(), uids, target.id(), move,
                        f -> rights.mayChange(f) && (f.startsWith("\\") || carried.contains(f))));
        List<Long> from = new ArrayList<>();
        List<Long> to = new ArrayList<>();
        for (Uid[] p : pairs) {
            from.add(p[0].value());
            to.add(p[1].value());
        }
        // RFC 4315 §3: COPYUID uidvalidity source-uids destination-uids, in the same order
        String copyUid = "COPYUID " + target.uidValidity() + " " + Uids.list(from) + " " + Uids.list(to);
        if (move) {
            s.send("* OK [" + copyUid + "] Moved\r\n"); // RFC 6851 §4.3: before the EXPUNGE responses
            s.sync(true);
            s.ok(tag, "MOVE completed");
        } else {
            s.sync(uid);
            s.send(tag + " OK [" + copyUid + "] COPY completed\r\n");
        }
    }

    // --- APPEND -----------------------------------------------------------------------------------------------

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
        String refusal = null;
        if (first instanceof ImapCommand.Append a) {
            if (a.utf8() && !s.utf8Accept) {
                throw new ImapSyntaxException(tag, "APPEND UTF8 needs ENABLE UTF8=ACCEPT", a.nonSync()); // RFC 6855 §4
            }
            wire = a.mailbox();
            target = s.findMailbox(literalMailbox(tag, a));
        } else {
            wire = ((ImapCommand.Catenate) first).mailbox();
            try {
                target = s.findMailbox(s.mailboxName(tag, wire));
            } catch (ImapSyntaxException e) {
                refusal = (e.refusal() ? "NO " : "BAD ") + e.text();
            }
        }
        if (refusal == null && target.isEmpty()) refusal = "NO [TRYCREATE] No such mailbox";
        if (refusal == null && !target.get().rights().has('i')) refusal = "NO [NOPERM] " + Access.denied('i'); // RFC 4314 §4
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
                LongFunction<String> limit = n -> n > max ? "NO [TOOBIG] Message larger than " + max + " octets"
                        : !s.fitsQuota(into.get().mailbox(), before + n, count) ? "NO [OVERQUOTA] Mailbox quota exceeded"
                        : null;
                BlobStore.BlobWriter w = s.env.store().blobs().create();
                writers.add(w);
                Optional<ImapCommand> more;
                switch (c) {
                    case ImapCommand.Append a -> {
                        if (a.literalSize() > max) refusal = limit.apply(a.literalSize()); // TOOBIG comes first
                        else if (refusal == null && !a.nonSync()) refusal = limit.apply(a.literalSize());
                        if (refusal != null && (!a.nonSync() || a.literalSize() > max)) {
                            // RFC 7888 §4 / RFC 9051 §7.1: refused before "+"; a non-synchronizing literal is on its way
                            s.send(tag + " " + refusal + "\r\n");
                            if (a.nonSync()) {
                                s.send("* BYE Cannot skip a non-synchronizing literal that large\r\n");
                                s.endSession();
                            }
                            return;
                        }
                        Received r = receive(w, a, rights, keywords);
                        if (refusal == null && a.literalSize() == 0) refusal = "NO Empty message";
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
                if (c instanceof ImapCommand.Append a && a.utf8() && !s.utf8Accept) {
                    throw new ImapSyntaxException(tag, "APPEND UTF8 needs ENABLE UTF8=ACCEPT", a.nonSync());
                }
            }
            if (refusal != null) {
                s.send(tag + " " + refusal + "\r\n"); // RFC 3502 §6.3.11: none of the messages is stored
                return;
            }
            Mailbox mailbox = target.get().mailbox();
            // Only now are the blobs committed: a refused APPEND leaves nothing behind in the store.
            List<MailStore.NewMessage> batch = new ArrayList<>();
            for (Received r : received) batch.add(r.commit());
            List<Uid> uids = store().appendAll(mailbox.id(), batch); // durable when it returns
            s.sync(true);
            // RFC 4315 §3 / RFC 3502 §6.3.11: APPENDUID uidvalidity uid-set
            s.send(tag + " OK [APPENDUID " + mailbox.uidValidity() + " "
                    + Uids.compact(uids.stream().map(Uid::value).toList()) + "] APPEND completed\r\n");
        } finally {
            writers.forEach(BlobStore.BlobWriter::close);
        }
    }

    /**
     * The target of an APPEND or REPLACE; a bad name ends the connection when a non-synchronizing literal is on its
     * way, since its octets would otherwise be read as commands (RFC 7888 §4).
     */
    private String literalMailbox(String tag, ImapCommand.Append a) throws ImapSyntaxException {
        try {
            return s.mailboxName(tag, a.mailbox());
        } catch (ImapSyntaxException e) {
            throw e.refusal() ? ImapSyntaxException.refused(tag, e.text(), a.nonSync())
                    : new ImapSyntaxException(tag, e.text(), a.nonSync());
        }
    }

    private static BitSet single(int seq) {
        BitSet b = new BitSet();
        b.set(seq);
        return b;
    }

    /**
     * Streams an APPEND literal into a blob and returns the message to store, with its date and the flags the
     * user's rights on the target let them set (RFC 4314 §4: the others are dropped, not refused), as far as the
     * target's keyword budget allows (RFC 9051 §6.3.12: the flags SHOULD be set; null when there is no target).
     */
    private Received receive(BlobStore.BlobWriter w, ImapCommand.Append c, Rights rights, KeywordBudget keywords)
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
    private record Received(BlobStore.BlobWriter writer, long size, Instant date, Set<String> flags) {
        MailStore.NewMessage commit() throws IOException {
            return new MailStore.NewMessage(writer.commit(), size, date, flags);
        }
    }

    /**
     * REPLACE and UID REPLACE (RFC 8508): the new message is appended and the old one expunged in one transaction;
     * APPENDUID comes untagged, then the EXPUNGE, then the tagged OK (§3.3).
     */
    private void replace(String tag, SelectedMailbox sel, ImapCommand.Replace c) throws IOException, ImapSyntaxException {
        ImapCommand.Append a = c.message();
        if (!c.uid() && c.number() > sel.count()) throw new ImapSyntaxException(tag, "Invalid message sequence number", false);
        int seq = c.uid() ? sel.seqOf(c.number()) : (int) c.number();
        Optional<Access.Target> target = s.findMailbox(literalMailbox(tag, a));
        // RFC 8508 §3.4 with RFC 4314 §4: i on the target, and t and e to expunge the old message
        char missing = target.isPresent() && !target.get().rights().has('i') ? 'i' : !sel.rights().has('t') ? 't'
                : !sel.rights().has('e') ? 'e' : 0;
        String refusal = a.literalSize() > s.env.maxMessageSize()
                ? "NO [TOOBIG] Message larger than " + s.env.maxMessageSize() + " octets"
                : sel.readOnly ? "NO [READ-ONLY] Mailbox is read-only"
                : seq < 1 ? "NO [NONEXISTENT] No such message"
                : target.isEmpty() ? "NO [TRYCREATE] No such mailbox"
                : missing != 0 ? "NO [NOPERM] " + Access.denied(missing)
                : a.literalSize() == 0 ? "NO Empty message" : null;
        if (refusal != null && (!a.nonSync() || a.literalSize() > s.env.maxMessageSize())) {
            s.send(tag + " " + refusal + "\r\n"); // before "+": the client sends nothing more
            if (a.nonSync()) {
                s.send("* BYE Cannot skip a non-synchronizing literal that large\r\n");
                s.endSession();
            }
            return;
        }
        try (BlobStore.BlobWriter w = s.env.store().blobs().create()) {
            Received m = receive(w, a, target.map(Access.Target::rights).orElse(Rights.NONE),
                    target.map(t -> KeywordBudget.of(s, t.mailbox())).orElse(null));
            if (s.parser().appendEnd(s.reader(), tag, a.mailbox(), true, a.utf8()).isPresent()) {
                throw new ImapSyntaxException(tag, "REPLACE takes one message", true);
            }
            if (refusal == null) {
                boolean sameOwner = target.get().mailbox().account().equals(sel.mailbox().account());
                long old = sameOwner ? sel.details(single(seq)).values().stream().mapToLong(MessageMeta::size).sum() : 0;
                if (!s.fitsQuota(target.get().mailbox(), m.size() - old, sameOwner ? 0 : 1)) {
                    refusal = "NO [OVERQUOTA] Mailbox quota exceeded";
                }
            }
            if (refusal != null) {
                s.send(tag + " " + refusal + "\r\n");
                return;
            }
            Uid uid = store().replace(sel.mailbox().id(), sel.get(seq).uid(), target.get().mailbox().id(), m.commit());
            s.send("* OK [APPENDUID " + target.get().mailbox().uidValidity() + " " + uid + "] Replacement saved\r\n");
            s.sync(true);
            s.ok(tag, (c.uid() ? "UID REPLACE" : "REPLACE") + " completed");
        }
    }

    // --- IDLE -------------------------------------------------------------------------------------------------

    /**
     * RFC 2177 / RFC 9051 §6.3.13: the session thread waits for {@code DONE} while a notifier thread, woken by
     * the store's change feed, sends the untagged updates as they happen.
     */
    void idle(String tag) throws IOException, ImapSyntaxException {
        SelectedMailbox sel = s.selected;
        Thread notifier = null;
        Semaphore wake = new Semaphore(0);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        s.sync(true); // the session lock is held: no notifier writes in between
        s.send("+ idling\r\n");
        s.flush();
        if (sel != null) {
            // a change between the catch-up and this registration only set the dirty flag: no wake-up is lost
            sel.onChange(wake::release);
            if (sel.dirty()) wake.release();
        }
        if (sel != null) {
            // never interrupted: interrupting a virtual thread blocked in socket I/O would close the socket
            notifier = Thread.ofVirtual().name("imap-idle").start(() -> {
                try {
                    while (true) {
                        wake.acquire();
                        wake.drainPermits();
                        s.lock.lock();
                        try {
                            if (stop.get() || s.selected != sel || s.loggedOut()) return;
                            s.sync(true);
                            s.flush();
                            if (s.loggedOut()) { // BYE was sent (mailbox deleted, rights withdrawn): stop reading too
                                s.conn.close();
                                return;
                            }
                        } finally {
                            s.lock.unlock();
                        }
                    }
                } catch (InterruptedException e) {
                    // IDLE ended
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, "IDLE notification failed: " + e.getMessage());
                } catch (RuntimeException | Error e) {
                    // without this thread the client would wait for updates forever: it reconnects and resyncs instead
                    LOG.log(Level.ERROR, "IDLE notifier failed; closing the connection", e);
                    s.conn.close();
                }
            });
        }
        byte[] line;
        s.lock.unlock(); // while waiting for DONE, the notifiers (this one, and NOTIFY's) may write
        try {
            line = s.reader().line();
        } finally {
            if (sel != null) {
                sel.onChange(() -> {});
                stop.set(true);
                wake.release();
                try {
                    notifier.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            s.lock.lock(); // after the join: the notifier may be waiting for the lock
        }
        String done = new String(line, java.nio.charset.StandardCharsets.US_ASCII);
        if (!done.toUpperCase(Locale.ROOT).equals("DONE")) {
            throw new ImapSyntaxException(tag, "Expected DONE to end IDLE", false);
        }
        s.sync(true);
        s.ok(tag, "IDLE terminated");
    }
}
