package org.tegami.imap.server;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.tegami.imap.proto.SequenceSet;
import org.tegami.store.ChangeFeed;
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.ModSeq;
import org.tegami.store.Uid;

/**
 * One session's view of its selected mailbox: the messages in sequence-number order as last told to the client,
 * and the catch-up with the store that turns other sessions' changes into untagged responses (RFC 9051 §7.4.1,
 * §5.2). Sequence numbers change only when this view reports an EXPUNGE or EXISTS.
 *
 * <p>Used by the session thread, and during IDLE by the notifier under the session's lock.
 */
final class SelectedMailbox implements AutoCloseable {
    private final MailStore store;
    final boolean readOnly;
    private Mailbox mailbox;
    private final ArrayList<MessageState> messages;
    /** The modseq up to which changes have been reported. */
    private ModSeq known;
    private final ChangeFeed.Subscription subscription;
    private volatile boolean dirty;
    private volatile Runnable wake = () -> {};
    /** The name the user selected it by (another user's mailbox: under "Other Users/"), and their rights on it. */
    private String name;
    private volatile Rights rights = Rights.OWNER;
    /** UIDs of the last SEARCH ... RETURN (SAVE) (RFC 5182), kept as UIDs so expunges cannot shift them. */
    private List<Long> saved = List.of();
    /** UIDs this session changed itself since the last catch-up, for the search updates (RFC 5267 §4.3). */
    private final Set<Long> touched = new HashSet<>();
    /** The keywords the client was told of in a FLAGS response (RFC 3501 §7.2.6): only ever grows. */
    private final Set<String> announced = new TreeSet<>();
    /**
     * IMAP4rev1 {@code \Recent} (RFC 3501 §2.3.2): the UID ranges {@code [low, high]} that are recent to this session,
     * ascending; null when the session does not keep \Recent (IMAP4rev2, and the read-only views of ESEARCH).
     */
    private List<long[]> recent;

    SelectedMailbox(MailStore store, Mailbox mailbox, boolean readOnly) {
        this.store = store;
        this.readOnly = readOnly;
        // subscribe first, so a change committed between the subscription and the read is still noticed
        this.subscription = store.changes().subscribe(mailbox.id(), this::changed);
        var snapshot = store.view(mailbox.id()).orElseThrow();
        this.mailbox = snapshot.mailbox();
        this.name = mailbox.name();
        this.messages = new ArrayList<>(snapshot.messages());
        this.known = snapshot.mailbox().highestModSeq();
        this.announced.addAll(keywords());
        // In a group of reads (SELECT's), the snapshot may predate the subscription (it was taken at the group's
        // first read): a change committed in between rang no one, so the first catch-up looks instead of trusting
        // the silence.
        if (org.tegami.store.ReadGroup.current() != null) dirty = true;
    }

    /**
     * Starts keeping {@code \Recent} for an IMAP4rev1 session (RFC 3501 §2.3.2): SELECT claims the messages no other
     * session has seen as recent; EXAMINE only looks and leaves them recent for the next SELECT, as Dovecot does.
     */
    void keepRecent() {
        recent = new ArrayList<>();
        claimRecent(0);
    }

    /** Adds the messages above UID {@code after} now in the view that are recent to this session. */
    private void claimRecent(long after) {
        long high = highestUid();
        if (recent == null || high <= after) return;
        long floor = readOnly ? store.recentFloor(mailbox.id()) : store.claimRecent(mailbox.id(), high);
        long low = Math.max(floor, after + 1);
        if (low > high) return;
        // New mail usually continues the last range: extend it, so a long session keeps a handful of ranges, not
        // one per delivery (isRecent runs for every message a FETCH shows).
        long[] last = recent.isEmpty() ? null : recent.getLast();
        if (last != null && low <= last[1] + 1) last[1] = Math.max(last[1], high);
        else recent.add(new long[] {low, high});
    }

    /** Stops showing {@code \Recent}: the session switched to IMAP4rev2. */
    void dropRecent() {
        recent = null;
    }

    /** Whether a message is recent to this session. */
    boolean isRecent(Uid uid) {
        if (recent == null) return false;
        long u = uid.value();
        for (long[] r : recent) if (u >= r[0] && u <= r[1]) return true;
        return false;
    }

    /** How many messages in the view are recent to this session: the RECENT response (RFC 3501 §7.3.2). */
    int recentCount() {
        if (recent == null) return 0;
        int n = 0;
        for (long[] r : recent) n += lowerBound(r[1] + 1) - lowerBound(r[0]);
        return n;
    }

    /** A message's flags as this session shows them, with {@code \Recent} in IMAP4rev1 (RFC 3501 §2.3.2). */
    String flagList(MessageState m) {
        return Flags.list(m.flags(), isRecent(m.uid()));
    }

    /**
     * RFC 3501 §7.2.6, RFC 9051 §7.3.5: a keyword in use that the client was not told of yet must come in a FLAGS
     * response (and PERMANENTFLAGS, RFC 9051 §7.1) before any FETCH that shows it. Given the messages that just
     * changed or arrived, the responses to send, empty when none brings a new keyword; every session
     * with the mailbox selected reaches this at its catch-up.
     */
    List<Update> announceKeywords(List<MessageMeta> changed) {
        boolean fresh = false;
        for (MessageMeta m : changed) {
            for (String f : m.flags()) fresh |= !f.startsWith("\\") && announced.add(f);
        }
        if (!fresh) return List.of();
        List<String> flags = new ArrayList<>(Flags.SYSTEM);
        flags.addAll(announced);
        return List.of(new Update.Flags(flags), new Update.PermanentFlags(Flags.permanent(rights, readOnly, announced)));
    }

    /** The keywords announced so far, for PERMANENTFLAGS. */
    Set<String> announced() {
        return announced;
    }

    private void changed() {
        dirty = true;
        wake.run();
    }

    /** Called when the mailbox changes, from the committing thread; must not block (IDLE). */
    void onChange(Runnable r) {
        wake = r;
    }

    boolean dirty() {
        return dirty;
    }

    /** Sets the name the user knows this mailbox by and their rights on it (RFC 4314); by default its owner's. */
    void as(String name, Rights rights) {
        this.name = name;
        this.rights = rights;
    }

    String name() {
        return name;
    }

    Rights rights() {
        return rights;
    }

    /** Whether this is another user's mailbox, whose rights can change while it is selected. */
    boolean shared() {
        return rights != Rights.OWNER;
    }

    Mailbox mailbox() {
        return mailbox;
    }

    int count() {
        return messages.size();
    }

    /** The message with this 1-based sequence number. */
    MessageState get(int seq) {
        return messages.get(seq - 1);
    }

    /**
     * Where the bytes of the given messages are, their size and internal date, read in one query over their UID
     * range. A message expunged meanwhile (still in this view until reported) is missing from the map.
     */
    Map<Uid, MessageMeta> details(BitSet seqs) {
        if (seqs.isEmpty()) return Map.of();
        Uid first = get(seqs.nextSetBit(0)).uid();
        Uid last = get(seqs.length() - 1).uid();
        Map<Uid, MessageMeta> out = new HashMap<>();
        for (MessageMeta m : store.messages(mailbox.id(), first, last)) {
            int seq = seqOf(m.uid().value());
            if (seq > 0 && seqs.get(seq)) out.put(m.uid(), m);
        }
        return out;
    }

    long highestUid() {
        return messages.isEmpty() ? 0 : messages.getLast().uid().value();
    }

    /** The 1-based sequence number of a UID, or -1. */
    int seqOf(long uid) {
        int lo = 0;
        int hi = messages.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long u = messages.get(mid).uid().value();
            if (u < uid) lo = mid + 1;
            else if (u > uid) hi = mid - 1;
            else return mid + 1;
        }
        return -1;
    }

    /** The first index whose UID is at least {@code uid}. */
    private int lowerBound(long uid) {
        int lo = 0;
        int hi = messages.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (messages.get(mid).uid().value() < uid) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** The message numbers a command names; {@code BAD} for sequence numbers beyond the mailbox (RFC 9051 §9). */
    BitSet named(String tag, boolean uid, SequenceSet set) throws org.tegami.imap.proto.ImapSyntaxException {
        if (!uid && !validSeqs(set)) {
            throw new org.tegami.imap.proto.ImapSyntaxException(tag, "Invalid message sequence number", false);
        }
        return resolve(set, uid);
    }

    /**
     * The 1-based sequence numbers a set names, ascending. For UIDs, {@code *} is the highest UID and numbers
     * without a message are skipped; for sequence numbers the caller has checked {@link #validSeqs} first.
     */
    BitSet resolve(SequenceSet set, boolean uid) {
        BitSet out = new BitSet(messages.size() + 1);
        if (set.saved()) {
            for (long u : saved) {
                int s = seqOf(u);
                if (s > 0) out.set(s);
            }
            if (!uid) out.and(resolveSeqs(SequenceSet.range(1, SequenceSet.STAR)));
            return out;
        }
        if (!uid) return resolveSeqs(set);
        long max = highestUid();
        if (max == 0) return out;
        for (SequenceSet.Range r : set.ranges()) {
            int from = lowerBound(r.low(max));
            int to = lowerBound(r.high(max) + 1);
            if (from < to) out.set(from + 1, to + 1);
        }
        return out;
    }

    private BitSet resolveSeqs(SequenceSet set) {
        BitSet out = new BitSet(messages.size() + 1);
        int max = messages.size();
        if (max == 0) return out;
        for (SequenceSet.Range r : set.ranges()) {
            long lo = Math.max(1, r.low(max));
            long hi = Math.min(max, r.high(max));
            if (lo <= hi) out.set((int) lo, (int) hi + 1);
        }
        return out;
    }

    /** RFC 9051 §9: a sequence number above the message count is an error (unlike a missing UID). */
    boolean validSeqs(SequenceSet set) {
        return set.saved() || (messages.isEmpty() ? set.ranges().stream().allMatch(r -> r.first() == SequenceSet.STAR
                && r.last() == SequenceSet.STAR) : set.highest(messages.size()) <= messages.size());
    }

    void save(Collection<Long> uids) {
        saved = List.copyOf(uids);
    }

    /** Replaces the view's copy of messages this session changed itself, so the catch-up does not echo them. */
    void updated(List<MessageMeta> changed) {
        for (MessageMeta m : changed) {
            int s = seqOf(m.uid().value());
            if (s > 0) messages.set(s - 1, MessageState.of(m));
            touched.add(m.uid().value());
        }
    }

    /** Flags and keywords in use, for the FLAGS response (RFC 9051 §7.3.5). */
    Set<String> keywords() {
        Set<String> out = new TreeSet<>();
        for (MessageState m : messages) {
            for (String f : m.flags()) if (!f.startsWith("\\")) out.add(f);
        }
        return out;
    }

    /** How {@link #sync} reports changes to this client. */
    /** How to report: {@code withUid} adds the UID to flag-change FETCHes (QRESYNC, and NOTIFY: RFC 5465 §5.1). */
    record Mode(boolean allowExpunge, boolean condstore, boolean qresync, boolean uidOnly, boolean withUid) {}

    /**
     * What the catch-up found; {@code gone} when the mailbox was deleted. {@code changed} holds the UIDs now in the
     * view that arrived or whose state changed (by any session), {@code removed} those that left the view.
     */
    record Sync(List<Update> updates, boolean gone, Set<Long> changed, Set<Long> removed) {
        Sync(List<Update> updates, boolean gone) {
            this(updates, gone, Set.of(), Set.of());
        }
    }

    /** An untagged response that tells the client of a change to the selected mailbox (RFC 9051 §7.3, §7.4). */
    sealed interface Update {
        /** {@code * seq EXPUNGE}. */
        record Expunge(int seq) implements Update {}

        /** {@code * VANISHED uids} (RFC 7162 §3.2.10, and RFC 9586 §3.3 under UIDONLY). */
        record Vanished(String uids) implements Update {}

        /** {@code * n EXISTS}. */
        record Exists(int count) implements Update {}

        /** {@code * n RECENT} (RFC 3501 §7.3.2). */
        record Recent(int count) implements Update {}

        /** {@code * FLAGS (...)}: the flags defined in the mailbox, a new keyword among them. */
        record Flags(List<String> flags) implements Update {}

        /** {@code * OK [PERMANENTFLAGS (...)]} after a new keyword (RFC 9051 §7.1). */
        record PermanentFlags(List<String> flags) implements Update {}

        /** A FETCH with a message's new FLAGS, and its MODSEQ when {@code modSeq >= 0}. */
        record FlagsFetch(int seq, long uid, boolean withUid, String flags, long modSeq) implements Update {}
    }

    private Set<Long> drainTouched() {
        if (touched.isEmpty()) return Set.of();
        Set<Long> out = new HashSet<>(touched);
        touched.clear();
        return out;
    }

    /**
     * Catches up with the store and returns the untagged responses that tell the client: EXPUNGE (or VANISHED
     * with QRESYNC, RFC 7162 §3.2.10), EXISTS, and FETCH for changed flags (with UID under QRESYNC and MODSEQ
     * under CONDSTORE, RFC 7162 §3.2.4 and §3.1.4). When expunges may not be sent (during FETCH, STORE, SEARCH:
     * RFC 9051 §7.4.1) expunged messages stay in the view, and are reported later.
     */
    Sync sync(Mode mode) {
        // The change feed fires before a commit's write returns, so nothing changed unless it rang: most commands
        // (a FETCH loop, NOOP polling) then skip the store read entirely.
        if (!dirty) return new Sync(List.of(), false, drainTouched(), Set.of());
        dirty = false;
        Optional<MailStore.MailboxChanges> found = store.changesSince(mailbox.id(), known);
        // The same mailbox, not a new one under its id: ids are never reused, and UIDVALIDITY and owner are checked
        // besides, so a stale view can never show another mailbox's messages (RFC 9051 §2.3.1.1).
        if (found.isEmpty() || found.get().mailbox().uidValidity() != mailbox.uidValidity()
                || !found.get().mailbox().account().equals(mailbox.account())) {
            return new Sync(List.of(), true);
        }
        MailStore.MailboxChanges c = found.get();
        List<Update> lines = new ArrayList<>();
        Set<Long> changedUids = new HashSet<>(drainTouched());
        Set<Long> removed = new HashSet<>();
        boolean complete = mode.allowExpunge() || c.expunged().isEmpty(); // nothing held back: all is reported
        if (mode.allowExpunge() && !c.expunged().isEmpty()) {
            Set<Long> gone = new HashSet<>();
            for (Uid u : c.expunged()) gone.add(u.value());
            List<Long> vanished = new ArrayList<>();
            for (int i = messages.size() - 1; i >= 0; i--) {
                long uid = messages.get(i).uid().value();
                if (!gone.contains(uid)) continue;
                messages.remove(i);
                removed.add(uid);
                if (mode.qresync() || mode.uidOnly()) vanished.add(uid); // RFC 9586 §3.3: UIDONLY reports VANISHED
                else lines.add(new Update.Expunge(i + 1)); // descending, so each number is still valid when sent
            }
            if (!vanished.isEmpty()) lines.add(new Update.Vanished(Uids.compact(vanished.reversed())));
        } else if (!c.expunged().isEmpty()) {
            complete = false;
        }
        long lastUid = highestUid();
        int before = messages.size();
        List<Update> fetches = new ArrayList<>();
        for (MessageMeta changed : c.changed()) {
            MessageState m = MessageState.of(changed);
            if (m.uid().value() > lastUid) {
                messages.add(m);
                changedUids.add(m.uid().value());
                continue;
            }
            int s = seqOf(m.uid().value());
            if (s < 0) continue; // expunged since, or the caller's own move
            changedUids.add(m.uid().value());
            MessageState old = messages.get(s - 1);
            boolean flagsChanged = !old.flags().equals(m.flags());
            messages.set(s - 1, m);
            if (flagsChanged || (mode.condstore() && !old.modSeq().equals(m.modSeq()))) {
                // RFC 7162 §3.1: under CONDSTORE a flag change caused by another session comes with UID and MODSEQ
                fetches.add(new Update.FlagsFetch(s, m.uid().value(), mode.withUid() || mode.condstore(), flagList(m),
                        mode.condstore() ? m.modSeq().value() : -1));
            }
        }
        lines.addAll(announceKeywords(c.changed())); // RFC 3501 §7.2.6: before the FETCH or new message showing one
        lines.addAll(fetches);
        if (messages.size() != before) {
            lines.add(new Update.Exists(messages.size()));
            if (recent != null) { // RFC 3501 §7.3.2: the new messages are recent to the first session told of them
                claimRecent(lastUid);
                lines.add(new Update.Recent(recentCount()));
            }
        }
        mailbox = c.mailbox();
        if (complete) known = c.mailbox().highestModSeq();
        else dirty = true;
        changedUids.removeAll(removed);
        return new Sync(lines, false, changedUids, removed);
    }

    /** The view after a catch-up, for MODSEQ in SELECT responses. */
    ModSeq highestModSeq() {
        return known;
    }

    @Override
    public void close() {
        subscription.close();
    }
}
