package org.tegami.mailauth.dmarc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A DMARC aggregate report (RFC 7489 §7.2, the XML of Appendix C): one reporting period's rows for one policy domain.
 * Field values come from {@link ReportRow} (reduced to domain and address characters) and from our own
 * configuration; everything is escaped all the same.
 *
 * @param orgName   who reports: our host name
 * @param email     where the domain owner may write back
 * @param reportId  unique per report
 * @param begin     the period's start (inclusive)
 * @param end       its end
 * @param domain    the policy domain (where the record was found)
 * @param policy    the record as published
 * @param rows      each row with its message count
 */
public record AggregateReport(String orgName, String email, String reportId, Instant begin, Instant end, String domain,
                              DmarcRecord policy, Map<ReportRow, Long> rows) {
    public AggregateReport {
        rows = Map.copyOf(rows);
    }

    /** The report's XML document (UTF-8), rows in a stable order. */
    public String xml() {
        StringBuilder x = new StringBuilder(512 + rows.size() * 600);
        x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <version>1.0</version>\n");
        x.append("  <report_metadata>\n");
        el(x, 4, "org_name", orgName);
        el(x, 4, "email", email);
        el(x, 4, "report_id", reportId);
        x.append("    <date_range>\n");
        el(x, 6, "begin", Long.toString(begin.getEpochSecond()));
        el(x, 6, "end", Long.toString(end.getEpochSecond()));
        x.append("    </date_range>\n  </report_metadata>\n  <policy_published>\n");
        el(x, 4, "domain", domain);
        el(x, 4, "adkim", policy.strictDkim() ? "s" : "r");
        el(x, 4, "aspf", policy.strictSpf() ? "s" : "r");
        el(x, 4, "p", policy.p().keyword());
        el(x, 4, "sp", policy.sp().keyword());
        el(x, 4, "pct", Integer.toString(policy.pct()));
        x.append("  </policy_published>\n");
        rows.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(ReportRow::encode)))
                .forEach(e -> record(x, e.getKey(), e.getValue()));
        return x.append("</feedback>\n").toString();
    }

    private static void record(StringBuilder x, ReportRow r, long count) {
        x.append("  <record>\n    <row>\n");
        el(x, 6, "source_ip", r.sourceIp());
        el(x, 6, "count", Long.toString(count));
        x.append("      <policy_evaluated>\n");
        el(x, 8, "disposition", r.disposition().keyword());
        el(x, 8, "dkim", r.dkimAligned() ? "pass" : "fail");
        el(x, 8, "spf", r.spfAligned() ? "pass" : "fail");
        if (!r.override().isEmpty()) {
            x.append("        <reason>\n");
            el(x, 10, "type", r.override());
            x.append("        </reason>\n");
        }
        x.append("      </policy_evaluated>\n    </row>\n    <identifiers>\n");
        if (!r.envelopeFrom().isEmpty()) el(x, 6, "envelope_from", r.envelopeFrom());
        el(x, 6, "header_from", r.headerFrom());
        x.append("    </identifiers>\n    <auth_results>\n");
        for (ReportRow.Dkim d : r.dkim()) {
            x.append("      <dkim>\n");
            el(x, 8, "domain", d.domain());
            el(x, 8, "selector", d.selector());
            el(x, 8, "result", d.result());
            x.append("      </dkim>\n");
        }
        x.append("      <spf>\n");
        el(x, 8, "domain", r.spfDomain());
        el(x, 8, "scope", r.spfScope());
        el(x, 8, "result", r.spfResult());
        x.append("      </spf>\n    </auth_results>\n  </record>\n");
    }

    private static void el(StringBuilder x, int indent, String name, String value) {
        x.repeat(' ', indent).append('<').append(name).append('>');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '<' -> x.append("&lt;");
                case '>' -> x.append("&gt;");
                case '&' -> x.append("&amp;");
                case '"' -> x.append("&quot;");
                default -> x.append(c < 0x20 ? '?' : c); // XML 1.0 has no control characters but tab/CR/LF
            }
        }
        x.append("</").append(name).append(">\n");
    }

    /** The report gzip-compressed, as it is attached (RFC 7489 §7.2.1.1). */
    public byte[] gzip() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(xml().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /**
     * The attachment's file name, RFC 7489 §7.2.1.1: {@code receiver "!" policy-domain "!" begin "!" end ".xml.gz"}.
     */
    public String fileName() {
        return orgName + "!" + domain + "!" + begin.getEpochSecond() + "!" + end.getEpochSecond() + ".xml.gz";
    }

    /** The subject, RFC 7489 §7.2.1.1: {@code Report Domain: … Submitter: … Report-ID: <…>}. */
    public String subject() {
        return "Report Domain: " + domain + " Submitter: " + orgName + " Report-ID: <" + reportId + ">";
    }
}
