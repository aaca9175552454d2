package org.tegami.mailauth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Authentication-Results (RFC 8601): a builder for our own field, a reader of the fields already in a message,
 * and the check that finds fields claiming to be ours so the pipeline can drop them before adding its own
 * (RFC 8601 §5: a forged field with our authserv-id must not survive).
 */
public final class AuthResults {
    /** The longest field value read. */
    public static final int MAX_LENGTH = 16 * 1024;
    /** The most resinfo entries read from one field. */
    public static final int MAX_RESULTS = 64;
    /** The deepest nesting of comments read. */
    public static final int MAX_COMMENT_DEPTH = 8;
    /** Lines of our field stay shorter than this (RFC 5322 §2.1.1 recommends 78). */
    static final int LINE = 78;

    private AuthResults() {}

    /** A parsed field: the authserv-id and each resinfo as written, comments removed, white space collapsed. */
    public record Parsed(String authservId, List<String> results) {}

    /** Builds an Authentication-Results field. */
    public static final class Builder {
        private final String authservId;
        private final List<String> results = new ArrayList<>();

        /** @param authservId our host name, the id downstream filters trust (RFC 8601 §2.5) */
        public Builder(String authservId) {
            if (!authservId.matches("[A-Za-z0-9.-]{1,253}")) throw new IllegalArgumentException("authserv-id must be a host name");
            this.authservId = authservId;
        }

        /**
         * Adds one result, e.g. {@code add("dkim", "pass", "header.d", "example.com", "header.s", "s1")}.
         * Property values are written as they are when they are tokens, addresses or domains, quoted otherwise.
         */
        public Builder add(String method, String result, String... properties) {
            if (properties.length % 2 != 0) throw new IllegalArgumentException("properties come in pairs");
            StringBuilder sb = new StringBuilder(method).append('=').append(result);
            for (int i = 0; i < properties.length; i += 2) {
                if (properties[i + 1] == null || properties[i + 1].isEmpty()) continue;
                sb.append(' ').append(properties[i]).append('=').append(value(properties[i + 1]));
            }
            results.add(sb.toString());
            return this;
        }

        /** The field with its name, folded with CRLF + TAB so that lines stay under 78 characters, ending in CRLF. */
        public String build() {
            StringBuilder out = new StringBuilder("Authentication-Results: ").append(authservId);
            if (results.isEmpty()) return out.append("; none\r\n").toString(); // RFC 8601 §2.2: no-result
            int line = 0;
            for (int i = 0; i < results.size(); i++) {
                out.append(";\r\n\t"); // one result per line
                line = 8;
                String[] words = results.get(i).split(" ");
                for (int w = 0; w < words.length; w++) {
                    if (w > 0 && line + 1 + words[w].length() >= LINE - 1) {
                        out.append("\r\n\t");
                        line = 8;
                    } else if (w > 0) {
                        out.append(' ');
                        line++;
                    }
                    out.append(words[w]);
                    line += words[w].length();
                }
            }
            return out.append("\r\n").toString();
        }
    }

    /** A value as RFC 8601 §2.2 pvalue: bare for tokens, domains and addresses, quoted-string otherwise. */
    static String value(String v) {
        // RFC 2045 token (no tspecials), a domain-name, or local-part@domain-name with a dot-atom local-part
        if (v.matches("[A-Za-z0-9!#$%&'*+\\-^_`{|}~.]+") || v.matches("[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~.]+@[A-Za-z0-9.-]+")) return v;
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < v.length() && i < 256; i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c == 0x7f) continue; // never a line break or control character in our header
            if (c == '"' || c == '\\') sb.append('\\');
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** True when an Authentication-Results field carries {@code authservId} (case-insensitive, RFC 8601 §5). */
    public static boolean isOurs(String field, String authservId) {
        if (!HeaderSection.name(field).equals("authentication-results")) return false;
        try {
            return parse(HeaderSection.value(field)).authservId().equalsIgnoreCase(authservId);
        } catch (IllegalArgumentException e) {
            // unreadable: compare the first word, so a field hiding our id behind junk is dropped too
            String v = HeaderSection.value(field).strip();
            int end = 0;
            while (end < v.length() && v.charAt(end) != ';' && !Character.isWhitespace(v.charAt(end))) end++;
            return v.substring(0, end).equalsIgnoreCase(authservId);
        }
    }

    /** The header section without the Authentication-Results fields that claim our authserv-id. */
    public static HeaderSection withoutOurs(HeaderSection h, String authservId) {
        return new HeaderSection(h.fields().stream().filter(f -> !isOurs(f, authservId)).toList());
    }

    /**
     * Reads a field value: {@code authserv-id [version] ( "; " resinfo )* } or {@code authserv-id; none}.
     *
     * @throws IllegalArgumentException when it breaks the grammar or a limit
     */
    public static Parsed parse(String value) {
        if (value.length() > MAX_LENGTH) throw new IllegalArgumentException("Authentication-Results longer than " + MAX_LENGTH);
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\' && i + 1 < value.length()) {
                    cur.append(c).append(value.charAt(++i));
                    continue;
                }
                if (c == '"') quoted = false;
                cur.append(c);
            } else if (depth > 0) {
                if (c == '\\') i++;
                else if (c == '(') depth++;
                else if (c == ')') depth--;
                if (depth > MAX_COMMENT_DEPTH) throw new IllegalArgumentException("comments nested too deep");
            } else if (c == '(') {
                depth = 1;
                cur.append(' ');
            } else if (c == '"') {
                quoted = true;
                cur.append(c);
            } else if (c == ';') {
                parts.add(cur.toString().replaceAll("[ \t\r\n]+", " ").strip());
                cur.setLength(0);
                if (parts.size() > MAX_RESULTS + 1) throw new IllegalArgumentException("more than " + MAX_RESULTS + " results");
            } else {
                cur.append(c);
            }
        }
        if (quoted || depth > 0) throw new IllegalArgumentException("unterminated quoted string or comment");
        parts.add(cur.toString().replaceAll("[ \t\r\n]+", " ").strip());
        String[] id = parts.getFirst().split(" ");
        // RFC 8601 §2.2: authserv-id is a value (token or quoted-string), optionally followed by a version
        if (id[0].isEmpty() || id.length > 2 || (id.length == 2 && !id[1].matches("[0-9]{1,4}"))) {
            throw new IllegalArgumentException("bad authserv-id");
        }
        String authserv = id[0].startsWith("\"") && id[0].endsWith("\"") && id[0].length() >= 2 ? id[0].substring(1, id[0].length() - 1) : id[0];
        List<String> results = new ArrayList<>();
        for (String r : parts.subList(1, parts.size())) {
            if (r.isEmpty()) continue;
            if (!r.toLowerCase(Locale.ROOT).equals("none") && !r.matches("(?s)[A-Za-z0-9_.-]+(/[0-9]+)? ?= ?[A-Za-z0-9_-]+.*")) {
                throw new IllegalArgumentException("bad resinfo");
            }
            results.add(r);
        }
        return new Parsed(authserv, results);
    }
}
