package org.tegami.imap.message;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The base subject of RFC 5256 §2.1, used by SORT SUBJECT and THREAD to ignore "Re:", "Fwd:", "[list]" and so on. */
public final class BaseSubject {
    /** subj-trailer: "(fwd)" or WSP at the end (step 2). */
    private static final Pattern TRAILER = Pattern.compile("(?i)(\\s|\\(fwd\\))+$");
    /** subj-blob: "[" *BLOBCHAR "]" *WSP. */
    private static final String BLOB = "\\[[^\\[\\]]*\\]\\s*";
    /** subj-leader: (*subj-blob subj-refwd) / WSP (step 3). */
    private static final Pattern LEADER = Pattern.compile("(?i)^(?:(?:" + BLOB + ")*(?:re|fwd?)\\s*(?:" + BLOB + ")?:\\s*|\\s+)");
    private static final Pattern LEADING_BLOB = Pattern.compile("^" + BLOB);
    private static final Pattern FWD = Pattern.compile("(?i)^\\[fwd:(.*)\\]$");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private BaseSubject() {}

    /** The base subject of an already decoded subject (step 1's RFC 2047 decoding is the caller's). */
    public static String of(String decoded) {
        String s = SPACES.matcher(decoded).replaceAll(" "); // step 1: whitespace runs become one space
        while (true) {
            s = TRAILER.matcher(s).replaceFirst(""); // step 2
            while (true) { // steps 3-5
                String before = s;
                s = LEADER.matcher(s).replaceFirst("");
                Matcher blob = LEADING_BLOB.matcher(s);
                if (blob.find() && blob.end() < s.length()) s = s.substring(blob.end()); // step 4: only if text remains
                if (s.equals(before)) break;
            }
            Matcher fwd = FWD.matcher(s); // step 6
            if (!fwd.matches()) return s;
            s = fwd.group(1);
        }
    }
}
