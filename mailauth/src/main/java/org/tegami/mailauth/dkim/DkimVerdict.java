package org.tegami.mailauth.dkim;

/**
 * The outcome of verifying one DKIM signature.
 *
 * @param domain    d= (empty when the signature could not be parsed)
 * @param selector  s=
 * @param identity  i= (or "@" + d)
 * @param algorithm a=
 * @param headerB   the first characters of b=, for header.b (RFC 6008)
 * @param reason    a short diagnostic for logs and Authentication-Results comments
 * @param testing   the key record says t=y
 */
public record DkimVerdict(DkimResult result, String domain, String selector, String identity, String algorithm,
        String headerB, String reason, boolean testing) {
    /** Characters of b= kept for header.b. */
    public static final int HEADER_B_LENGTH = 12;
}
