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
 * @param rspamdController base URL of rspamd's controller worker, which learns from users' Junk moves; by default
 *                       the {@code rspamd} host on port 11334
 * @param rspamdPassword the controller's password, when it asks for one (it does not from 127.0.0.1 by default)
 */
public record AbuseSettings(List<String> dnsbl, boolean greylisting, Duration greylistDelay, Optional<URI> rspamd,
                            boolean rspamdReject, Optional<URI> rspamdController, Optional<String> rspamdPassword) {
    /** rspamd's controller port (its {@code worker-controller.inc} default). */
    public static final int CONTROLLER_PORT = 11334;

    public static final Duration DEFAULT_GREYLIST_DELAY = Duration.ofMinutes(5);
    public static final AbuseSettings DEFAULTS =
            new AbuseSettings(List.of(), false, DEFAULT_GREYLIST_DELAY, Optional.empty(), true, Optional.empty(), Optional.empty());

    public AbuseSettings {
        dnsbl = dnsbl.stream().map(z -> z.toLowerCase(Locale.ROOT)).map(z -> z.endsWith(".") ? z.substring(0, z.length() - 1) : z)
                .distinct().toList();
        if (greylistDelay.isNegative() || greylistDelay.compareTo(GreylistStage.RETRY_WINDOW) >= 0) {
            throw new IllegalArgumentException("greylist_delay must be below " + GreylistStage.RETRY_WINDOW.toHours() + " hours");
        }
    }

    public AbuseSettings withDnsbl(List<String> zones) {
        return new AbuseSettings(zones, greylisting, greylistDelay, rspamd, rspamdReject, rspamdController, rspamdPassword);
    }

    public AbuseSettings withGreylisting(boolean on, Duration delay) {
        return new AbuseSettings(dnsbl, on, delay, rspamd, rspamdReject, rspamdController, rspamdPassword);
    }

    public AbuseSettings withRspamd(Optional<URI> url, boolean reject) {
        return new AbuseSettings(dnsbl, greylisting, greylistDelay, url, reject, rspamdController, rspamdPassword);
    }

    /**
     * Where users' Junk moves are taught to rspamd: the configured controller, else the {@code rspamd} host on
     * {@link #CONTROLLER_PORT}; empty when rspamd is not used.
     */
    public Optional<URI> rspamdLearning() {
        if (rspamd.isEmpty()) return Optional.empty();
        if (rspamdController.isPresent()) return rspamdController;
        URI u = rspamd.get();
        // getHost keeps an IPv6 literal's brackets
        return Optional.of(URI.create(u.getScheme() + "://" + u.getHost() + ":" + CONTROLLER_PORT));
    }
}
