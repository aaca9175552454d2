package org.tegami.imap.server;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Progress notifications for one long command (RFC 9585): {@code * OK [INPROGRESS ("tag" done goal)] text}, at most
 * once per {@link ImapEnvironment#progressInterval()}, flushed at once so the client sees them while it waits.
 *
 * <p>A loop calls {@link #step()} once per message; the clock is read only every {@value #STRIDE} steps (every step
 * when the interval is zero, as in tests), so the cost in a hot loop is a decrement. A single store call that cannot
 * count (a COPY or EXPUNGE transaction) runs under {@link #during}, which sends keep-alives with an unknown count.
 */
final class Progress {
    private static final Logger LOG = System.getLogger(Progress.class.getName());
    private static final int STRIDE = 64;
    /** A progress that never reports, for work no client command waits on (search updates). */
    static final Progress NONE = new Progress(null, "", 0, "");

    private final ImapSession s;
    private final String tag;
    private final long goal;
    private final String text;
    private final long intervalMillis;
    private final int stride;
    private long last;
    private long done;
    private int countdown;

    /**
     * @param goal how many items the command will process, or 0 when unknown (sent as NIL: RFC 9585 §5 makes the
     *             goal an nz-number)
     */
    Progress(ImapSession s, String tag, long goal, String text) {
        this.s = s;
        this.tag = tag;
        this.goal = goal;
        this.text = text;
        Duration interval = s == null ? Duration.ZERO : s.env.progressInterval();
        this.intervalMillis = interval.toMillis();
        this.stride = intervalMillis == 0 ? 1 : STRIDE;
        this.countdown = stride;
        this.last = s == null ? 0 : s.env.clock().millis();
    }

    /** One more item processed; reports when the interval has passed since the start or the last report. */
    void step() throws IOException {
        done++;
        if (--countdown > 0 || s == null) return;
        countdown = stride;
        long now = s.env.clock().millis();
        if (now - last < intervalMillis) return;
        last = now;
        report(java.util.OptionalLong.of(done));
    }

    /** Sends the count (or, when empty, unknown progress) against the goal. */
    private void report(java.util.OptionalLong count) throws IOException {
        // RFC 9585 §5: "NIL NIL", "count NIL" or "count goal"; the goal is never 0 and never without a count
        java.util.OptionalLong g = count.isPresent() && goal > 0 ? java.util.OptionalLong.of(goal) : java.util.OptionalLong.empty();
        s.out().untagged(org.tegami.imap.proto.ImapResponse.Status.OK,
                new org.tegami.imap.proto.ResponseCode.InProgress(tag, count, g), text);
        s.flush();
    }

    /** A store call that does its work in one transaction and so cannot be counted. */
    @FunctionalInterface
    interface Work<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code work} on this thread while a helper thread sends {@code INPROGRESS ("tag" NIL NIL)} keep-alives
     * (RFC 9585 §5 inprogress-state-unknown) every interval until it returns. With a zero interval one keep-alive is
     * sent before the work instead, so that tests see exactly one line. The helper is joined before this returns,
     * so nothing it sends can follow the command's own responses.
     */
    <T> T during(Work<T> work) throws IOException {
        if (s == null) return work.run();
        if (intervalMillis == 0) {
            report(java.util.OptionalLong.empty());
            return work.run();
        }
        CountDownLatch finished = new CountDownLatch(1);
        // never interrupted: interrupting a virtual thread blocked in socket I/O would close the socket
        Thread ticker = Thread.ofVirtual().name("imap-progress").start(() -> {
            try {
                while (!finished.await(intervalMillis, TimeUnit.MILLISECONDS)) report(java.util.OptionalLong.empty());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "progress notification failed: " + e.getMessage());
            }
        });
        try {
            return work.run();
        } finally {
            finished.countDown();
            try {
                ticker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
