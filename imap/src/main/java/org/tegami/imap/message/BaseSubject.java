package org.tegami.imap.message;

/**
 * The base subject of RFC 5256 §2.1, used by SORT SUBJECT and THREAD to ignore "Re:", "Fwd:", "[list]" and so on.
 *
 * <p>Written as index arithmetic over the subject, without regexes: the regexes this replaces recursed once per
 * {@code [blob]}, so one inbound message whose subject held a few thousand of them overflowed the stack of every
 * SORT and THREAD of its mailbox (issue 12). This takes time linear in the subject's length.
 */
public final class BaseSubject {

    private BaseSubject() {}

    /** The base subject of an already decoded subject (step 1's RFC 2047 decoding is the caller's). */
    public static String of(String decoded) {
        char[] a = collapseWhitespace(decoded); // step 1
        int b = 0;
        int e = a.length;
        while (true) {
            e = trimTrailer(a, b, e); // step 2
            while (true) { // RFC 5256 §2.1 step 5: repeat steps 3 and 4 until neither removes anything
                int before = b;
                int leader = leader(a, b, e); // step 3
                if (leader >= 0) {
                    b = leader;
                    int blob = blob(a, b, e); // step 4: a leading blob, only if text remains after it
                    if (blob >= 0 && blob < e) b = blob;
                } else {
                    // step 3 failed after the blobs at b, so it fails the same way after each of them: step 4 may
                    // remove them all at once (one at a time, re-trying step 3 each time, is quadratic)
                    for (int blob = blob(a, b, e); blob >= 0 && blob < e; blob = blob(a, b, e)) b = blob;
                }
                if (b == before) break;
            }
            // step 6: "[fwd:" ... "]" around the whole subject is removed, then everything again from step 2
            if (e - b >= 6 && startsWith(a, b, e, "[fwd:") && a[e - 1] == ']') {
                b += 5;
                e -= 1;
                continue;
            }
            return new String(a, b, e - b);
        }
    }

    /** RFC 5256 §2.1 step 1: every run of whitespace becomes one space. */
    private static char[] collapseWhitespace(String s) {
        char[] out = new char[s.length()];
        int n = 0;
        boolean inSpace = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!space(c)) out[n++] = c;
            else if (!inSpace) out[n++] = ' ';
            inSpace = space(c);
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** subj-trailer = "(fwd)" / WSP, removed from the end as long as one is there (step 2). */
    private static int trimTrailer(char[] a, int b, int e) {
        while (e > b) {
            if (space(a[e - 1])) e--;
            else if (e - b >= 5 && startsWith(a, e - 5, e, "(fwd)")) e -= 5;
            else break;
        }
        return e;
    }

    /**
     * Where a subj-leader at {@code i} ends, or -1: {@code *subj-blob subj-refwd} with subj-refwd = ("re" / ("fw"
     * ["d"])) *WSP [subj-blob] ":", or a run of WSP. Greedy matching is exact here: no alternative that gives back
     * a blob or a space could continue, since "re", "fw" and ":" start with none of "[", "]" or WSP.
     */
    private static int leader(char[] a, int i, int e) {
        if (i < e && space(a[i])) {
            while (i < e && space(a[i])) i++;
            return i;
        }
        for (int blob = blob(a, i, e); blob >= 0; blob = blob(a, i, e)) i = blob;
        if (startsWith(a, i, e, "re")) i += 2;
        else if (startsWith(a, i, e, "fwd")) i += 3;
        else if (startsWith(a, i, e, "fw")) i += 2;
        else return -1;
        while (i < e && space(a[i])) i++;
        int blob = blob(a, i, e);
        if (blob >= 0) i = blob;
        if (i >= e || a[i] != ':') return -1;
        i++;
        while (i < e && space(a[i])) i++;
        return i;
    }

    /** Where a subj-blob at {@code i} ends, or -1: "[" *BLOBCHAR "]" *WSP, where BLOBCHAR excludes "[" and "]". */
    private static int blob(char[] a, int i, int e) {
        if (i >= e || a[i] != '[') return -1;
        int j = i + 1;
        while (j < e && a[j] != '[' && a[j] != ']') j++;
        if (j >= e || a[j] != ']') return -1;
        j++;
        while (j < e && space(a[j])) j++;
        return j;
    }

    /** ASCII case-insensitive, as the RFC's ABNF literals are. */
    private static boolean startsWith(char[] a, int i, int e, String lower) {
        if (i + lower.length() > e) return false;
        for (int k = 0; k < lower.length(); k++) {
            char c = a[i + k];
            if ((c >= 'A' && c <= 'Z' ? (char) (c + 32) : c) != lower.charAt(k)) return false;
        }
        return true;
    }

    /** What {@code \s} matched in the regexes this replaces. */
    private static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }
}
