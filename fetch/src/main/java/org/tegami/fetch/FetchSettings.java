package org.tegami.fetch;

import java.time.Duration;

/**
 * {@code [fetch]}: whether the server polls fetch sources, and how often.
 *
 * @param enabled     whether the scheduler runs ({@code enabled}, true)
 * @param interval    time between polls of one source after a good one ({@code interval}, "5m")
 * @param concurrency sources polled at once
 * @param tick        how often the store is asked for due sources ({@code tegami fetch now} waits at most this)
 */
public record FetchSettings(boolean enabled, Duration interval, int concurrency, Duration tick) {
    public static final FetchSettings DEFAULTS = new FetchSettings(true, Duration.ofMinutes(5), 4, Duration.ofSeconds(10));

    public FetchSettings withTick(Duration tick) {
        return new FetchSettings(enabled, interval, concurrency, tick);
    }
}
