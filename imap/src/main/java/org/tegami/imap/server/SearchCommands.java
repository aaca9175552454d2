package org.tegami.imap.server;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapResponse;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseEncoder;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.imap.proto.SearchKey;
import org.tegami.mime.message.MessageText;
import org.tegami.imap.message.SortKeys;
import org.tegami.imap.message.Threader;
import org.tegami.store.MailboxReads;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.Uid;

/**
 * SEARCH and UID SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4) with ESEARCH return options (RFC 4731), SAVE and
 * {@code $} (SEARCHRES, RFC 5182) and MODSEQ (RFC 7162 §3.1.5). Header and body keys match the decoded text
 * (RFC 2047 words, transfer encodings, charsets) case-insensitively. RETURN (UPDATE) hands the result to
 * {@link SearchUpdates} (RFC 5267 §4); the scan reports its progress (RFC 9585) through {@link Progress}.
 */
final class SearchCommands {
    private final ImapSession s;

    SearchCommands(ImapSession session) {
        this.s = session;
    }

    /** The messages a search matched, ascending, and the highest modseq among them when a MODSEQ key was used. */
    private record Hits(List<Integer> seqs, boolean modseqKey, long highestModSeq, Map<Uid, MessageMeta> details) {}

    /**
     * Most criteria in one search, counting NOT and OR but not parentheses: each costs a test per message, and a
     * sequence set a bit set as large as the mailbox.
     */
    static final int CRITERIA = 1000;
    /** Most criteria that read the messages' text (BODY, TEXT, HEADER, FROM, SUBJECT...): each reads all of it. */
    static final int TEXT_CRITERIA = 64;

    /** How many criteria a search has in all ({@code [0]}) and how many of them read text ({@code [1]}). */
    private static void count(SearchKey key, int[] counts) {
        if (!(key instanceof SearchKey.And)) counts[0]++;
        switch (key) {
            case SearchKey.Header h -> counts[1]++;
            case SearchKey.Body b -> counts[1]++;
            case SearchKey.Text t -> counts[1]++;
            case SearchKey.Not n -> count(n.key(), counts);
            case SearchKey.Or o -> {
                count(o.a(), counts);
                count(o.b(), counts);
            }
            case SearchKey.And a -> a.keys().forEach(k -> count(k, counts));
            default -> { }
        }
    }

    /**
     * Evaluates a search; empty (after answering NO [BADCHARSET]) for a charset we do not know, or (after answering
     * NO [LIMIT]) for more criteria than {@link #CRITERIA} or {@link #TEXT_CRITERIA}.
     */
    private Optional<Hits> evaluate(SelectedMailbox sel, String tag, Optional<String> charset, SearchKey key,
            boolean withDetails) throws IOException {
        return evaluate(sel, tag, charset, key, withDetails, new Progress(s, tag, sel.count(), "Still searching"));
    }

    private Optional<Hits> evaluate(SelectedMailbox sel, String tag, Optional<String> charset, SearchKey key,
            boolean withDetails, Progress progress) throws IOException {
        if (charset.isPresent()) {
            String cs = charset.get().toUpperCase(Locale.ROOT);
            if (!cs.equals("UTF-8") && !cs.equals("US-ASCII")) {
                s.out().no(tag, new ResponseCode.BadCharset(List.of("UTF-8", "US-ASCII")), "Unsupported charset"); // RFC 9051 §6.4.4
                return Optional.empty();
            }
        }
        int[] counts = new int[2];
        count(key, counts);
        if (counts[0] > CRITERIA) {
            s.out().no(tag, ResponseCode.Atom.LIMIT, "At most " + CRITERIA + " criteria in one search"); // RFC 5530 §3
            return Optional.empty();
        }
        if (counts[1] > TEXT_CRITERIA) {
            s.out().no(tag, ResponseCode.Atom.LIMIT, "At most " + TEXT_CRITERIA
                    + " BODY, TEXT, HEADER and address or SUBJECT criteria in one search");
            return Optional.empty();
        }
        if (!withDetails && needsDetails(key) && sel.count() > 0) {
            Optional<MailboxReads.SearchFilter> pushed = pushDown(key, MailboxReads.SearchFilter.ALL);
            if (pushed.isPresent()) {
                // the store evaluates size and date criteria itself: no message's details are read here
                Set<Long> found = new HashSet<>();
                for (Uid u : s.env.store().mail().search(sel.mailbox().id(), pushed.get())) found.add(u.value());
                List<Integer> hits = new ArrayList<>();
                long highest = 0;
                for (int i = 1; i <= sel.count(); i++) {
                    if (found.contains(sel.get(i).uid().value())) {
                        hits.add(i);
                        highest = Math.max(highest, sel.get(i).modSeq().value());
                    }
                    progress.step();
                }
                return Optional.of(new Hits(hits, false, highest, Map.of()));
            }
        }
        now = s.env.clock().instant();
        Map<SearchKey, BitSet> sets = new IdentityHashMap<>();
        boolean modseqKey = prepare(key, sel, sets);
        if (modseqKey && s.isSelected(sel)) s.enableCondstore(); // RFC 7162 §3.1: a CONDSTORE enabling command
        else if (modseqKey) s.dialect(s.dialect().withCondstore());
        List<Integer> hits = new ArrayList<>();
        long highestModSeq = 0;
        Map<Uid, MessageMeta> details = Map.of();
        if ((withDetails || needsDetails(key)) && sel.count() > 0) {
            BitSet all = new BitSet();
            all.set(1, sel.count() + 1);
            details = sel.details(all);
        }
        for (int i = 1; i <= sel.count(); i++) {
            Candidate m = new Candidate(i, sel.get(i), details.get(sel.get(i).uid()), sel.isRecent(sel.get(i).uid()));
            if (matches(key, m, sets)) {
                hits.add(i);
                highestModSeq = Math.max(highestModSeq, m.state.modSeq().value());
            }
            progress.step();
        }
        return Optional.of(new Hits(hits, modseqKey, highestModSeq, details));
    }

    /** Which of these UIDs of the selected mailbox match {@code key} now, ascending (for search updates). */
    List<Long> matchingUids(SearchKey key, java.util.Collection<Long> uids) throws IOException {
        SelectedMailbox sel = s.selection().orElseThrow();
        BitSet seqs = new BitSet();
        for (long u : uids) {
            int q = sel.seqOf(u);
            if (q > 0) seqs.set(q);
        }
        if (seqs.isEmpty()) return List.of();
        now = s.env.clock().instant();
        Map<SearchKey, BitSet> sets = new IdentityHashMap<>();
        prepare(key, sel, sets);
        Map<Uid, MessageMeta> details = needsDetails(key) ? sel.details(seqs) : Map.of();
        List<Long> out = new ArrayList<>();
        for (int q = seqs.nextSetBit(0); q >= 0; q = seqs.nextSetBit(q + 1)) {
            Candidate m = new Candidate(q, sel.get(q), details.get(sel.get(q).uid()), sel.isRecent(sel.get(q).uid()));
            if (matches(key, m, sets)) out.add(sel.get(q).uid().value());
        }
        return out;
    }

    /** These UIDs of the selected mailbox in the order of the sort criteria (for SORT updates, RFC 5267 §4.5). */
    List<Long> sortedUids(List<ImapCommand.SortCriterion> criteria, java.util.Collection<Long> uids) throws IOException {
        SelectedMailbox sel = s.selection().orElseThrow();
        BitSet seqs = new BitSet();
        for (long u : uids) {
            int q = sel.seqOf(u);
            if (q > 0) seqs.set(q);
        }
        List<Integer> ordered = order(sel, criteria, seqs.stream().boxed().toList(), sel.details(seqs), Progress.NONE);
        List<Long> out = new ArrayList<>(ordered.size());
        for (int q : ordered) out.add(sel.get(q).uid().value());
        return out;
    }

    void search(String tag, SelectedMailbox sel, ImapCommand.Search c) throws IOException, ImapSyntaxException {
        Optional<Hits> found = evaluate(sel, tag, c.charset(), c.key(), false);
        if (found.isEmpty()) return;
        List<Integer> hits = found.get().seqs();
        boolean modseqKey = found.get().modseqKey();
        long highestModSeq = found.get().highestModSeq();
        List<Long> numbers = new ArrayList<>(hits.size());
        for (int i : hits) numbers.add(c.uid() ? sel.get(i).uid().value() : i);
        List<String> ret = c.returnOptions();
        boolean save = ret.contains("SAVE");
        boolean update = ret.contains("UPDATE");
        if (save) {
            // RFC 5182 §2.4: with MIN and/or MAX (and neither ALL nor COUNT) only those are saved
            boolean onlyMinMax = (ret.contains("MIN") || ret.contains("MAX")) && !ret.contains("ALL") && !ret.contains("COUNT");
            List<Long> uids = new ArrayList<>();
            for (int idx = 0; idx < hits.size(); idx++) {
                boolean keep = !onlyMinMax || (ret.contains("MIN") && idx == 0) || (ret.contains("MAX") && idx == hits.size() - 1);
                if (keep) uids.add(sel.get(hits.get(idx)).uid().value());
            }
            sel.save(uids);
        }
        if (!ret.isEmpty() || s.dialect().rev2()) {
            List<String> opts = ret.isEmpty() ? List.of("ALL") : ret;
            // RFC 5182 §2.4: RETURN (SAVE) alone answers nothing; UPDATE and CONTEXT ask for nothing themselves
            if (opts.stream().anyMatch(o -> !o.equals("SAVE") && !o.equals("UPDATE") && !o.equals("CONTEXT"))) {
                List<String> items = esearchItems(numbers, opts);
                // RFC 9394 §3.1: PARTIAL (range set-or-NIL), the slice of the result the range names
                c.partial().ifPresent(p -> items.add(partialItem(p, numbers)));
                if (modseqKey && !numbers.isEmpty()) items.add("MODSEQ " + returnedModSeq(sel, hits, opts, c.partial()));
                s.out().esearch(ResponseEncoder.tagCorrelator(tag), c.uid(), items);
            }
        } else {
            s.out().search(numbers, modseqKey && !numbers.isEmpty() ? OptionalLong.of(highestModSeq) : OptionalLong.empty());
        }
        if (update) keep(tag, c.uid(), c.key(), List.of(), uidsOf(sel, hits));
        s.sync(c.uid());
        s.out().ok(tag, (c.uid() ? "UID SEARCH" : "SEARCH") + " completed");
    }

    /**
     * RFC 4731 §3.2 (and RFC 7162 §3.1.5): the ESEARCH MODSEQ is that of the messages returned: of the MIN or MAX
     * message alone, the higher of the two with both, and of all matches with ALL or COUNT; a PARTIAL slice (RFC 9394)
     * returns the messages in it.
     */
    private static long returnedModSeq(SelectedMailbox sel, List<Integer> hits, List<String> opts,
            Optional<ImapCommand.PartialRange> partial) {
        List<Integer> returned;
        if (opts.contains("ALL") || opts.contains("COUNT")) {
            returned = hits;
        } else {
            List<Integer> picked = new ArrayList<>();
            if (opts.contains("MIN")) picked.add(hits.getFirst());
            if (opts.contains("MAX")) picked.add(hits.getLast());
            partial.ifPresent(p -> picked.addAll(p.of(hits)));
            returned = picked;
        }
        long max = 0;
        for (int q : returned) max = Math.max(max, sel.get(q).modSeq().value());
        return max;
    }

    private static List<Long> uidsOf(SelectedMailbox sel, List<Integer> seqs) {
        List<Long> out = new ArrayList<>(seqs.size());
        for (int q : seqs) out.add(sel.get(q).uid().value());
        return out;
    }

    /**
     * RETURN (UPDATE): keeps the search so later changes are reported (RFC 5267 §4.3), or says why not with an
     * untagged NO [NOUPDATE "tag"]; the search itself was answered either way.
     */
    private void keep(String tag, boolean uid, SearchKey key, List<ImapCommand.SortCriterion> sort, List<Long> uids)
            throws IOException {
        Optional<String> refused = s.updates.register(tag, uid, key, sort, uids);
        if (refused.isPresent()) s.out().untagged(ImapResponse.Status.NO, new ResponseCode.NoUpdate(tag), refused.get());
    }

    /**
     * The return data of an ESEARCH response (RFC 4731 §3.1): MIN and MAX are the first and last of
     * {@code numbers}, ALL keeps their order (ascending for SEARCH, sort order for ESORT).
     */
    private static List<String> esearchItems(List<Long> numbers, List<String> opts) {
        List<String> items = new ArrayList<>();
        if (!numbers.isEmpty()) {
            if (opts.contains("MIN")) items.add("MIN " + numbers.getFirst());
            if (opts.contains("MAX")) items.add("MAX " + numbers.getLast());
            if (opts.contains("ALL")) items.add("ALL " + Uids.compact(numbers));
        }
        if (opts.contains("COUNT")) items.add("COUNT " + numbers.size());
        return items;
    }

    /** RFC 9394 §3.1 {@code PARTIAL (range set-or-NIL)}: the slice of the result the range names. */
    private static String partialItem(ImapCommand.PartialRange p, List<Long> numbers) {
        List<Long> slice = p.of(numbers);
        return "PARTIAL (" + p + " " + (slice.isEmpty() ? "NIL" : Uids.compact(slice)) + ")";
    }

    /**
     * ESEARCH over several mailboxes (RFC 7377): one response per mailbox with matches, tagged with its name and
     * UIDVALIDITY, always in UIDs. Mailboxes other than the selected one are searched through a read-only view.
     */
    void multiSearch(String tag, ImapCommand.MultiSearch c) throws IOException, ImapSyntaxException {
        if (usesSequenceNumbers(c.search().key())) {
            throw new ImapSyntaxException(tag, "Sequence numbers cannot be used with ESEARCH", false); // RFC 7377 §2
        }
        // the user's own mailboxes, then those shared with them that they may list and read (RFC 4314 §4)
        List<Access.Listed> all = new ArrayList<>();
        for (Access.Listed l : s.access.listable()) if (l.rights().has('r')) all.add(l);
        java.util.LinkedHashMap<org.tegami.store.MailboxId, Access.Target> boxes = new java.util.LinkedHashMap<>();
        for (ImapCommand.SearchSource src : c.sources()) {
            for (Access.Listed l : all) {
                if (inSource(src, l, tag)) boxes.putIfAbsent(l.target().mailbox().id(), l.target());
            }
        }
        List<String> opts = c.search().returnOptions().isEmpty() ? List.of("ALL") : c.search().returnOptions();
        // the other mailboxes' sizes are known only once each is opened, so the goal stays NIL (RFC 9585 §5)
        Progress progress = new Progress(s, tag, 0, "Still searching");
        for (Access.Target t : boxes.values()) {
            org.tegami.store.Mailbox mb = t.mailbox();
            boolean current = s.isSelected(mb.id());
            SelectedMailbox view = current ? s.selection().orElseThrow() : new SelectedMailbox(s.env.store().mail(), mb, true);
            try {
                Optional<Hits> found = evaluate(view, tag, c.search().charset(), c.search().key(), false, progress);
                if (found.isEmpty()) return; // BADCHARSET or LIMIT was answered
                List<Long> uids = new ArrayList<>();
                for (int q : found.get().seqs()) uids.add(view.get(q).uid().value());
                if (uids.isEmpty() && !opts.contains("COUNT")) continue;
                s.out().esearch(s.out().mailboxCorrelator(tag, t.name(), mb.uidValidity()), true, esearchItems(uids, opts));
            } finally {
                if (!current) view.close();
            }
        }
        s.out().ok(tag, "ESEARCH completed");
    }

    private boolean inSource(ImapCommand.SearchSource src, Access.Listed candidate, String tag)
            throws ImapSyntaxException {
        Access.Target t = candidate.target();
        return switch (src.filter()) {
            case "selected", "selected-delayed" -> s.isSelected(t.mailbox().id());
            case "inboxes" -> t.own() && t.name().equals(org.tegami.store.Mailbox.INBOX);
            case "personal" -> t.own();
            case "subscribed" -> candidate.subscribed();
            default -> {
                boolean any = false;
                String box = t.name();
                for (String wire : src.mailboxes()) {
                    String name = s.mailboxName(tag, wire);
                    any |= box.equals(name)
                            || (src.filter().equals("subtree") && box.startsWith(name + MailboxCommands.SEPARATOR))
                            || (src.filter().equals("subtree-one") && box.startsWith(name + MailboxCommands.SEPARATOR)
                                    && box.indexOf(MailboxCommands.SEPARATOR, name.length() + 1) < 0);
                }
                yield any;
            }
        };
    }

    /** Whether a search names the saved result {@code $} (RFC 5182), as {@code $} or {@code UID $}. */
    static boolean usesSaved(SearchKey key) {
        return switch (key) {
            case SearchKey.SeqSet q -> q.set().saved();
            case SearchKey.UidSet u -> u.set().saved();
            case SearchKey.Not n -> usesSaved(n.key());
            case SearchKey.Or o -> usesSaved(o.a()) || usesSaved(o.b());
            case SearchKey.And a -> a.keys().stream().anyMatch(SearchCommands::usesSaved);
            default -> false;
        };
    }

    /** Whether a search names messages by sequence number. */
    static boolean usesSequenceNumbers(SearchKey key) {
        return switch (key) {
            case SearchKey.SeqSet q -> true;
            case SearchKey.Not n -> usesSequenceNumbers(n.key());
            case SearchKey.Or o -> usesSequenceNumbers(o.a()) || usesSequenceNumbers(o.b());
            case SearchKey.And a -> a.keys().stream().anyMatch(SearchCommands::usesSequenceNumbers);
            default -> false;
        };
    }

    /**
     * SORT and UID SORT (RFC 5256 §3, RFC 5957 DISPLAYFROM/DISPLAYTO): the matching messages ordered by the
     * criteria in turn, ties broken by sequence number.
     */
    void sort(String tag, SelectedMailbox sel, ImapCommand.Sort c) throws IOException {
        Optional<Hits> found = evaluate(sel, tag, Optional.of(c.charset()), c.key(), true);
        if (found.isEmpty()) return;
        List<Integer> seqs = order(sel, c.criteria(), found.get().seqs(), found.get().details(),
                new Progress(s, tag, found.get().details().size(), "Still sorting"));
        List<Long> numbers = new ArrayList<>(seqs.size());
        for (int q : seqs) numbers.add(c.uid() ? sel.get(q).uid().value() : q);
        if (c.returnOptions().isEmpty()) {
            s.out().sort(numbers);
        } else {
            // RFC 5267 §3.2: MIN and MAX are the first and last in sort order, ALL keeps the sort order; §4.4: PARTIAL
            // is a slice of the sorted result
            List<String> items = esearchItems(numbers, c.returnOptions());
            c.partial().ifPresent(p -> items.add(partialItem(p, numbers)));
            s.out().esearch(ResponseEncoder.tagCorrelator(tag), c.uid(), items);
        }
        if (c.returnOptions().contains("UPDATE")) keep(tag, c.uid(), c.key(), c.criteria(), uidsOf(sel, seqs));
        s.sync(c.uid());
        s.out().ok(tag, (c.uid() ? "UID SORT" : "SORT") + " completed");
    }

    /** Orders messages by the criteria in turn, ties broken by sequence number (RFC 5256 §3). */
    private List<Integer> order(SelectedMailbox sel, List<ImapCommand.SortCriterion> criteria, List<Integer> hits,
            Map<Uid, MessageMeta> details, Progress progress) throws IOException {
        List<Integer> seqs = new ArrayList<>(hits);
        Map<Integer, SortKeys> keys = new java.util.HashMap<>();
        boolean needsHeaders = criteria.stream().anyMatch(k -> !k.key().equals("ARRIVAL") && !k.key().equals("SIZE"));
        if (needsHeaders) {
            Map<org.tegami.store.BlobId, SortKeys> byBlob = s.env.structures().sortKeys(
                    details.values().stream().map(MessageMeta::blob).toList(), progress);
            for (int seq : seqs) {
                MessageMeta m = details.get(sel.get(seq).uid());
                if (m != null) keys.put(seq, byBlob.get(m.blob()));
            }
        }
        java.util.Comparator<Integer> order = (a, b) -> 0;
        for (ImapCommand.SortCriterion k : criteria) {
            java.util.Comparator<Integer> one = switch (k.key()) {
                case "ARRIVAL" -> java.util.Comparator.comparing(q -> arrival(details, sel, q));
                case "SIZE" -> java.util.Comparator.comparingLong(q -> size(details, sel, q));
                // RFC 5256 §3: a missing or unparseable Date sorts by the internal date
                case "DATE" -> java.util.Comparator.comparing(q -> keys.containsKey(q)
                        ? keys.get(q).date().orElseGet(() -> arrival(details, sel, q)) : arrival(details, sel, q));
                default -> java.util.Comparator.comparing(q -> text(keys.get(q), k.key()));
            };
            order = order.thenComparing(k.reverse() ? one.reversed() : one);
        }
        seqs.sort(order.thenComparing(java.util.Comparator.naturalOrder()));
        return seqs;
    }

    /** THREAD and UID THREAD (RFC 5256 §4): the matching messages as threads. */
    void thread(String tag, SelectedMailbox sel, ImapCommand.Thread c) throws IOException {
        Optional<Hits> found = evaluate(sel, tag, Optional.of(c.charset()), c.key(), true);
        if (found.isEmpty()) return;
        Map<Uid, MessageMeta> details = found.get().details();
        List<Threader.Message> msgs = new ArrayList<>();
        Map<org.tegami.store.BlobId, SortKeys> byBlob = s.env.structures().sortKeys(
                details.values().stream().map(MessageMeta::blob).toList(), new Progress(s, tag, details.size(), "Still threading"));
        for (int seq : found.get().seqs()) {
            MessageMeta m = details.get(sel.get(seq).uid());
            if (m == null) continue;
            SortKeys k = byBlob.get(m.blob());
            // RFC 5256 §4: threads are ordered by sent date, the internal date when there is none
            msgs.add(new Threader.Message(c.uid() ? m.uid().value() : seq, k, k.date().orElse(m.internalDate())));
        }
        String threads = c.algorithm().equals("REFERENCES") ? Threader.references(msgs) : Threader.orderedSubject(msgs);
        s.out().data(threads.isEmpty() ? "THREAD" : "THREAD " + threads); // RFC 5256 §4
        s.sync(c.uid());
        s.out().ok(tag, (c.uid() ? "UID THREAD" : "THREAD") + " completed");
    }

    private static java.time.Instant arrival(Map<Uid, MessageMeta> details, SelectedMailbox sel, int seq) {
        MessageMeta m = details.get(sel.get(seq).uid());
        return m == null ? java.time.Instant.EPOCH : m.internalDate();
    }

    private static long size(Map<Uid, MessageMeta> details, SelectedMailbox sel, int seq) {
        MessageMeta m = details.get(sel.get(seq).uid());
        return m == null ? 0 : m.size();
    }

    private static String text(SortKeys k, String criterion) {
        if (k == null) return "";
        return switch (criterion) {
            case "SUBJECT" -> k.subject();
            case "FROM" -> k.from();
            case "TO" -> k.to();
            case "CC" -> k.cc();
            case "DISPLAYFROM" -> k.displayFrom();
            case "DISPLAYTO" -> k.displayTo();
            default -> "";
        };
    }

    /** Resolves the sequence and UID sets once; returns whether a MODSEQ key is present. */
    private static boolean prepare(SearchKey key, SelectedMailbox sel, Map<SearchKey, BitSet> sets) {
        return switch (key) {
            case SearchKey.UidSet u -> {
                sets.put(key, sel.resolve(u.set(), true));
                yield false;
            }
            case SearchKey.SeqSet q -> {
                sets.put(key, sel.resolve(q.set(), false));
                yield false;
            }
            case SearchKey.Not n -> prepare(n.key(), sel, sets);
            case SearchKey.Or o -> prepare(o.a(), sel, sets) | prepare(o.b(), sel, sets);
            case SearchKey.And a -> {
                boolean any = false;
                for (SearchKey k : a.keys()) any |= prepare(k, sel, sets);
                yield any;
            }
            case SearchKey.ModSeq m -> true;
            default -> false;
        };
    }

    /** Whether a key looks at more than UID, flags and modseq: size, dates or content. */
    /**
     * The search as a {@link MailboxReads.SearchFilter} the store evaluates (the push-down): an AND of LARGER,
     * SMALLER, BEFORE, ON and SINCE (internal dates, by UTC day as {@link #matches} compares them); empty when the key
     * has any other criterion, which is then evaluated here.
     */
    static Optional<MailboxReads.SearchFilter> pushDown(SearchKey key, MailboxReads.SearchFilter f) {
        return switch (key) {
            case SearchKey.All k -> Optional.of(f);
            case SearchKey.Larger k -> Optional.of(f.larger(k.size()));
            case SearchKey.Smaller k -> Optional.of(f.smaller(k.size()));
            case SearchKey.Before k -> Optional.of(f.before(startOf(k.date())));
            case SearchKey.Since k -> Optional.of(f.since(startOf(k.date())));
            case SearchKey.On k -> Optional.of(f.since(startOf(k.date())).before(startOf(k.date().plusDays(1))));
            case SearchKey.And a -> {
                Optional<MailboxReads.SearchFilter> all = Optional.of(f);
                for (SearchKey k : a.keys()) {
                    if (all.isEmpty()) break;
                    all = pushDown(k, all.get());
                }
                yield all;
            }
            default -> Optional.empty();
        };
    }

    private static Instant startOf(java.time.LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static boolean needsDetails(SearchKey key) {
        return switch (key) {
            case SearchKey.Header k -> true;
            case SearchKey.Body k -> true;
            case SearchKey.Text k -> true;
            case SearchKey.Before k -> true;
            case SearchKey.On k -> true;
            case SearchKey.Since k -> true;
            case SearchKey.SentBefore k -> true;
            case SearchKey.SentOn k -> true;
            case SearchKey.SentSince k -> true;
            case SearchKey.Larger k -> true;
            case SearchKey.Smaller k -> true;
            case SearchKey.Older k -> true;
            case SearchKey.Younger k -> true;
            case SearchKey.EmailId k -> true;
            case SearchKey.SavedBefore k -> true;
            case SearchKey.SavedOn k -> true;
            case SearchKey.SavedSince k -> true;
            case SearchKey.Not n -> needsDetails(n.key());
            case SearchKey.Or o -> needsDetails(o.a()) || needsDetails(o.b());
            case SearchKey.And a -> a.keys().stream().anyMatch(SearchCommands::needsDetails);
            default -> false;
        };
    }

    /**
     * One message under test, with its content parsed only if a key needs it. {@code meta} is null when no key
     * needs it, or when the message was expunged by another session meanwhile (then such keys do not match).
     */
    private final class Candidate {
        final int seq;
        final MessageState state;
        final MessageMeta meta;
        /** Recent to this IMAP4rev1 session (RFC 3501 §2.3.2); never under IMAP4rev2. */
        final boolean recent;
        private MessageText text;

        Candidate(int seq, MessageState state, MessageMeta meta, boolean recent) {
            this.seq = seq;
            this.state = state;
            this.meta = meta;
            this.recent = recent;
        }

        boolean header(String field, String value) throws IOException {
            if (meta == null) return false;
            // the decoded header alone, kept between searches, unless the whole text is decoded already
            return text != null ? text.header(field, value) : s.env.structures().headerText(meta.content()).header(field, value);
        }

        boolean body(String value) throws IOException {
            return meta != null && text().body(value);
        }

        boolean text(String value) throws IOException {
            return meta != null && text().text(value);
        }

        private MessageText text() throws IOException {
            if (text == null) text = MessageText.of(s.env.structures().read(meta.content()));
            return text;
        }

        Optional<LocalDate> sent() throws IOException {
            return meta == null ? Optional.empty() : s.env.structures().summary(meta.blob(), true).sentDate();
        }

        /** The internal date's day (UTC), or empty when unknown. */
        Optional<LocalDate> internal() {
            return meta == null ? Optional.empty() : Optional.of(meta.internalDate().atZone(ZoneOffset.UTC).toLocalDate());
        }

        /** The save date's day (UTC), when known. */
        Optional<LocalDate> saved() {
            return meta == null ? Optional.empty() : meta.saveDate().map(t -> t.atZone(ZoneOffset.UTC).toLocalDate());
        }

        long size() {
            return meta == null ? -1 : meta.size();
        }

        boolean has(String flag) {
            for (String f : state.flags()) if (f.equalsIgnoreCase(flag)) return true;
            return false;
        }
    }

    /** The time the current command started, for OLDER and YOUNGER. */
    private java.time.Instant now = java.time.Instant.EPOCH;

    private boolean matches(SearchKey key, Candidate m, Map<SearchKey, BitSet> sets) throws IOException {
        return switch (key) {
            case SearchKey.All k -> true;
            case SearchKey.Answered k -> m.has("\\Answered");
            case SearchKey.Deleted k -> m.has("\\Deleted");
            case SearchKey.Draft k -> m.has("\\Draft");
            case SearchKey.Flagged k -> m.has("\\Flagged");
            case SearchKey.Seen k -> m.has("\\Seen");
            case SearchKey.Unanswered k -> !m.has("\\Answered");
            case SearchKey.Undeleted k -> !m.has("\\Deleted");
            case SearchKey.Undraft k -> !m.has("\\Draft");
            case SearchKey.Unflagged k -> !m.has("\\Flagged");
            case SearchKey.Unseen k -> !m.has("\\Seen");
            // RFC 3501 §6.4.4: \Recent as this session sees it (none under IMAP4rev2, RFC 9051 removed it)
            case SearchKey.New k -> m.recent && !m.has("\\Seen");
            case SearchKey.Recent k -> m.recent;
            case SearchKey.Old k -> !m.recent;
            case SearchKey.Keyword k -> m.has(k.flag());
            case SearchKey.Unkeyword k -> !m.has(k.flag());
            case SearchKey.Header k -> m.header(k.field(), k.value());
            case SearchKey.Body k -> m.body(k.value());
            case SearchKey.Text k -> m.text(k.value());
            case SearchKey.Before k -> m.internal().map(d -> d.isBefore(k.date())).orElse(false);
            case SearchKey.On k -> m.internal().map(d -> d.equals(k.date())).orElse(false);
            case SearchKey.Since k -> m.internal().map(d -> !d.isBefore(k.date())).orElse(false);
            case SearchKey.SentBefore k -> m.sent().map(d -> d.isBefore(k.date())).orElse(false);
            case SearchKey.SentOn k -> m.sent().map(d -> d.equals(k.date())).orElse(false);
            case SearchKey.SentSince k -> m.sent().map(d -> !d.isBefore(k.date())).orElse(false);
            case SearchKey.Larger k -> m.size() > k.size();
            case SearchKey.Smaller k -> m.size() >= 0 && m.size() < k.size();
            case SearchKey.UidSet k -> sets.get(key).get(m.seq);
            case SearchKey.SeqSet k -> sets.get(key).get(m.seq);
            case SearchKey.Not k -> !matches(k.key(), m, sets);
            case SearchKey.Or k -> matches(k.a(), m, sets) || matches(k.b(), m, sets);
            case SearchKey.And k -> {
                for (SearchKey sub : k.keys()) if (!matches(sub, m, sets)) yield false;
                yield true;
            }
            case SearchKey.ModSeq k -> m.state.modSeq().value() >= k.modSeq();
            case SearchKey.EmailId k -> m.meta != null && ObjectIds.email(m.meta.blob()).equals(k.id());
            case SearchKey.ThreadId k -> false; // no message has a THREADID (FETCH answers NIL)
            // RFC 8514 §4: a message without a save date matches none of these
            case SearchKey.SavedBefore k -> m.saved().map(d -> d.isBefore(k.date())).orElse(false);
            case SearchKey.SavedOn k -> m.saved().map(d -> d.equals(k.date())).orElse(false);
            case SearchKey.SavedSince k -> m.saved().map(d -> !d.isBefore(k.date())).orElse(false);
            case SearchKey.SaveDateSupported k -> true;
            // RFC 5032 §3: relative to the time the command runs
            case SearchKey.Older k -> m.meta != null && !m.meta.internalDate().isAfter(now.minusSeconds(k.seconds()));
            case SearchKey.Younger k -> m.meta != null && m.meta.internalDate().isAfter(now.minusSeconds(k.seconds()));
        };
    }

    /** RFC 5267 §4.2.1 CANCELUPDATE; every tag is checked first, so a BAD leaves all searches as they were. */
    void cancelUpdate(String tag, ImapCommand.CancelUpdate c) throws IOException, ImapSyntaxException {
        for (String t : c.tags()) {
            if (!s.updates.has(t)) throw new ImapSyntaxException(tag, "No search updates with tag " + t, false);
        }
        c.tags().forEach(s.updates::cancel);
        s.out().ok(tag, "CANCELUPDATE completed");
    }
}
