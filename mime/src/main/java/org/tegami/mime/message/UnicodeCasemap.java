package org.tegami.mime.message;

import java.text.Normalizer;

/**
 * The i;unicode-casemap comparator's key (RFC 5051 §2): every character titlecased, then NFKD-decomposed, so that
 * "É", "é" and "e" + U+0301 are one key. Like Dovecot, single characters map to single characters (no SpecialCasing
 * expansions), and the key never depends on the JVM's default locale.
 */
public final class UnicodeCasemap {
    private UnicodeCasemap() {}

    public static String fold(String s) {
        if (isAscii(s)) return s.toUpperCase(java.util.Locale.ROOT); // ASCII: titlecase is uppercase, nothing decomposes
        StringBuilder sb = new StringBuilder(s.length());
        boolean ascii = true;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            ascii &= cp < 0x80;
            sb.appendCodePoint(Character.toTitleCase(cp));
        }
        // RFC 5051 §2.1 step 2: the decomposition; ASCII text has none
        return ascii ? sb.toString() : Normalizer.normalize(sb, Normalizer.Form.NFKD);
    }

    private static boolean isAscii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }
}
