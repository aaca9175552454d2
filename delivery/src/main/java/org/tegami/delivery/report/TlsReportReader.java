package org.tegami.delivery.report;

import org.tegami.delivery.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.tegami.mime.message.MessageStructure;

/**
 * Reads aggregate TLS reports (RFC 8460 §4.4) that other organizations mail to us (§5.3): recognises the message,
 * takes the report part out of it, inflates it (bounded), parses the JSON (bounded, {@link Json}) and keeps per
 * policy the counts an operator looks at. Pure: no store, no I/O but the bytes given. Nothing here throws on any
 * input: a message that is not a report is {@link Result.NotAReport}, a broken one {@link Result.Bad}.
 */
public final class TlsReportReader {
    /** A report message larger than this is not looked into (RFC 8460 reports are small; gzip'd, smaller still). */
    public static final int MAX_MESSAGE = 4 * 1024 * 1024;
    /** The report as JSON, after inflating: at most this many bytes (a gzip bomb stops here). */
    public static final int MAX_JSON = 2 * 1024 * 1024;
    /** Policies kept from one report (each becomes a row). */
    public static final int MAX_POLICIES = 100;
    /** Failure result types kept per policy. */
    public static final int MAX_FAILURE_TYPES = 20;

    private TlsReportReader() {}

    /** One policy's summary. {@code failureTypes}: result-type → failed sessions, at most {@link #MAX_FAILURE_TYPES}. */
    public record Policy(String domain, String type, long success, long failure, Map<String, Long> failureTypes) {
        public Policy {
            failureTypes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(failureTypes));
        }
    }

    /** A report: who sent it, its id and range, and its policies. */
    public record Report(String organization, String reportId, Instant begin, Instant end, List<Policy> policies) {
        public Report {
            policies = List.copyOf(policies);
        }
    }

    /** What a message turned out to be. */
    public sealed interface Result {
        record NotAReport() implements Result {}

        record Bad(String reason) implements Result {}

        record Ok(Report report) implements Result {}
    }

    /** Quick check on the header section: could this be a TLS report (so the whole message is worth reading)? */
    public static boolean mightBeReport(byte[] head) {
        String h = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        return h.contains("multipart/report") && h.contains("tlsrpt");
    }

    /**
     * RFC 8460 §5.3: a {@code multipart/report} with {@code report-type="tlsrpt"} whose report part is
     * {@code application/tlsrpt+gzip} or {@code application/tlsrpt+json}.
     */
    public static Result read(byte[] message) {
        try {
            if (message.length > MAX_MESSAGE) return new Result.NotAReport();
            MessageStructure m = MessageStructure.parse(message);
            if (!m.mediaType(List.of()).orElse("").equals("multipart/report")
                    || !m.parameter(List.of(), "report-type").map(t -> t.equalsIgnoreCase("tlsrpt")).orElse(false)) {
                return new Result.NotAReport();
            }
            for (int n = 1; n <= m.parts(List.of()); n++) {
                String type = m.mediaType(List.of(n)).orElse("");
                if (!type.equals("application/tlsrpt+gzip") && !type.equals("application/tlsrpt+json")) continue;
                Optional<MessageStructure.Binary> body = m.binary(message, List.of(n));
                if (body.isEmpty() || body.get().unknownEncoding()) return new Result.Bad("report part in an unknown transfer encoding");
                byte[] json = type.endsWith("gzip") ? gunzip(body.get().data()) : body.get().data();
                if (json == null) return new Result.Bad("report not gzip, or larger than " + MAX_JSON + " bytes inflated");
                if (json.length > MAX_JSON) return new Result.Bad("report larger than " + MAX_JSON + " bytes");
                return parse(json);
            }
            return new Result.Bad("multipart/report of type tlsrpt without an application/tlsrpt+gzip or +json part");
        } catch (RuntimeException e) {
            // a parser bug must not stop delivery; the message is stored all the same
            return new Result.Bad("unreadable: " + e.getClass().getSimpleName());
        }
    }

    /** Inflates at most {@link #MAX_JSON} bytes; null when it is not gzip or inflates to more. */
    static byte[] gunzip(byte[] gz) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            byte[] out = in.readNBytes(MAX_JSON + 1);
            return out.length > MAX_JSON ? null : out;
        } catch (IOException e) {
            return null;
        }
    }

    /** The §4.4 JSON: organization-name, date-range, report-id, policies[] of policy, summary, failure-details. */
    public static Result parse(byte[] json) {
        Object doc;
        try {
            doc = Json.parse(json);
        } catch (Json.Bad e) {
            return new Result.Bad("JSON: " + e.getMessage());
        }
        if (!(doc instanceof Map<?, ?> top)) return new Result.Bad("the report is not a JSON object");
        Optional<String> org = text(top.get("organization-name"));
        Optional<String> id = text(top.get("report-id"));
        if (org.isEmpty() || id.isEmpty()) return new Result.Bad("organization-name or report-id missing");
        if (!(top.get("date-range") instanceof Map<?, ?> range)) return new Result.Bad("date-range missing");
        Optional<Instant> begin = time(range.get("start-datetime"));
        Optional<Instant> end = time(range.get("end-datetime"));
        if (begin.isEmpty() || end.isEmpty()) return new Result.Bad("date-range not RFC 3339 date-times");
        if (!(top.get("policies") instanceof List<?> list)) return new Result.Bad("policies missing");
        List<Policy> policies = new ArrayList<>();
        for (Object o : list) {
            if (policies.size() >= MAX_POLICIES) break;
            if (!(o instanceof Map<?, ?> p) || !(p.get("policy") instanceof Map<?, ?> pol)
                    || !(p.get("summary") instanceof Map<?, ?> sum)) {
                return new Result.Bad("a policy without policy or summary");
            }
            Optional<String> domain = text(pol.get("policy-domain"));
            Optional<String> type = text(pol.get("policy-type"));
            Optional<Long> ok = count(sum.get("total-successful-session-count"));
            Optional<Long> failed = count(sum.get("total-failure-session-count"));
            if (domain.isEmpty() || type.isEmpty() || ok.isEmpty() || failed.isEmpty()) {
                return new Result.Bad("a policy without policy-domain, policy-type or session counts");
            }
            Map<String, Long> types = new LinkedHashMap<>();
            if (p.get("failure-details") instanceof List<?> details) {
                for (Object d : details) {
                    if (!(d instanceof Map<?, ?> fd)) continue;
                    Optional<String> rt = text(fd.get("result-type")).map(TlsReportReader::token);
                    long n = count(fd.get("failed-session-count")).orElse(0L);
                    if (rt.isEmpty() || rt.get().isEmpty()) continue;
                    if (!types.containsKey(rt.get()) && types.size() >= MAX_FAILURE_TYPES) continue;
                    types.merge(rt.get(), n, TlsReportReader::saturatedAdd);
                }
            }
            policies.add(new Policy(domain.get().toLowerCase(Locale.ROOT), token(type.get()), ok.get(), failed.get(), types));
        }
        return new Result.Ok(new Report(org.get(), id.get(), begin.get(), end.get(), policies));
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    /** A non-empty string without control characters, at most 255 characters (it is printed to a terminal). */
    private static Optional<String> text(Object o) {
        if (!(o instanceof String s) || s.isBlank()) return Optional.empty();
        String clean = s.codePoints().filter(c -> c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
        if (clean.isEmpty()) return Optional.empty();
        return Optional.of(clean.length() > 255 ? clean.substring(0, 255) : clean);
    }

    /** Result and policy types are IANA tokens: lower-case letters, digits and '-', at most 64. */
    private static String token(String s) {
        String t = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "");
        return t.length() > 64 ? t.substring(0, 64) : t;
    }

    private static Optional<Long> count(Object o) {
        return o instanceof Long l && l >= 0 ? Optional.of(l) : Optional.empty();
    }

    private static Optional<Instant> time(Object o) {
        if (!(o instanceof String s)) return Optional.empty();
        try {
            return Optional.of(OffsetDateTime.parse(s.strip().replace(' ', 'T')).toInstant()); // RFC 3339 §5.6
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
