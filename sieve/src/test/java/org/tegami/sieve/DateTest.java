package org.tegami.sieve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** RFC 5260: date and currentdate with :zone / :originalzone and every date part; index with :last. */
class DateTest {
    private final Fixture f = new Fixture();
    private static final String REQ = "\"date\", \"relational\", \"index\", \"variables\"";

    private String part(String test) {
        Result r = f.ok("require [" + REQ + ", \"fileinto\"]; if " + test + " { fileinto \"${1}\"; }");
        return r.actions().isEmpty() ? null : ((Action.FileInto) r.actions().get(0)).mailbox();
    }

    @Test
    void dateParts() {
        // Date: Tue, 3 Jun 2008 11:05:30 +0200
        String p = "date :originalzone :matches \"date\" \"%s\" \"*\"";
        assertEquals("2008", part(p.formatted("year")));
        assertEquals("06", part(p.formatted("month")));
        assertEquals("03", part(p.formatted("day")));
        assertEquals("2008-06-03", part(p.formatted("date")));
        assertEquals("54620", part(p.formatted("julian")));
        assertEquals("11", part(p.formatted("hour")));
        assertEquals("05", part(p.formatted("minute")));
        assertEquals("30", part(p.formatted("second")));
        assertEquals("11:05:30", part(p.formatted("time")));
        assertEquals("2008-06-03T11:05:30+02:00", part(p.formatted("iso8601")));
        assertEquals("Tue, 3 Jun 2008 11:05:30 +0200", part(p.formatted("std11")));
        assertEquals("+0200", part(p.formatted("zone")));
        assertEquals("2", part(p.formatted("weekday")));
    }

    @Test
    void zones() {
        assertEquals("09", part("date :zone \"+0000\" :matches \"date\" \"hour\" \"*\""));
        assertEquals("04", part("date :zone \"-0500\" :matches \"date\" \"hour\" \"*\""));
        // without a zone argument: the user's zone (the context clock's: +02:00)
        assertEquals("11", part("date :matches \"date\" \"hour\" \"*\""));
        Fixture.assertCompileError("require \"date\"; if date :zone \"CEST\" \"date\" \"hour\" \"1\" {}", "bad zone");
        Fixture.assertCompileError("require \"date\"; if date \"date\" \"fortnight\" \"1\" {}", "unknown date part");
    }

    @Test
    void rfc5260Examples() {
        // RFC 5260 §7: the boss's mail during office hours
        String s = """
                require ["date", "relational", "fileinto"];
                if allof(header :is "from" "boss@example.com",
                         date :value "ge" :originalzone "date" "hour" "09",
                         date :value "lt" :originalzone "date" "hour" "17")
                { fileinto "urgent"; }
                """;
        String boss = "From: boss@example.com\r\nDate: Tue, 3 Jun 2008 11:05:30 +0200\r\n\r\nx\r\n";
        assertEquals(Fixture.fileinto("urgent"), f.run(s, boss).actions().get(0));
        assertTrue(f.run(s, boss.replace("11:05", "18:05")).actions().isEmpty());
        String received = """
                require ["date", "relational", "index", "fileinto"];
                if date :value "gt" :index 1 :last :zone "-0500" "received" "iso8601" "2008-06-03T03:00:00-05:00"
                { fileinto "late"; }
                """;
        assertEquals(Fixture.fileinto("late"), f.ok(received).actions().get(0));
    }

    @Test
    void currentdate() {
        // the fixed clock: 2008-06-03T09:05:30Z in +02:00
        assertEquals("2008-06-03T11:05:30+02:00", part("currentdate :matches \"iso8601\" \"*\""));
        assertEquals("09", part("currentdate :zone \"+0000\" :matches \"hour\" \"*\""));
        assertTrue(f.fires(REQ, "currentdate :value \"ge\" \"date\" \"2008-06-01\""));
        assertFalse(f.fires(REQ, "currentdate :value \"lt\" \"date\" \"2008-06-01\""));
    }

    @Test
    void unparsableDatesDoNotMatch() {
        Result r = f.run("require [\"date\", \"fileinto\"]; if date :contains \"date\" \"year\" \"\" { fileinto \"yes\"; }",
                "Date: next tuesday\r\n\r\nx\r\n");
        assertTrue(r.actions().isEmpty());
    }

    @Test
    void indexPicksOccurrences() {
        assertTrue(f.fires(REQ, "header :index 1 :is \"X-Number\" \"42\""));
        assertTrue(f.fires(REQ, "header :index 2 :is \"X-Number\" \"7\""));
        assertTrue(f.fires(REQ, "header :index 1 :last :is \"X-Number\" \"7\""));
        assertFalse(f.fires(REQ, "header :index 3 :is \"X-Number\" \"7\""));
        Fixture.assertCompileError("require \"index\"; if header :last :is \"a\" \"b\" {}", ":last needs :index");
    }

    @Test
    void obsoleteFormsParse() {
        ZonedDateTime d = DateParts.parse("3 Jun 08 11:05 EDT (comment)");
        assertEquals("2008-06-03T11:05-04:00", d.toOffsetDateTime().toString());
        assertEquals(null, DateParts.parse("3 Foo 2008 11:05:30 +0000"));
    }
}
