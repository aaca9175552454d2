package org.tegami.server.log;

import java.time.Duration;

/**
 * {@code [log]}: how events are written and how long the trace history keeps them.
 *
 * @param format {@code [log] format}, text (default) or json
 * @param history {@code [log] history_days} (14 by default): how long the store keeps log lines about messages for
 *                {@code tegami trace}; zero keeps none
 */
public record LogSettings(LogFormat format, Duration history) {
    public static final LogSettings DEFAULTS = new LogSettings(LogFormat.TEXT, Duration.ofDays(14));
}
