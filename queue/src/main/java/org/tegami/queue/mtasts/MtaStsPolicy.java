package org.tegami.queue.mtasts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An MTA-STS policy (RFC 8461 §3.2): in {@code enforce} mode mail goes only to MX hosts matching {@code mx}, over
 * TLS with a certificate valid for that host.
 */
public record MtaStsPolicy(Mode mode, List<String> mx, Duration maxAge) {

    public enum Mode { ENFORCE, TESTING, NONE }

    /** RFC 8461 §3.2: max_age is at most 31557600 seconds (one year). */
    static final long MAX_AGE_LIMIT = 31_557_600L;

    /** Parses the policy file; empty when it is not a valid STSv1 policy. */
    public static Optional<MtaStsPolicy> parse(String text) {
        String version = null;
        Mode mode = null;
        long maxAge = -1;
        List<String> mx = new ArrayList<>();
        for (String raw : text.split("\r?\n")) {
            int colon = raw.indexOf(':');
            if (colon <= 0) continue;
            String key = raw.substring(0, colon).strip();
            String value = raw.substring(colon + 1).strip();
            switch (key) {
                case "version" -> version = value;
                case "mode" -> mode = switch (value) {
                    case "enforce" -> Mode.ENFORCE;
                    case "testing" -> Mode.TESTING;
                    case "none" -> Mode.NONE;
                    default -> null;
                };
                case "max_age" -> {
                    if (value.matches("\\d{1,10}")) maxAge = Math.min(Long.parseLong(value), MAX_AGE_LIMIT);
                }
                case "mx" -> {
                    // §3.2: a host name, or "*." and one; anything else can match no MX host
                    String v = value.toLowerCase(Locale.ROOT);
                    if (v.matches("(\\*\\.)?[a-z0-9_-]+(\\.[a-z0-9_-]+)*\\.?") && v.length() <= 255) mx.add(v);
                }
                default -> { } // §3.2: unknown fields are ignored
            }
        }
        if (!"STSv1".equals(version) || mode == null || maxAge < 0 || (mode != Mode.NONE && mx.isEmpty())) {
            return Optional.empty();
        }
        return Optional.of(new MtaStsPolicy(mode, List.copyOf(mx), Duration.ofSeconds(maxAge)));
    }

    /** RFC 8461 §4.1: exact match, or {@code *.example.com} matching exactly one more leftmost label. */
    public boolean allows(String mxHost) {
        String h = mxHost.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        for (String p : mx) {
            if (p.startsWith("*.")) {
                String suffix = p.substring(1);
                if (h.endsWith(suffix) && h.indexOf('.') == h.length() - suffix.length()) return true;
            } else if (p.equals(h)) {
                return true;
            }
        }
        return false;
    }
}
