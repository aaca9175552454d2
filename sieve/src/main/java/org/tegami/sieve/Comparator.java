package org.tegami.sieve;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Comparators (RFC 4790 §9: i;octet, i;ascii-casemap, i;ascii-numeric) and match types (RFC 5228 §2.7.1,
 * RFC 5231 relational). {@code :contains} and the literal segments of {@code :matches} are found with
 * Knuth–Morris–Pratt, so both are linear in text plus pattern; only segments holding {@code ?} are searched position
 * by position. Every character comparison is charged to the {@link Budget}.
 */
final class Comparator {
    static final Set<String> NAMES = Set.of("i;octet", "i;ascii-casemap", "i;ascii-numeric");
    static final Set<String> RELATIONS = Set.of("gt", "ge", "lt", "le", "eq", "ne");

    private final String name;
    private final Budget budget;

    Comparator(String name, Budget budget) {
        this.name = name == null ? "i;ascii-casemap" : name;
        this.budget = budget;
    }

    private boolean numeric() {
        return name.equals("i;ascii-numeric");
    }

    private int fold(int c) {
        // RFC 4790 §9.2: only ASCII letters fold
        return name.equals("i;ascii-casemap") && c >= 'a' && c <= 'z' ? c - 32 : c;
    }

    private boolean same(int a, int b) {
        return fold(a) == fold(b);
    }

    boolean is(String value, String key) {
        budget.charge(Math.min(value.length(), key.length()) + 1);
        if (numeric()) return compare(value, key) == 0;
        if (value.length() != key.length()) return false;
        for (int i = 0; i < value.length(); i++) if (!same(value.charAt(i), key.charAt(i))) return false;
        return true;
    }

    boolean contains(String value, String key) {
        if (key.isEmpty()) return true;
        int[] text = value.codePoints().toArray();
        return find(text, 0, text.length, key.codePoints().toArray()) >= 0;
    }

    /**
     * The leftmost index in {@code text[from, to)} where {@code seg} (no wildcards) occurs, comparing as this
     * comparator does, or -1: Knuth–Morris–Pratt, so O(to − from + seg.length) whatever the input.
     */
    private int find(int[] text, int from, int to, int[] seg) {
        int m = seg.length;
        if (m == 0) return from <= to ? from : -1;
        budget.charge((long) m + Math.max(0, to - from));
        int[] fail = new int[m];
        for (int i = 1, k = 0; i < m; i++) {
            while (k > 0 && !same(seg[i], seg[k])) k = fail[k - 1];
            if (same(seg[i], seg[k])) k++;
            fail[i] = k;
        }
        for (int i = from, k = 0; i < to; i++) {
            while (k > 0 && !same(text[i], seg[k])) k = fail[k - 1];
            if (same(text[i], seg[k])) k++;
            if (k == m) return i - m + 1;
        }
        return -1;
    }

    /** Ordering (RFC 4790 §4.2); i;octet compares UTF-8 octets, i;ascii-numeric per RFC 4790 §9.1.1. */
    int compare(String a, String b) {
        budget.charge(Math.min(a.length(), b.length()) + 1);
        if (numeric()) {
            // RFC 4790 §9.1.1: the leading digits are the value; a string without them is positive infinity
            int la = digits(a), lb = digits(b);
            if (la == 0 || lb == 0) return Boolean.compare(la == 0, lb == 0);
            String x = a.substring(0, la).replaceFirst("^0+(?=.)", ""), y = b.substring(0, lb).replaceFirst("^0+(?=.)", "");
            if (x.length() != y.length()) return Integer.compare(x.length(), y.length());
            return Integer.signum(x.compareTo(y));
        }
        if (name.equals("i;octet")) {
            byte[] x = a.getBytes(StandardCharsets.UTF_8), y = b.getBytes(StandardCharsets.UTF_8);
            return Integer.signum(java.util.Arrays.compareUnsigned(x, y));
        }
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            int d = fold(a.charAt(i)) - fold(b.charAt(i));
            if (d != 0) return Integer.signum(d);
        }
        return Integer.compare(a.length(), b.length());
    }

    private static int digits(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
        return i;
    }

    static boolean relation(String op, int cmp) {
        return switch (op.toLowerCase(Locale.ROOT)) {
            case "gt" -> cmp > 0;
            case "ge" -> cmp >= 0;
            case "lt" -> cmp < 0;
            case "le" -> cmp <= 0;
            case "eq" -> cmp == 0;
            default -> cmp != 0;
        };
    }

    /**
     * RFC 5228 §2.7.1 {@code :matches}: {@code *} any sequence, {@code ?} one character, {@code \} quotes the next
     * character. Returns the text matched by each wildcard (RFC 5229 §3.2), or null when there is no match.
     * Each {@code *} before the last literal segment takes the shortest text that lets the next segment match, which is
     * what a backtracking matcher would find first, without its exponential worst case.
     */
    List<String> matches(String value, String pattern) {
        // split into segments separated by '*'; each segment is code points, -1 standing for '?'
        List<int[]> segments = new ArrayList<>();
        List<Integer> cur = new ArrayList<>();
        int[] text = value.codePoints().toArray();
        budget.charge(pattern.length() + text.length);
        for (int i = 0; i < pattern.length(); ) {
            int c = pattern.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\\' && i < pattern.length()) {
                int q = pattern.codePointAt(i);
                i += Character.charCount(q);
                cur.add(q);
            } else if (c == '*') {
                segments.add(toArray(cur));
                cur.clear();
            } else {
                cur.add(c == '?' ? -1 : c);
            }
        }
        segments.add(toArray(cur));
        int stars = segments.size() - 1;
        int[] first = segments.get(0);
        List<String> groups = new ArrayList<>();
        if (stars == 0) {
            if (first.length != text.length || !segmentAt(text, 0, first)) return null;
            addQuestionMarks(groups, text, 0, first);
            return groups;
        }
        int[] last = segments.get(stars);
        if (first.length + last.length > text.length) return null;
        if (!segmentAt(text, 0, first)) return null;
        int end = text.length - last.length;
        if (!segmentAt(text, end, last)) return null;
        addQuestionMarks(groups, text, 0, first);
        int p = first.length;
        for (int s = 1; s < stars; s++) {
            int[] seg = segments.get(s);
            int found = -1;
            if (!hasQuestionMark(seg)) {
                found = find(text, p, end, seg);
            } else {
                // a segment with '?' is searched position by position; every comparison is charged
                for (int at = p; at + seg.length <= end; at++) {
                    if (segmentAt(text, at, seg)) {
                        found = at;
                        break;
                    }
                }
            }
            if (found < 0) return null;
            groups.add(new String(text, p, found - p));
            addQuestionMarks(groups, text, found, seg);
            p = found + seg.length;
        }
        groups.add(new String(text, p, end - p));
        addQuestionMarks(groups, text, end, last);
        return groups;
    }

    private static boolean hasQuestionMark(int[] seg) {
        for (int c : seg) if (c == -1) return true;
        return false;
    }

    private static int[] toArray(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }

    private boolean segmentAt(int[] text, int at, int[] seg) {
        int j = 0;
        while (j < seg.length && (seg[j] == -1 || same(text[at + j], seg[j]))) j++;
        budget.charge(j + 1);
        return j == seg.length;
    }

    private static void addQuestionMarks(List<String> groups, int[] text, int at, int[] seg) {
        for (int j = 0; j < seg.length; j++) if (seg[j] == -1) groups.add(new String(text, at + j, 1));
    }
}
