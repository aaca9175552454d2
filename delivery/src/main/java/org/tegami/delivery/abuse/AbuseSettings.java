package org.tegami.delivery.abuse;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The abuse defences of {@code [spam]} beside the classifier, all off by default.
 *
 * @param dnsbl          DNS blocklist zones (RFC 5782) the client's address is looked up in, e.g.
 *                       {@code zen.spamhaus.org}; none by default
 * @param greylisting    refuse a first-time (client network, sender, recipient) with 451 until it retries after
 *                       {@code greylistDelay} (RFC 6647); off by default
 * @param greylistDelay  how long a first-time sender must wait before its retry passes (default 5 minutes)
 * @param rspamd         base URL of an rspamd controller/normal worker to ask about every message; none by default
 * @param rspamdReject   honour rspamd's {@code reject} action with 554 5.7.1 (default on); off files it in Junk
 */
public record AbuseSettings(List<String> dnsbl, boolean greylisting, Duration greylistDelay, Optional<URI> rspamd,
                            boolean rspamdReject) {
    public static final Duration DEFAULT_GREYLIST_DELAY = Duration.ofMinutes(5);
    public static final AbuseSettings DEFAULTS =
            new AbuseSettings(List.of(), false, DEFAULT_GREYLIST_DELAY, Optional.empty(), true);

    public AbuseSettings {
        dnsbl = dnsbl.stream().map(z -> z.toLowerCase(Locale.ROOT)).map(z -> z.endsWith(".") ? z.substring(0, z.length() - 1) : z)
                .distinct().toList();
        if (greylistDelay.isNegative() || greylistDelay.compareTo(GreylistStage.RETRY_WINDOW) >= 0) {
            throw new IllegalArgumentException("greylist_delay must be below " + GreylistStage.RETRY_WINDOW.toHours() + " hours");
        }
    }

    public AbuseSettings withDnsbl(List<String> zones) {
        return new AbuseSettings(zones, greylisting, greylistDelay, rspamd, rspamdReject);
    }

    public AbuseSettings withGreylisting(boolean on, Duration delay) {
        return new AbuseSettings(dnsbl, on, delay, rspamd, rspamdReject);
    }

    public AbuseSettings withRspamd(Optional<URI> url, boolean reject) {
        return new AbuseSettings(dnsbl, greylisting, greylistDelay, url, reject);
    }
}
