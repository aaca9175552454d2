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

    /** RFC 8460 §5.3: reports we receive are summarised per policy, kept once however often they arrive. */
    @Test
    default void receivedReportsAreKeptOncePerReportAndPolicyNewestFirst() {
        TlsReportStore r = store().tlsReports();
        java.time.Instant t0 = java.time.Instant.parse("2026-12-01T00:00:00Z");
        var a = new TlsReportStore.Received(t0.plusSeconds(3600), "Example Org", "r1", t0.minusSeconds(86_400), t0.minusSeconds(1),
                "a.test", "sts", 10, 2, Map.of("certificate-expired", 2L));
        var b = new TlsReportStore.Received(t0.plusSeconds(3600), "Example Org", "r1", t0.minusSeconds(86_400), t0.minusSeconds(1),
                "a.test", "tlsa", 5, 0, Map.of());
        var c = new TlsReportStore.Received(t0.plusSeconds(7200), "Other", "r2", t0, t0.plusSeconds(86_399),
                "b.test", "no-policy-found", 1, 3, new java.util.LinkedHashMap<>(Map.of("starttls-not-supported", 3L)));
        r.addReceived(List.of(a, b));
        r.addReceived(List.of(c, a));
        assertEquals(List.of(c, a, b), reopen().tlsReports().received(t0));
        assertEquals(List.of(c), store().tlsReports().received(t0.plusSeconds(7200)));
        assertEquals(List.of(), store().tlsReports().received(t0.plusSeconds(7201)));
    }
}
