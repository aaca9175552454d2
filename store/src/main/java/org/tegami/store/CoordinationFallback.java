package org.tegami.store;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs that a shared throttle or rate limit fell back to this node's own count because the {@link CoordinationStore}
 * failed (ADR 0024): at most once a minute per user, so an outage is visible without flooding the log.
 */
public final class CoordinationFallback {
    private static final Logger LOG = System.getLogger(CoordinationFallback.class.getName());
    private static final long EVERY_NANOS = 60_000_000_000L;

    private final String what;
    private final AtomicLong lastWarned = new AtomicLong(System.nanoTime() - EVERY_NANOS);

    /** @param what the protection falling back, for the log line ("login throttle") */
    public CoordinationFallback(String what) {
        this.what = what;
    }

    /** Notes one failure of the shared store. */
    public void failed(RuntimeException e) {
        long now = System.nanoTime();
        long last = lastWarned.get();
        if (now - last >= EVERY_NANOS && lastWarned.compareAndSet(last, now)) {
            LOG.log(Level.WARNING, what + ": the shared store failed, counting on this node only until it answers: "
                    + e.getMessage());
        }
    }
}
