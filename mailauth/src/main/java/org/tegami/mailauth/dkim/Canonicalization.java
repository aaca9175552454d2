package org.tegami.mailauth.dkim;

import org.tegami.mailauth.HeaderSection;

/** DKIM's two canonicalization algorithms (RFC 6376 §3.4), for header fields and bodies. */
public enum Canonicalization {
    SIMPLE, RELAXED;

    /** The canonical header field without the final CRLF; {@code field} as in {@link HeaderSection}. */
    public String header(String field) {
        if (this == SIMPLE) return field; // RFC 6376 §3.4.1: unchanged
        // RFC 6376 §3.4.2: lower-case name, unfold, compress WSP, no WSP around the colon or at the end.
        int colon = field.indexOf(':');
        String value = field.substring(colon + 1).replace("\r\n", "").replaceAll("[ \t]+", " ").strip();
        return HeaderSection.name(field) + ":" + value;
    }

    /** Parses a {@code c=} value: header[/body], body defaulting to simple (RFC 6376 §3.5); null when invalid. */
    static Canonicalization[] parse(String c) {
        if (c == null) return new Canonicalization[] {SIMPLE, SIMPLE};
        String[] p = c.split("/", -1);
        if (p.length > 2) return null;
        Canonicalization h = of(p[0]);
        Canonicalization b = p.length == 2 ? of(p[1]) : SIMPLE;
        return h == null || b == null ? null : new Canonicalization[] {h, b};
    }

    private static Canonicalization of(String s) {
        return switch (s) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> null;
        };
    }

    /** The {@code c=} keyword. */
    public String keyword() {
        return this == SIMPLE ? "simple" : "relaxed";
    }
}
