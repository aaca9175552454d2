package org.tegami.queue.tlsrpt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * One day's TLS report for one policy domain (RFC 8460 §4.4) as JSON: a policy entry per policy and MX host, its
 * session counts, and its failures grouped by result type and receiving address.
 */
public record TlsReport(String organization, String contact, String reportId, Instant begin, Instant end,
                        String domain, Map<TlsSession, Long> sessions) {

    private record PolicyKey(String type, List<String> strings, String mx) {}

    private record FailureKey(String result, String mx, String ip) {}

    /** The report as JSON text (RFC 8259), fields as RFC 8460 §4.4 names them. */
    public String json() {
        Map<PolicyKey, long[]> totals = new LinkedHashMap<>();
        Map<PolicyKey, Map<FailureKey, Long>> failures = new LinkedHashMap<>();
        for (var e : sessions.entrySet()) {
            TlsSession s = e.getKey();
            PolicyKey k = new PolicyKey(s.policyType(), s.policyStrings(), s.mxHost());
            long[] t = totals.computeIfAbsent(k, x -> new long[2]);
            if (s.success()) {
                t[0] += e.getValue();
            } else {
                t[1] += e.getValue();
                failures.computeIfAbsent(k, x -> new LinkedHashMap<>())
                        .merge(new FailureKey(s.result(), s.mxHost(), s.receivingIp()), e.getValue(), Long::sum);
            }
        }
        StringBuilder j = new StringBuilder(1024);
        j.append("{\"organization-name\":").append(q(organization))
                .append(",\"date-range\":{\"start-datetime\":").append(q(begin.toString()))
                .append(",\"end-datetime\":").append(q(end.toString())).append('}')
                .append(",\"contact-info\":").append(q(contact))
                .append(",\"report-id\":").append(q(reportId))
                .append(",\"policies\":[");
        boolean firstPolicy = true;
        for (var e : totals.entrySet()) {
            PolicyKey k = e.getKey();
            if (!firstPolicy) j.append(',');
            firstPolicy = false;
            j.append("{\"policy\":{\"policy-type\":").append(q(k.type()));
            if (!k.strings().isEmpty()) {
                j.append(",\"policy-string\":[");
                for (int i = 0; i < k.strings().size(); i++) j.append(i > 0 ? "," : "").append(q(k.strings().get(i)));
                j.append(']');
            }
            j.append(",\"policy-domain\":").append(q(domain))
                    .append(",\"mx-host\":[").append(q(k.mx())).append("]}");
            j.append(",\"summary\":{\"total-successful-session-count\":").append(e.getValue()[0])
                    .append(",\"total-failure-session-count\":").append(e.getValue()[1]).append('}');
            Map<FailureKey, Long> f = failures.get(k);
            if (f != null) {
                j.append(",\"failure-details\":[");
                boolean first = true;
                for (var d : f.entrySet()) {
                    if (!first) j.append(',');
                    first = false;
                    j.append("{\"result-type\":").append(q(d.getKey().result()))
                            .append(",\"receiving-mx-hostname\":").append(q(d.getKey().mx()));
                    if (!d.getKey().ip().isEmpty()) j.append(",\"receiving-ip\":").append(q(d.getKey().ip()));
                    j.append(",\"failed-session-count\":").append(d.getValue()).append('}');
                }
                j.append(']');
            }
            j.append('}');
        }
        return j.append("]}").toString();
    }

    /** RFC 8460 §5.3: {@code sender!policy-domain!begin!end!unique-id.json.gz}, times in seconds since the epoch. */
    public String fileName() {
        return organization + "!" + domain + "!" + begin.getEpochSecond() + "!" + end.getEpochSecond() + "!"
                + Integer.toHexString(reportId.hashCode()) + ".json.gz";
    }

    /** RFC 8460 §5.3's subject. */
    public String subject() {
        return "Report Domain: " + domain + " Submitter: " + organization + " Report-ID: <" + reportId + ">";
    }

    public byte[] gzip() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(json().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** A JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped. */
    static String q(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
