package org.tegami.delivery.forward;

import java.time.Duration;

/**
 * The {@code [forwarding]} settings.
 *
 * @param maxPerHour  forwarded copies one alias sends in any sliding hour; the copies above it are queued for later,
 *                    not refused (the local copies of the same message were accepted)
 * @param maxReceived a message with more {@code Received:} fields than this is a loop and is not forwarded
 *                    (RFC 5321 §6.3)
 * @param srsMaxAge   how long an SRS address we made stays valid for bounces
 */
public record ForwardingSettings(int maxPerHour, int maxReceived, Duration srsMaxAge) {
    public static final ForwardingSettings DEFAULTS = new ForwardingSettings(1000, 50, Duration.ofDays(21));

    public ForwardingSettings {
        if (maxPerHour < 1) throw new IllegalArgumentException("max_per_hour must be at least 1");
        if (maxReceived < 1) throw new IllegalArgumentException("max_received must be at least 1");
    }
}
