package org.tegami.mime.message;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;

/**
 * RFC 2047 encoded words in header text, decoded leniently for SEARCH and SORT: an RFC 2231 §5
 * language after the charset ({@code =?UTF-8*de?Q?...?=}) is dropped, and a base64 word missing its padding is
 * padded, before mime4j decodes (it keeps the first kind undecoded and drops the tail of the second). Never throws.
 */
public final class EncodedWords {
    /** charset*language, and the encoding and text of every encoded word (RFC 2047 §2: no spaces or '?' inside). */
    private static final Pattern WORD = Pattern.compile("=\\?([^?*\\s]+)(\\*[^?\\s]*)?\\?([bBqQ])\\?([^?\\s]*)\\?=");

    private EncodedWords() {}

    public static String decode(String value) {
        String v = value;
        if (v.contains("=?")) {
            Matcher m = WORD.matcher(v);
            StringBuilder sb = new StringBuilder(v.length());
            while (m.find()) {
                String text = m.group(4);
                if (m.group(3).equalsIgnoreCase("B")) {
                    int rest = text.length() % 4;
                    if (rest == 2) text += "==";
                    else if (rest == 3) text += "=";
                }
                m.appendReplacement(sb, Matcher.quoteReplacement("=?" + m.group(1) + "?" + m.group(3) + "?" + text + "?="));
            }
            m.appendTail(sb);
            v = sb.toString();
        }
        try {
            return DecoderUtil.decodeEncodedWords(v, DecodeMonitor.SILENT);
        } catch (RuntimeException e) {
            return value;
        }
    }
}
