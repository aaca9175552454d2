package org.tegami.mime;

import java.util.Locale;
import java.util.Optional;

/**
 * An addr-spec {@code local@domain} as used in SMTP paths (RFC 5321 §4.1.2) with UTF-8 allowed in both parts
 * (RFC 6531 §3.3). The domain is kept lower-case (ASCII case folding only, so it is locale-independent);
 * the local part keeps its case, as RFC 5321 §2.4 requires, but lookups of local accounts fold it.
 */
public record EmailAddress(String localPart, String domain) {

    public static final int MAX_LOCAL_PART = 64;   // RFC 5321 §4.5.3.1.1
    public static final int MAX_DOMAIN = 255;      // RFC 5321 §4.5.3.1.2
    /**
     * Leniency for forwarders' SRS addresses ({@code SRS0=…}, {@code SRS1=…}), which carry a whole address in their
     * local part and routinely pass 64 octets (postsrsd, Gmail, Microsoft 365 send them); RFC 5321 §4.5.3.1 asks
     * receivers to impose no limits where they can. Bounces to our own come back in that form too.
     */
    public static final int MAX_SRS_LOCAL_PART = 192;

    public EmailAddress {
        domain = domain.toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code local@domain}. Accepts dot-atom and quoted-string local parts; rejects control characters,
     * empty labels and over-long parts.
     */
    public static Optional<EmailAddress> parse(String s) {
        int at = s.lastIndexOf('@');
        if (at <= 0 || at == s.length() - 1) return Optional.empty();
        String local = s.substring(0, at);
        // checked in the form the record stores: case folding can lengthen it (U+0130 becomes "i" and U+0307)
        String domain = s.substring(at + 1).toLowerCase(Locale.ROOT);
        int localBytes = local.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (localBytes > (isSrs(local) ? MAX_SRS_LOCAL_PART : MAX_LOCAL_PART)) return Optional.empty();
        if (domain.length() > MAX_DOMAIN) return Optional.empty();
        if (!validLocal(local) || !validDomain(domain)) return Optional.empty();
        return Optional.of(new EmailAddress(local, domain));
    }

    /** Whether a local part starts as an SRS address does ({@code SRS0=}, {@code srs1+}, …; any case). */
    public static boolean isSrs(String local) {
        return local.length() >= 5 && (local.regionMatches(true, 0, "SRS0", 0, 4) || local.regionMatches(true, 0, "SRS1", 0, 4))
                && "=+-".indexOf(local.charAt(4)) >= 0;
    }

    private static boolean validLocal(String local) {
        if (local.startsWith("\"")) {
            if (local.length() < 2 || !local.endsWith("\"")) return false;
            for (int i = 1; i < local.length() - 1; i++) {
                char c = local.charAt(i);
                if (c < 0x20 || c == 0x7f) return false;
                if (c == '"') return false;
                if (c == '\\') {
                    if (++i >= local.length() - 1) return false;
                    char n = local.charAt(i);
                    if (n < 0x20 || n == 0x7f) return false;
                }
            }
            return true;
        }
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) return false;
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c >= 0x80) continue; // RFC 6531 UTF8-non-ascii
            if (Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0) continue;
            return false;
        }
        return true;
    }

    /** A domain name (letters, digits, hyphens, UTF-8 U-labels) or an address literal {@code [1.2.3.4]}. */
    public static boolean validDomain(String domain) {
        if (domain.startsWith("[") && domain.endsWith("]")) {
            String lit = domain.substring(1, domain.length() - 1);
            return !lit.isEmpty() && lit.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '[' && c != ']' && c != '\\');
        }
        if (domain.isEmpty() || domain.endsWith(".")) return false;
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) return false;
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (c >= 0x80 && !Character.isISOControl(c)) continue;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') continue;
                return false;
            }
        }
        return true;
    }

    /** True when either part needs SMTPUTF8 (RFC 6531). */
    public boolean isUtf8() {
        return !localPart.chars().allMatch(c -> c < 0x80) || !domain.chars().allMatch(c -> c < 0x80);
    }

    /** The local part with case folded, for account lookups. */
    public String localKey() {
        return localPart.toLowerCase(Locale.ROOT);
    }

    /** {@code alice+tag@d} → {@code alice@d} (sub-addressing, RFC 5233); empty when there is no separator. */
    public Optional<EmailAddress> withoutDetail(char separator) {
        int i = localPart.indexOf(separator);
        if (i <= 0) return Optional.empty();
        return Optional.of(new EmailAddress(localPart.substring(0, i), domain));
    }

    /** The lookup form: folded local part and lower-case domain. */
    public String key() {
        return localKey() + "@" + domain;
    }

    @Override
    public String toString() {
        return localPart + "@" + domain;
    }
}
