package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What DMARC aggregate reporting needs of every backend: counts added up per domain and day, bounded, removable. */
public interface DmarcReportStoreContract extends StoreContract {

    @Test
    default void countsAddUpPerDomainAndDay() {
        DmarcReportStore r = store().dmarcReports();
        assertTrue(r.pending(Long.MAX_VALUE).isEmpty());
        r.add("a.test", 20_000, "v=DMARC1; p=none; rua=mailto:x@a.test", Map.of("row1", 2L, "row2", 1L));
        r.add("a.test", 20_000, "v=DMARC1; p=reject; rua=mailto:x@a.test", Map.of("row1", 3L));
        r.add("b.test", 20_001, "v=DMARC1; p=none", Map.of("row1", 1L));
        r.add("c.test", 20_002, "v=DMARC1; p=none", Map.of());
        assertEquals(Map.of("row1", 5L, "row2", 1L), reopen().dmarcReports().rows("a.test", 20_000), "added, kept across a restart");
        r = store().dmarcReports();
        assertEquals(List.of(new DmarcReportStore.Pending("a.test", 20_000, "v=DMARC1; p=reject; rua=mailto:x@a.test")),
                r.pending(20_001), "only days before the one asked; the record as last seen");
        assertEquals(2, second().dmarcReports().pending(20_002).size(), "seen by another process; an empty add leaves nothing");
        r.remove("a.test", 20_000);
        assertTrue(r.rows("a.test", 20_000).isEmpty());
        assertEquals(List.of(new DmarcReportStore.Pending("b.test", 20_001, "v=DMARC1; p=none")), r.pending(Long.MAX_VALUE));
    }

    @Test
    default void distinctRowsAreBounded() {
        DmarcReportStore r = store().dmarcReports();
        Map<String, Long> many = new HashMap<>();
        for (int i = 0; i < DmarcReportStore.MAX_ROWS + 50; i++) many.put("row" + i, 1L);
        r.add("flood.test", 1, "v=DMARC1; p=none", many);
        assertEquals(DmarcReportStore.MAX_ROWS, r.rows("flood.test", 1).size());
        r.add("flood.test", 1, "v=DMARC1; p=none", Map.of("another", 1L, "row0", 4L));
        Map<String, Long> rows = r.rows("flood.test", 1);
        assertEquals(DmarcReportStore.MAX_ROWS, rows.size(), "a full day takes no new row");
        assertEquals(5L, rows.get("row0"), "but still counts the rows it has");
    }
}
