package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What TLS reporting (RFC 8460) needs of every backend: session counts per domain and day, bounded, removable. */
public interface TlsReportStoreContract extends StoreContract {

    @Test
    default void tlsSessionCountsAddUpPerDomainAndDay() {
        TlsReportStore r = store().tlsReports();
        assertTrue(r.pending(Long.MAX_VALUE).isEmpty());
        r.add("a.test", 20_000, Map.of("ok", 2L, "fail", 1L));
        r.add("a.test", 20_000, Map.of("ok", 3L));
        r.add("b.test", 20_001, Map.of("ok", 1L));
        r.add("c.test", 20_002, Map.of());
        assertEquals(Map.of("ok", 5L, "fail", 1L), reopen().tlsReports().rows("a.test", 20_000), "kept across a restart");
        r = store().tlsReports();
        assertEquals(List.of(new TlsReportStore.Pending("a.test", 20_000)), r.pending(20_001));
        assertEquals(2, second().tlsReports().pending(20_002).size(), "seen by another process; an empty add leaves nothing");
        r.remove("a.test", 20_000);
        assertTrue(r.rows("a.test", 20_000).isEmpty());
        assertEquals(List.of(new TlsReportStore.Pending("b.test", 20_001)), r.pending(Long.MAX_VALUE));
        Map<String, Long> many = new HashMap<>();
        for (int i = 0; i < TlsReportStore.MAX_ROWS + 5; i++) many.put("row" + i, 1L);
        r.add("flood.test", 1, many);
        assertEquals(TlsReportStore.MAX_ROWS, r.rows("flood.test", 1).size(), "distinct rows are bounded");
    }
}
