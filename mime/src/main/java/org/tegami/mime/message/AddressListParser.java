package org.tegami.mime.message;

import java.util.ArrayList;
import java.util.List;

/**
 * Lenient RFC 5322 §3.4 address-list parser for the IMAP ENVELOPE. Display names stay undecoded
 * (RFC 2047 words kept as they are, quoted strings unquoted); groups become start/end markers as in
 * RFC 9051 §7.5.2. Like Dovecot, a missing local part or domain is reported as {@code MISSING_MAILBOX} /
 * {@code MISSING_DOMAIN} so that a NIL host keeps meaning "group marker".
 */
final class AddressListParser {

    /** An ENVELOPE address; a group start has only {@code mailbox} (the group name), a group end is all null. */
    record Address(String name, String adl, String mailbox, String host) {
        static final Address GROUP_END = new Address(null, null, null, null);
    }

    static final String MISSING_MAILBOX = "MISSING_MAILBOX";
    static final String MISSING_DOMAIN = "MISSING_DOMAIN";
    private static final int MAX_ADDRESSES = 10_000;

    private enum Kind { ATOM, QUOTED, COMMENT, SPECIAL }

    private record Token(Kind kind, String value) {
        boolean is(char c) {
            return kind == Kind.SPECIAL && value.charAt(0) == c;
        }
    }

    private AddressListParser() {}

    static List<Address> parse(String s) {
        return parse(s, new boolean[1]);
    }

    /**
     * As {@link #parse(String)}; {@code irregular[0]} is set when anything was dropped or guessed (stray specials,
     * text after {@code >}, an unterminated quote, comment or angle address, a special in a display name), which
     * a strict caller refuses: other readers may see another address in what this parser skipped.
     */
    static List<Address> parse(String s, boolean[] irregular) {
        List<Token> t = tokens(s, irregular);
        List<Address> out = new ArrayList<>();
        boolean inGroup = false;
        int i = 0;
        int n = t.size();
        while (i < n && out.size() < MAX_ADDRESSES) {
            Token tok = t.get(i);
            if (tok.is(',') || tok.is('>') || tok.is('@')) {
                if (!tok.is(',')) irregular[0] = true;
                i++;
                continue;
            }
            if (tok.is(';')) {
                if (inGroup) out.add(Address.GROUP_END);
                else irregular[0] = true;
                inGroup = false;
                i++;
                continue;
            }
            int j = i;
            while (j < n && !(t.get(j).is(',') || t.get(j).is(';') || t.get(j).is(':') || t.get(j).is('<'))) j++;
            if (j < n && t.get(j).is(':')) {
                if (!inGroup) {
                    if (hasSpecial(t, i, j)) irregular[0] = true;
                    String name = phrase(t, i, j);
                    out.add(new Address(null, null, name == null ? "" : name, null));
                    inGroup = true;
                } else {
                    irregular[0] = true; // RFC 5322 §3.4: groups do not nest
                }
                i = j + 1;
                continue;
            }
            if (j < n && t.get(j).is('<')) {
                if (hasSpecial(t, i, j)) irregular[0] = true;
                String name = phrase(t, i, j);
                int k = j + 1;
                int m = k;
                while (m < n && !t.get(m).is('>')) m++;
                if (m == n) irregular[0] = true;
                // obs-route: "<@a,@b:user@host>"
                String adl = null;
                int colon = -1;
                for (int x = k; x < m; x++) {
                    if (t.get(x).is(':')) {
                        colon = x;
                        break;
                    }
                }
                if (colon >= 0) {
                    adl = concat(t, k, colon);
                    k = colon + 1;
                }
                if (!plainAddrSpec(t, k, m)) irregular[0] = true;
                Address a = addrSpec(t, k, m, name, adl);
                if (a != null) out.add(a);
                i = m + 1;
                while (i < n && !(t.get(i).is(',') || t.get(i).is(';'))) {
                    if (t.get(i).kind != Kind.COMMENT) irregular[0] = true;
                    i++;
                }
                continue;
            }
            String comment = null;
            for (int x = i; x < j; x++) {
                if (t.get(x).kind == Kind.COMMENT && !t.get(x).value.isBlank()) comment = t.get(x).value.strip();
            }
            if (!plainAddrSpec(t, i, j)) irregular[0] = true;
            // RFC 5322 §3.4: only CFWS ("team: (nobody);") is no address at all, not one with a made-up mailbox;
            // RFC 3501 §7.4.2 then has nothing between the group's start and end markers
            Address a = onlyComments(t, i, j) ? null : addrSpec(t, i, j, comment, null);
            if (a != null) out.add(a);
            i = j;
        }
        if (inGroup) out.add(Address.GROUP_END);
        return out;
    }

    private static Address addrSpec(List<Token> t, int from, int to, String name, String adl) {
        int at = -1;
        for (int x = from; x < to; x++) {
            if (t.get(x).is('@')) at = x;
        }
        String local = concat(t, from, at < 0 ? to : at);
        String domain = at < 0 ? "" : concat(t, at + 1, to);
        if (local.isEmpty() && domain.isEmpty() && name == null) return null;
        return new Address(name, adl, local.isEmpty() ? MISSING_MAILBOX : local, domain.isEmpty() ? MISSING_DOMAIN : domain);
    }

    /** Comments aside, exactly local-part (one atom or quoted string) "@" domain (one atom or literal). */
    private static boolean plainAddrSpec(List<Token> t, int from, int to) {
        List<Token> parts = new ArrayList<>();
        for (int x = from; x < to; x++) {
            if (t.get(x).kind != Kind.COMMENT) parts.add(t.get(x));
        }
        return parts.size() == 3 && (parts.get(0).kind == Kind.ATOM || parts.get(0).kind == Kind.QUOTED)
                && parts.get(1).is('@') && parts.get(2).kind == Kind.ATOM;
    }

    private static boolean onlyComments(List<Token> t, int from, int to) {
        for (int x = from; x < to; x++) {
            if (t.get(x).kind != Kind.COMMENT) return false;
        }
        return true;
    }

    private static boolean hasSpecial(List<Token> t, int from, int to) {
        for (int x = from; x < to; x++) {
            if (t.get(x).kind == Kind.SPECIAL) return true;
        }
        return false;
    }

    private static String concat(List<Token> t, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int x = from; x < to; x++) {
            Token k = t.get(x);
            if (k.kind != Kind.COMMENT) sb.append(k.value);
        }
        return sb.toString();
    }

    private static String phrase(List<Token> t, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int x = from; x < to; x++) {
            Token k = t.get(x);
            if (k.kind == Kind.COMMENT) continue;
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(k.value);
        }
        String s = sb.toString().strip();
        return s.isEmpty() ? null : s;
    }

    private static List<Token> tokens(String s, boolean[] irregular) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                i++;
            } else if (c == '(') {
                StringBuilder sb = new StringBuilder();
                int depth = 1;
                i++;
                while (i < n && depth > 0) {
                    char d = s.charAt(i++);
                    if (d == '\\' && i < n) {
                        sb.append(s.charAt(i++));
                        continue;
                    }
                    if (d == '(') depth++;
                    if (d == ')' && --depth == 0) break;
                    sb.append(d);
                }
                if (depth > 0) irregular[0] = true;
                out.add(new Token(Kind.COMMENT, sb.toString()));
            } else if (c == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                while (i < n && s.charAt(i) != '"') {
                    char d = s.charAt(i++);
                    if (d == '\\' && i < n) d = s.charAt(i++);
                    sb.append(d);
                }
                if (i >= n) irregular[0] = true;
                i++;
                out.add(new Token(Kind.QUOTED, sb.toString()));
            } else if (",;:<>@".indexOf(c) >= 0) {
                out.add(new Token(Kind.SPECIAL, String.valueOf(c)));
                i++;
            } else if (c == '[') {
                int e = s.indexOf(']', i);
                if (e < 0) irregular[0] = true;
                e = e < 0 ? n : e + 1;
                out.add(new Token(Kind.ATOM, s.substring(i, e)));
                i = e;
            } else {
                // anything else, a stray ')' included, is atom text
                if (c == ')') irregular[0] = true;
                int st = i++;
                while (i < n && " \t\r\n(\",;:<>@[".indexOf(s.charAt(i)) < 0) i++;
                out.add(new Token(Kind.ATOM, s.substring(st, i)));
            }
        }
        return out;
    }
}
