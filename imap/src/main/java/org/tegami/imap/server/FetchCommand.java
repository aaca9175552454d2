package org.tegami.imap.server;

import java.io.IOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.tegami.imap.proto.FetchItem;
import org.tegami.imap.proto.FetchResponse;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.imap.proto.ImapWriter;
import org.tegami.mime.message.MessageStructure;
import org.tegami.store.MailStore;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.ModSeq;
import org.tegami.store.Uid;

/** FETCH and UID FETCH (RFC 9051 §6.4.5), with CHANGEDSINCE and VANISHED (RFC 7162 §3.1.4, §3.2.6). */
final class FetchCommand {
    /** RFC 9051 §9 date-time: {@code "02-Jan-2025 03:04:05 +0000"}, English month names whatever the locale. */
    static final DateTimeFormatter INTERNAL_DATE =
            DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private final ImapSession s;

    FetchCommand(ImapSession session) {
        this.s = session;
    }

    void fetch(String tag, SelectedMailbox sel, ImapCommand.Fetch c) throws IOException, ImapSyntaxException {
        if (c.vanished() && (!c.uid() || !s.dialect().qresync() || c.changedSince().isEmpty())) {
            // RFC 7162 §3.2.6: only UID FETCH with CHANGEDSINCE, after ENABLE QRESYNC
            throw new ImapSyntaxException(tag, "VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC", false);
        }
        BitSet seqs = sel.named(tag, c.uid(), c.set());
        if (c.partial().isPresent()) { // RFC 9394 §3.2: only the messages at these positions of the set
            List<Integer> all = seqs.stream().boxed().toList();
            seqs = new BitSet();
            for (int q : c.partial().get().of(all)) seqs.set(q);
        }
        boolean withModSeq = c.changedSince().isPresent()
                || c.items().stream().anyMatch(i -> i instanceof FetchItem.ModSeq);
        if (withModSeq) s.enableCondstore(); // RFC 7162 §3.1: CHANGEDSINCE and the MODSEQ item enable CONDSTORE
        if (c.vanished()) {
            long max = sel.highestUid();
            List<Long> vanished = new ArrayList<>();
            for (Uid u : s.env.store().mail().expungedSince(sel.mailbox().id(), new ModSeq(c.changedSince().get()))) {
                if (c.set().saved() || c.set().contains(u.value(), Math.max(max, u.value()))) vanished.add(u.value());
            }
            if (!vanished.isEmpty()) s.out().vanished(true, Uids.compact(vanished));
        }
        seen.clear();
        markSeen(sel, seqs, c);
        boolean needsDetails = c.items().stream().anyMatch(i -> !(i instanceof FetchItem.Uid || i instanceof FetchItem.Flags
                || i instanceof FetchItem.ModSeq || i instanceof FetchItem.ThreadId));
        Map<Uid, MessageMeta> details = needsDetails ? sel.details(seqs) : Map.of();
        for (int i = seqs.nextSetBit(0); i >= 0; i = seqs.nextSetBit(i + 1)) {
            MessageState m = sel.get(i);
            if (c.changedSince().isPresent() && m.modSeq().value() <= c.changedSince().get()) continue;
            MessageMeta meta = details.get(m.uid());
            if (needsDetails && meta == null) continue; // expunged by another session, not yet reported
            try (FetchBudget.Hold held = holdFor(c.items(), meta)) {
                s.out().send(response(sel, i, m, meta, c, withModSeq));
            }
        }
        s.sync(c.uid()); // RFC 9051 §7.4.1: no EXPUNGE during FETCH, but during UID FETCH
        if (unknownCte) {
            unknownCte = false;
            s.out().no(tag, ResponseCode.Atom.UNKNOWN_CTE, "A part has a transfer encoding that cannot be decoded"); // RFC 3516 §4.3
            return;
        }
        s.out().ok(tag, (c.uid() ? "UID FETCH" : "FETCH") + " completed");
    }

    /**
     * Unsolicited FETCH responses, with the UID, for messages that just arrived in the selected mailbox (NOTIFY
     * MessageNew with fetch attributes, RFC 5465 §5.2). Nothing is marked \Seen.
     */
    void unsolicited(SelectedMailbox sel, BitSet seqs, List<FetchItem> items) throws IOException {
        ImapCommand.Fetch c = new ImapCommand.Fetch(true, org.tegami.imap.proto.SequenceSet.single(1), items, Optional.empty(),
                false, Optional.empty());
        Map<Uid, MessageMeta> details = sel.details(seqs);
        boolean withModSeq = items.stream().anyMatch(i -> i instanceof FetchItem.ModSeq);
        for (int i = seqs.nextSetBit(0); i >= 0; i = seqs.nextSetBit(i + 1)) {
            MessageMeta meta = details.get(sel.get(i).uid());
            if (meta == null) continue;
            try (FetchBudget.Hold held = holdFor(items, meta)) {
                s.out().send(response(sel, i, sel.get(i), meta, c, withModSeq));
            }
        }
    }

    /**
     * Room in the {@link FetchBudget} for a response over this message's bytes, held until it is written; null (no
     * hold) when no item reads the message text.
     */
    private FetchBudget.Hold holdFor(List<FetchItem> items, MessageMeta meta) {
        boolean text = meta != null && items.stream().anyMatch(i -> i instanceof FetchItem.Preview
                || i instanceof FetchItem.Rfc822 || i instanceof FetchItem.Rfc822Header || i instanceof FetchItem.Rfc822Text
                || i instanceof FetchItem.BodySection || i instanceof FetchItem.Binary || i instanceof FetchItem.BinarySize);
        return text ? FetchBudget.SHARED.hold(s.account().id(), meta.size()) : null; // the fetching user, not the owner
    }

    /** RFC 9051 §6.4.5: BODY[...] without .PEEK (and RFC822, RFC822.TEXT) sets \Seen. */
    private void markSeen(SelectedMailbox sel, BitSet seqs, ImapCommand.Fetch c) {
        boolean sets = c.items().stream().anyMatch(i -> (i instanceof FetchItem.BodySection b && !b.peek())
                || (i instanceof FetchItem.Binary bin && !bin.peek())
                || i instanceof FetchItem.Rfc822 || i instanceof FetchItem.Rfc822Text);
        if (!sets || sel.readOnly || !sel.rights().has('s')) return; // RFC 4314 §4, FETCH
        Set<Uid> unseen = new HashSet<>();
        for (int i = seqs.nextSetBit(0); i >= 0; i = seqs.nextSetBit(i + 1)) {
            if (!sel.get(i).flags().contains(Flags.SEEN)) unseen.add(sel.get(i).uid());
        }
        if (unseen.isEmpty()) return;
        var u = s.env.store().mail().setFlags(sel.mailbox().id(), unseen, MailStore.FlagMode.ADD, Set.of(Flags.SEEN),
                Optional.empty());
        sel.updated(u.changed());
        for (MessageMeta m : u.changed()) seen.add(m.uid());
    }

    /** Set when a BINARY item met a transfer encoding it cannot undo; the command then ends NO [UNKNOWN-CTE]. */
    private boolean unknownCte;

    private static String partName(List<Integer> part) {
        return part.stream().map(String::valueOf).collect(Collectors.joining("."));
    }

    /** RFC 3516 §4.2: the decoded part, as a literal8 ({@code ~{n}}) when it holds a NUL octet. */
    private void binary(FetchResponse out, FetchItem.Binary b, Optional<MessageStructure.Binary> decoded) throws IOException {
        if (decoded.isPresent() && decoded.get().unknownEncoding()) {
            unknownCte = true;
            return;
        }
        StringBuilder name = new StringBuilder("BINARY[").append(partName(b.part())).append(']');
        byte[] data = decoded.map(MessageStructure.Binary::data).orElse(null);
        if (b.partial().isPresent()) {
            long off = b.partial().get().offset();
            name.append('<').append(off).append('>');
            if (data != null) {
                int from = (int) Math.min(off, data.length);
                int to = (int) Math.min((long) from + b.partial().get().length(), data.length);
                data = Arrays.copyOfRange(data, from, to);
            }
        }
        if (data == null) out.nil(name.toString());
        else out.literal(name.toString(), data, true);
    }

    /** Messages whose \Seen this FETCH set: their FLAGS are included even if not asked for. */
    private final Set<Uid> seen = new HashSet<>();

    /**
     * One FETCH response, or null when no item could be answered; {@code meta} (the message's bytes, size, date)
     * is null when no item needs it.
     */
    private FetchResponse response(SelectedMailbox sel, int seq, MessageState m, MessageMeta meta, ImapCommand.Fetch c,
            boolean withModSeq) throws IOException {
        boolean utf8 = s.utf8();
        boolean uidDone = false;
        boolean flagsDone = false;
        // RFC 7162 §3.1: under CONDSTORE a FETCH that set \Seen reports the change with UID and MODSEQ
        var dialect = s.dialect();
        boolean flagChange = seen.contains(m.uid()) && dialect.condstore();
        withModSeq |= flagChange;
        FetchResponse out = s.out().fetchResponse(seq, m.uid().value());
        // RFC 7162 §3.2.4: under QRESYNC every FETCH response has the UID
        if ((c.uid() || dialect.qresync() || flagChange) && !dialect.uidOnly()) {
            out.item("UID", m.uid().toString());
            uidDone = true;
        }
        uidDone |= dialect.uidOnly(); // RFC 9586: the UIDFETCH response is keyed by the UID
        byte[] raw = null;
        MessageStructure structure = null;
        for (FetchItem item : c.items()) {
            switch (item) {
                case FetchItem.Uid u -> {
                    if (!uidDone) out.item("UID", m.uid().toString());
                    uidDone = true;
                }
                case FetchItem.Flags f -> {
                    if (!flagsDone) out.item("FLAGS", sel.flagList(m));
                    flagsDone = true;
                }
                case FetchItem.ModSeq ms -> { }
                case FetchItem.EmailId e -> out.item("EMAILID", "(" + ObjectIds.email(meta.blob()) + ")");
                case FetchItem.ThreadId t -> out.nil("THREADID"); // RFC 8474 §5.2: no thread ids are kept
                case FetchItem.SaveDate d -> out.item("SAVEDATE", meta.saveDate() // RFC 8514 §3: NIL when unknown
                        .map(t -> "\"" + INTERNAL_DATE.format(t) + "\"").orElse("NIL"));
                case FetchItem.Preview p -> {
                    if (raw == null) raw = s.env.structures().read(meta.content());
                    String preview = org.tegami.mime.message.MessageText.preview(raw);
                    out.item("PREVIEW", preview.isEmpty() ? "NIL" : ImapWriter.string(preview, utf8));
                }
                case FetchItem.InternalDate d -> out.item("INTERNALDATE", "\"" + INTERNAL_DATE.format(meta.internalDate()) + "\"");
                case FetchItem.Rfc822Size z -> out.item("RFC822.SIZE", Long.toString(meta.size()));
                case FetchItem.Envelope e -> out.item("ENVELOPE", s.env.structures().summary(meta.blob(), utf8).envelope());
                case FetchItem.Body b -> out.item("BODY", s.env.structures().summary(meta.blob(), utf8).body());
                case FetchItem.BodyStructure b ->
                        out.item("BODYSTRUCTURE", s.env.structures().summary(meta.blob(), utf8).bodyStructure());
                case FetchItem.Rfc822 r -> {
                    if (raw == null) raw = s.env.structures().read(meta.content());
                    out.literal("RFC822", raw);
                }
                case FetchItem.Rfc822Header r -> {
                    if (raw == null) raw = s.env.structures().read(meta.content());
                    if (structure == null) structure = s.env.structures().get(meta.content());
                    out.literal("RFC822.HEADER", structure.section(raw, List.of(), "HEADER", List.of()).orElse(new byte[0]));
                }
                case FetchItem.Rfc822Text r -> {
                    if (raw == null) raw = s.env.structures().read(meta.content());
                    if (structure == null) structure = s.env.structures().get(meta.content());
                    out.literal("RFC822.TEXT", structure.section(raw, List.of(), "TEXT", List.of()).orElse(new byte[0]));
                }
                case FetchItem.BodySection b -> {
                    if (raw == null && b.part().isEmpty() && b.text().isEmpty() && b.partial().isPresent()) {
                        // BODY[]<offset.length>: only that range of the message is read (RFC 9051 §6.4.5)
                        var p = b.partial().get();
                        out.literal("BODY[]<" + p.offset() + ">",
                                s.env.structures().read(meta.content(), p.offset(), p.length()));
                        continue;
                    }
                    if (raw == null) raw = s.env.structures().read(meta.content());
                    if (structure == null) structure = s.env.structures().get(meta.content());
                    section(out, b, raw, structure);
                }
                case FetchItem.Binary b -> {
                    if (raw == null) raw = s.env.structures().read(meta.content());
                    if (structure == null) structure = s.env.structures().get(meta.content());
                    binary(out, b, structure.binary(raw, b.part()));
                }
                case FetchItem.BinarySize b -> {
                    if (raw == null) raw = s.env.structures().read(meta.content());
                    if (structure == null) structure = s.env.structures().get(meta.content());
                    var decoded = structure.binary(raw, b.part());
                    if (decoded.isPresent() && decoded.get().unknownEncoding()) {
                        unknownCte = true;
                    } else {
                        out.item("BINARY.SIZE[" + partName(b.part()) + "]", Integer.toString(decoded.map(d -> d.data().length).orElse(0)));
                    }
                }
            }
        }
        if (!flagsDone && seen.contains(m.uid())) out.item("FLAGS", sel.flagList(m));
        if (withModSeq) out.item("MODSEQ", "(" + m.modSeq().value() + ")");
        return out; // with no item (UNKNOWN-CTE) it is not sent: there is no empty FETCH response
    }

    private void section(FetchResponse out, FetchItem.BodySection b, byte[] raw, MessageStructure structure)
            throws IOException {
        String text = "";
        List<String> fields = List.of();
        StringBuilder name = new StringBuilder("BODY[");
        name.append(b.part().stream().map(String::valueOf).collect(Collectors.joining(".")));
        if (b.text().isPresent()) {
            if (!b.part().isEmpty()) name.append('.');
            switch (b.text().get()) {
                case FetchItem.SectionText.Header h -> text = "HEADER";
                case FetchItem.SectionText.Text t -> text = "TEXT";
                case FetchItem.SectionText.Mime mm -> text = "MIME";
                case FetchItem.SectionText.HeaderFields f -> {
                    text = "HEADER.FIELDS";
                    fields = f.fields();
                }
                case FetchItem.SectionText.HeaderFieldsNot f -> {
                    text = "HEADER.FIELDS.NOT";
                    fields = f.fields();
                }
            }
            name.append(text);
            if (!fields.isEmpty()) {
                name.append(" (").append(fields.stream().map(f -> ImapWriter.astring(f, false))
                        .collect(Collectors.joining(" "))).append(')');
            }
        }
        name.append(']');
        Optional<byte[]> data = structure.section(raw, b.part(), text, fields);
        if (b.partial().isPresent()) {
            long off = b.partial().get().offset();
            name.append('<').append(off).append('>');
            if (data.isPresent()) {
                byte[] d = data.get();
                int from = (int) Math.min(off, d.length);
                int to = (int) Math.min((long) from + b.partial().get().length(), d.length);
                data = Optional.of(Arrays.copyOfRange(d, from, to));
            }
        }
        if (data.isEmpty()) out.nil(name.toString());
        else out.literal(name.toString(), data.get());
    }
}
