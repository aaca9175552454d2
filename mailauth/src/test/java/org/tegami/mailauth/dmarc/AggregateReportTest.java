package org.tegami.mailauth.dmarc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** DMARC aggregate reports: rua= parsing (RFC 7489 §6.4), rows, and the report document (§7.2, Appendix C). */
class AggregateReportTest {

    @Test
    void ruaUris() {
        assertEquals(List.of(new ReportUri("dmarc@example.org", 0), new ReportUri("d@reports.example", 10L << 20)),
                ReportUri.parseList("mailto:dmarc@example.org, mailto:d@Reports.Example!10m"));
        assertEquals(Optional.of(new ReportUri("a@b.example", 50)), ReportUri.parse("MAILTO:a@b.example!50"));
        assertEquals(Optional.of(new ReportUri("a+x@b.example", 0)), ReportUri.parse("mailto:a%2Bx@b.example?subject=hi"));
        // §6.2: at most two destinations are used, whatever the record lists
        assertEquals(2, ReportUri.parseList("mailto:a@x.example,mailto:b@x.example,mailto:c@x.example").size());
        for (String bad : List.of("https://x.example/report", "mailto:", "mailto:nodomain", "mailto:a@b.example!0",
                "mailto:a@b.example!10x", "mailto:a@b.example!", "mailto:a%0d%0aBcc:x@evil.example@b.example",
                "mailto:a@b.example,c@d.example", "mailto:a b@c.example", "mailto:a@localhost", "mailto:a%zz@b.example")) {
            assertEquals(Optional.empty(), ReportUri.parse(bad), bad);
        }
        assertEquals(List.of(), ReportUri.parseList(null));
    }

    @Test
    void recordKeepsItsRua() throws Exception {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=reject; rua=mailto:agg@example.org; ruf=mailto:f@example.org");
        assertEquals(List.of(new ReportUri("agg@example.org", 0)), r.rua());
        assertEquals(List.of(), DmarcRecord.parse("v=DMARC1; p=none").rua());
        for (String txt : List.of("v=DMARC1; p=reject; rua=mailto:agg@example.org", "v=DMARC1; p=none",
                "v=DMARC1; p=quarantine; sp=none; adkim=s; aspf=s; pct=20; t=y; rua=mailto:a%21b%3Bc@x.example!10k,mailto:z@y.example")) {
            DmarcRecord rec = DmarcRecord.parse(txt);
            assertEquals(rec, DmarcRecord.parse(rec.toText()), rec.toText());
        }
    }

    @Test
    void rowsSurviveEncodingAndCannotCarryMarkup() {
        ReportRow row = new ReportRow("2001:db8::1", "a.test", "bounce.a.test", DmarcPolicy.QUARANTINE, false, true,
                "trusted_forwarder", List.of(new ReportRow.Dkim("a.test", "s1", "pass"), new ReportRow.Dkim("list.test", "k", "fail")),
                "bounce.a.test", "mfrom", "pass");
        assertEquals(Optional.of(row), ReportRow.decode(row.encode()));
        ReportRow hostile = new ReportRow("192.0.2.1", "<b>evil\t.test", "", DmarcPolicy.NONE, true, true, "",
                List.of(new ReportRow.Dkim("x/y", "s 1", "pass")), "", "helo", "none");
        assertEquals("?b?evil?.test", hostile.headerFrom());
        assertEquals(Optional.of(hostile), ReportRow.decode(hostile.encode()), "no separator survives cleaning");
        assertEquals(Optional.empty(), ReportRow.decode("too\tfew"));
        assertEquals(Optional.empty(), ReportRow.decode("1\t2\t3\tmaybe\t5\t6\t7\t8\t9\t10\t11"));
    }

    @Test
    void reportDocument() throws Exception {
        DmarcRecord policy = DmarcRecord.parse("v=DMARC1; p=quarantine; adkim=s; pct=50; rua=mailto:agg@a.test");
        ReportRow pass = new ReportRow("192.0.2.7", "a.test", "a.test", DmarcPolicy.NONE, true, true, "",
                List.of(new ReportRow.Dkim("a.test", "s1", "pass")), "a.test", "mfrom", "pass");
        ReportRow forged = new ReportRow("203.0.113.9", "a.test", "", DmarcPolicy.QUARANTINE, false, false, "",
                List.of(), "mail.evil.test", "helo", "fail");
        AggregateReport r = new AggregateReport("mx.b.test", "noreply-dmarc@mx.b.test", "mx.b.test-20000-a.test",
                Instant.ofEpochSecond(20_000L * 86400), Instant.ofEpochSecond(20_001L * 86400 - 1), "a.test", policy,
                Map.of(pass, 41L, forged, 2L));
        assertEquals("mx.b.test!a.test!1728000000!1728086399.xml.gz", r.fileName());
        assertEquals("Report Domain: a.test Submitter: mx.b.test Report-ID: <mx.b.test-20000-a.test>", r.subject());
        byte[] xml;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(r.gzip()))) {
            xml = in.readAllBytes();
        }
        assertEquals(r.xml(), new String(xml, StandardCharsets.UTF_8));
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        assertEquals("feedback", d.getDocumentElement().getNodeName());
        assertEquals("mx.b.test", text(d, "org_name", 0));
        assertEquals("1728000000", text(d, "begin", 0));
        assertEquals("s", text(d, "adkim", 0));
        assertEquals("r", text(d, "aspf", 0));
        assertEquals("quarantine", text(d, "p", 0));
        assertEquals("50", text(d, "pct", 0));
        assertEquals(2, d.getElementsByTagName("record").getLength());
        // rows in a stable order: the passing one (192.0.2.7) sorts first
        assertEquals("192.0.2.7", text(d, "source_ip", 0));
        assertEquals("41", text(d, "count", 0));
        assertEquals("203.0.113.9", text(d, "source_ip", 1));
        assertEquals("quarantine", text(d, "disposition", 1));
        assertEquals("helo", text(d, "scope", 1));
        assertEquals(1, d.getElementsByTagName("envelope_from").getLength(), "no envelope_from for the null sender");
        assertTrue(r.xml().contains("<auth_results>\n      <dkim>\n        <domain>a.test</domain>\n        <selector>s1</selector>\n"
                + "        <result>pass</result>\n      </dkim>\n      <spf>\n        <domain>a.test</domain>\n        <scope>mfrom</scope>\n"
                + "        <result>pass</result>\n      </spf>\n    </auth_results>"), r.xml());
    }

    private static String text(Document d, String tag, int i) {
        return d.getElementsByTagName(tag).item(i).getTextContent();
    }
}
