package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What {@code tegami trace} needs of every backend: lines found by the ids they name, oldest first, pruned by age and count. */
public interface TraceHistoryStoreContract extends StoreContract {

    @Test
    default void traceLinesAreFoundByTheirIdsAndPruned() {
        TraceHistoryStore h = store().traceHistory();
        assertTrue(h.find(Set.of("q:1"), 10).isEmpty());
        h.append(List.of(
                new TraceHistoryStore.Line(1_000, "received msgid=<a@x> accepted TX1", List.of("m:<a@x>", "t:TX1")),
                new TraceHistoryStore.Line(2_000, "queued queue=7 msgid=<a@x>", List.of("m:<a@x>", "q:7")),
                new TraceHistoryStore.Line(3_000, "other queue=8", List.of("q:8"))));
        h.append(List.of(new TraceHistoryStore.Line(4_000, "delivered queue=7", List.of("q:7"))));
        h.append(List.of());

        List<TraceHistoryStore.Line> a = reopen().traceHistory().find(Set.of("m:<a@x>"), 10);
        assertEquals(List.of("received msgid=<a@x> accepted TX1", "queued queue=7 msgid=<a@x>"),
                a.stream().map(TraceHistoryStore.Line::text).toList(), "kept across a restart, oldest first");
        assertEquals(Set.of("m:<a@x>", "q:7"), Set.copyOf(a.get(1).keys()), "a line comes back with its keys");
        assertEquals(2_000, a.get(1).time());
        assertEquals(List.of("queued queue=7 msgid=<a@x>", "other queue=8", "delivered queue=7"),
                second().traceHistory().find(Set.of("q:7", "q:8"), 10).stream().map(TraceHistoryStore.Line::text).toList(),
                "several keys at once, each line once in the order written, seen by another process");
        assertEquals(1, store().traceHistory().find(Set.of("q:7", "m:<a@x>"), 1).size(), "limit");

        h = store().traceHistory();
        assertEquals(1, h.prune(2_000, Long.MAX_VALUE), "lines before the retention go");
        assertEquals(1, h.find(Set.of("m:<a@x>"), 10).size());
        assertEquals(1, h.prune(0, 2), "beyond the count the oldest go");
        assertEquals(List.of("other queue=8", "delivered queue=7"),
                h.find(Set.of("q:7", "q:8", "m:<a@x>", "t:TX1"), 10).stream().map(TraceHistoryStore.Line::text).toList());
        assertEquals(0, h.prune(0, 10), "nothing more to prune");

        List<String> keys = new ArrayList<>();
        for (int i = 0; i < TraceHistoryStore.MAX_KEYS + 4; i++) keys.add("q:" + (100 + i));
        h.append(List.of(new TraceHistoryStore.Line(5_000, "x".repeat(TraceHistoryStore.MAX_LINE + 100), keys)));
        TraceHistoryStore.Line big = h.find(Set.of("q:100"), 1).get(0);
        assertEquals(TraceHistoryStore.MAX_LINE, big.text().length(), "a long line is cut");
        assertEquals(TraceHistoryStore.MAX_KEYS, big.keys().size(), "keys per line are bounded");
        assertTrue(h.find(Set.of("q:" + (100 + TraceHistoryStore.MAX_KEYS)), 1).isEmpty());
    }
}
