package org.tegami.imap.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.SearchKey;

/**
 * The searches a client asked to keep up to date with {@code RETURN (UPDATE)} (CONTEXT=SEARCH and CONTEXT=SORT,
 * RFC 5267 §4): at most {@link #MAX} per session, all dropped when the selected mailbox changes. After each catch-up
 * with the store, the messages that arrived, changed or left the view are tested against each kept search, and the
 * differences go to the client as {@code * ESEARCH (TAG "t") UID REMOVEFROM (...)} and then {@code ADDTO (...)}: each
 * message with its position in the result, in UIDs after UID SEARCH/SORT and in sequence numbers otherwise (RFC 5267
 * §4.3, §4.4).
 *
 * <p>Removals caused by an expunge come only with the catch-up that reports the expunge, so they follow the same
 * RFC 9051 §7.4.1 rule as EXPUNGE itself. Used under the session's lock, by the session thread or a notifier
 * (IDLE, NOTIFY), as {@link SelectedMailbox} is.
 */
final class SearchUpdates {
    /** Most searches one session may keep updated; a further one is answered but refused with NOUPDATE. */
    static final int MAX = 5;

    /**
     * One kept search. {@code result} holds the UIDs it matches in result order: ascending for SEARCH, the sort
     * order for SORT ({@code sort} empty for SEARCH).
     */
    private static final class Context {
        final String tag;
        /** Reported in UIDs (UID SEARCH, UID SORT), else in sequence numbers. */
        final boolean uid;
        final SearchKey key;
        final List<ImapCommand.SortCriterion> sort;
        List<Long> result;
        final Set<Long> members;

        Context(String tag, boolean uid, SearchKey key, List<ImapCommand.SortCriterion> sort, List<Long> result) {
            this.tag = tag;
            this.uid = uid;
            this.key = key;
            this.sort = List.copyOf(sort);
            this.result = new ArrayList<>(result);
            this.members = new HashSet<>(result);
        }
    }

    private final ImapSession session;
    private final SearchCommands searcher;
    private final Map<String, Context> active = new LinkedHashMap<>();

    SearchUpdates(ImapSession session) {
        this.session = session;
        this.searcher = new SearchCommands(session);
    }

    /**
     * Keeps a search whose result (UIDs, in result order) was just sent; returns why it cannot be kept instead.
     * A tag already kept is replaced, so a client reusing tags cannot grow the table.
     */
    Optional<String> register(String tag, boolean uid, SearchKey key, List<ImapCommand.SortCriterion> sort,
            List<Long> uids) {
        // Sequence numbers name other messages after an expunge, and $ changes with the next SAVE: such a search
        // could not be re-run on the messages that change later.
        if (SearchCommands.usesSequenceNumbers(key) || SearchCommands.usesSaved(key)) {
            return Optional.of("Searches by sequence number or $ are not kept up to date");
        }
        if (!active.containsKey(tag) && active.size() >= MAX) {
            return Optional.of("Too many searches kept up to date, at most " + MAX);
        }
        active.put(tag, new Context(tag, uid, key, sort, uids));
        return Optional.empty();
    }

    boolean has(String tag) {
        return active.containsKey(tag);
    }

    void cancel(String tag) {
        active.remove(tag);
    }

    void clear() {
        active.clear();
    }

    /** One ESEARCH update of a kept search: its tag, whether in UIDs, and the ADDTO or REMOVEFROM return data. */
    record Update(String tag, boolean uid, String data) {}

    /**
     * The ESEARCH responses that bring every kept search up to date, given the UIDs now in the view that arrived or
     * changed, and those that left it.
     */
    List<Update> apply(Set<Long> changed, Set<Long> removed) throws IOException {
        if (active.isEmpty() || (changed.isEmpty() && removed.isEmpty())) return List.of();
        List<Update> lines = new ArrayList<>();
        List<Long> candidates = new ArrayList<>(new TreeSet<>(changed));
        for (Context c : active.values()) {
            Set<Long> gone = new TreeSet<>();
            for (long u : removed) if (c.members.contains(u)) gone.add(u);
            Set<Long> matching = candidates.isEmpty() ? Set.of() : new HashSet<>(searcher.matchingUids(c.key, candidates));
            Set<Long> added = new TreeSet<>();
            for (long u : candidates) {
                boolean was = c.members.contains(u);
                if (was && !matching.contains(u)) gone.add(u);
                else if (!was && matching.contains(u)) added.add(u);
            }
            if (gone.isEmpty() && added.isEmpty()) continue;
            update(c, gone, added, removed, lines);
        }
        return lines;
    }

    /**
     * RFC 5267 §4.4: each message comes with its 1-based position in the result (ascending for SEARCH, sort order for
     * SORT, §4.5), the pairs to be applied in the order sent. Removals go from the back, so each position is both the
     * current and the original one; additions from the front, each at its final position. A changed flag never moves
     * a message within the order (no sort key is a flag), so the messages kept stay in their relative order. In
     * sequence numbers an expunged message is not named: its EXPUNGE, sent just before, already took its number out
     * of the client's result (RFC 9051 §7.5.1), so it leaves the result here without a REMOVEFROM.
     */
    private void update(Context c, Set<Long> gone, Set<Long> added, Set<Long> expunged, List<Update> lines)
            throws IOException {
        SelectedMailbox sel = session.selection().orElseThrow();
        if (!c.uid) {
            c.result.removeIf(expunged::contains);
            c.members.removeAll(expunged);
        }
        List<String> removals = new ArrayList<>();
        for (int i = c.result.size() - 1; i >= 0; i--) {
            long u = c.result.get(i);
            if (gone.contains(u)) removals.add((i + 1) + " " + (c.uid ? u : sel.seqOf(u)));
        }
        c.members.removeAll(gone);
        c.members.addAll(added);
        c.result = c.sort.isEmpty() ? new ArrayList<>(new TreeSet<>(c.members)) : searcher.sortedUids(c.sort, c.members);
        List<String> additions = new ArrayList<>();
        for (int i = 0; i < c.result.size(); i++) {
            long u = c.result.get(i);
            if (added.contains(u)) additions.add((i + 1) + " " + (c.uid ? u : sel.seqOf(u)));
        }
        if (!removals.isEmpty()) lines.add(new Update(c.tag, c.uid, "REMOVEFROM (" + String.join(" ", removals) + ")"));
        if (!additions.isEmpty()) lines.add(new Update(c.tag, c.uid, "ADDTO (" + String.join(" ", additions) + ")"));
    }
}
