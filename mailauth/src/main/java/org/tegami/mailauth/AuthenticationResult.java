package org.tegami.mailauth;

import java.util.List;
import org.tegami.mailauth.arc.ArcVerdict;
import org.tegami.mailauth.dkim.DkimVerdict;
import org.tegami.mailauth.dmarc.DmarcPolicy;
import org.tegami.mailauth.dmarc.DmarcVerdict;
import org.tegami.mailauth.spf.SpfVerdict;

/**
 * Everything {@link SenderAuthenticator} found out about one message.
 *
 * @param spf                   SPF of the MAIL FROM identity (of HELO when MAIL FROM was empty)
 * @param heloSpf               SPF of the HELO identity beside a non-empty MAIL FROM (RFC 7208 §2.3), when the HELO
 *                              name is a domain that could be checked
 * @param dkim                  one verdict per DKIM-Signature checked, top to bottom
 * @param dmarc                 the DMARC verdict, with the disposition to apply
 * @param arc                   the ARC chain as it arrived
 * @param headers               the message's header section as read (for {@link AuthResults#withoutOurs})
 * @param authenticationResults our Authentication-Results field, folded, ending in CRLF, to prepend
 */
public record AuthenticationResult(SpfVerdict spf, java.util.Optional<SpfVerdict> heloSpf, List<DkimVerdict> dkim, DmarcVerdict dmarc, ArcVerdict arc,
        HeaderSection headers, String authenticationResults) {
    public AuthenticationResult {
        dkim = List.copyOf(dkim);
    }

    /** What DMARC says to do with the message: none, quarantine or reject. */
    public DmarcPolicy disposition() {
        return dmarc.disposition();
    }
}
