package org.tegami.sieve;

import org.tegami.mime.message.EncodedWords;

/**
 * One header field as the script sees it: the name as written and the raw value after the colon (folding CRLFs
 * kept, leading whitespace kept).
 */
public record HeaderField(String name, String value) {

    /** The value unfolded (RFC 5322 §2.2.3), trimmed, and RFC 2047 decoded, as header tests compare it (RFC 5228 §5.7). */
    public String decoded() {
        return EncodedWords.decode(unfolded());
    }

    /** The value unfolded and trimmed, undecoded. */
    public String unfolded() {
        String v = value;
        if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) v = v.replace("\r\n", "").replace("\n", "").replace("\r", "");
        return v.strip();
    }

    /** The field as header lines: {@code Name: value} ending in CRLF. */
    public String toLines() {
        return name + ":" + (value.startsWith(" ") || value.startsWith("\t") ? "" : " ") + value + "\r\n";
    }
}
