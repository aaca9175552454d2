package org.tegami.delivery;

import java.util.List;
import java.util.Locale;

/**
 * The {@code [inbound]} settings: sender authentication of mail from outside.
 *
 * @param verify            check SPF, DKIM, ARC and DMARC and add Authentication-Results (default on)
 * @param dmarcReject       honour {@code p=reject}: refuse with 550 5.7.1 (default on); off files such mail in Junk,
 *                          as for {@code p=quarantine}
 * @param trustedArcSealers forwarders (their ARC {@code d=} domains) whose validated ARC chain may vouch for a
 *                          message's original DMARC pass, e.g. a mailing-list host; none by default
 * @param dmarcReports      send DMARC aggregate reports (RFC 7489 §7.2) to the domains whose records ask for them
 *                          with {@code rua=}, daily; off by default
 */
public record InboundSettings(boolean verify, boolean dmarcReject, List<String> trustedArcSealers, boolean dmarcReports) {
    public static final InboundSettings DEFAULTS = new InboundSettings(true, true, List.of(), false);
    /** Nothing checked. */
    public static final InboundSettings OFF = new InboundSettings(false, false, List.of(), false);

    /** Without aggregate reports. */
    public InboundSettings(boolean verify, boolean dmarcReject, List<String> trustedArcSealers) {
        this(verify, dmarcReject, trustedArcSealers, false);
    }

    public InboundSettings {
        trustedArcSealers = trustedArcSealers.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
    }
}
