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

/** STORE and UID STORE (RFC 9051 §6.4.6), with UNCHANGEDSINCE and MODIFIED (RFC 7162 §3.1.3). */
final class StoreCommand {
    private final ImapSession s;

    StoreCommand(ImapSession session) {
        this.s = session;
    }

    private MessageWrites store() {
        return s.env.store().mail();
    }

    void store(String tag, SelectedMailbox sel, ImapCommand.Store c) throws IOException, ImapSyntaxException {
        BitSet seqs = sel.named(tag, c.uid(), c.set());
        if (sel.readOnly) {
            s.out().no(tag, ResponseCode.Atom.READ_ONLY, "Mailbox is read-only");
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
            s.out().no(tag, ResponseCode.Atom.NOPERM, "Permission denied: changing these flags needs the s, t or w right (RFC 4314)");
            return;
        }
        if (c.mode() != ImapCommand.StoreMode.REMOVE) {
            Optional<String> limit = KeywordBudget.refusal(flags, sel::keywords);
            if (limit.isPresent()) {
                s.out().no(tag, ResponseCode.Atom.LIMIT, limit.get()); // RFC 5530 §3
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
        for (SelectedMailbox.Update a : sel.announceKeywords(u.changed())) s.write(a);
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
            boolean condstore = s.dialect().condstore();
            boolean report = !c.silent() || (condstore && changed.contains(m.uid()));
            if (!report) continue;
            // RFC 7162 §3.1: under CONDSTORE the FETCH responses a STORE causes carry UID and MODSEQ
            s.out().flagsFetch(i, m.uid().value(), c.uid() || s.dialect().qresync() || condstore,
                    c.silent() ? null : sel.flagList(m), condstore ? OptionalLong.of(m.modSeq().value()) : OptionalLong.empty());
        }
        s.sync(c.uid());
        if (!failed.isEmpty()) {
            s.out().ok(tag, new ResponseCode.Modified(Uids.compact(failed)), "Conditional STORE failed for some messages");
        } else {
            s.out().ok(tag, "STORE completed");
        }
    }

}
