package org.tegami.queue;

import java.time.Instant;

/** The state of one recipient of a queued message: a sealed type, one case per state. */
public sealed interface DeliveryStatus {
    /** Waiting for its next attempt. */
    record Scheduled(Instant at) implements DeliveryStatus {}

    /**
     * The receiving server accepted it; {@code reply} is its final answer. {@code dsn}: it supports DSN and got the
     * sender's DSN parameters, so it reports on from here (RFC 3461 §5.2.1).
     */
    record Delivered(String host, String reply, boolean dsn) implements DeliveryStatus {
        public Delivered(String host, String reply) {
            this(host, reply, false);
        }
    }

    /** A 4xx or a connection problem: try again later. */
    record TempFailed(String reason) implements DeliveryStatus {}

    /** A 5xx, a null MX or expiry: the sender gets a bounce. */
    record PermFailed(String reason, String remoteHost) implements DeliveryStatus {}
}
