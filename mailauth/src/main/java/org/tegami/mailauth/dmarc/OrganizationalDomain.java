package org.tegami.mailauth.dmarc;

import com.google.common.net.InternetDomainName;
import java.util.Locale;

/**
 * The organizational domain of a name (RFC 7489 §3.2): the public suffix from the Public Suffix List (Guava's
 * copy, updated with each Guava release: docs/adr/0007-public-suffix-list.md) plus one label. A name under no
 * listed suffix takes its last label as suffix (the PSL's implicit "*" rule).
 */
public final class OrganizationalDomain {
    private OrganizationalDomain() {}

    public static String of(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        try {
            InternetDomainName n = InternetDomainName.from(d);
            if (n.isUnderPublicSuffix()) return n.topPrivateDomain().toString();
            if (n.hasPublicSuffix()) return d; // the name is itself a public suffix
        } catch (IllegalArgumentException | IllegalStateException e) {
            // not a name Guava accepts (e.g. an underscore label): fall through to the implicit rule
        }
        String[] labels = d.split("\\.");
        return labels.length <= 2 ? d : labels[labels.length - 2] + "." + labels[labels.length - 1];
    }

    /** Relaxed alignment (RFC 7489 §3.1): the same organizational domain. */
    public static boolean relaxedAligned(String a, String b) {
        return of(a).equals(of(b));
    }
}
