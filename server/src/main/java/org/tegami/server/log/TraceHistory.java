package org.tegami.server.log;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import org.tegami.core.Periodic;
import org.tegami.core.log.LogContext;
import org.tegami.store.TraceHistoryStore;

/**
 * Keeps the server's log lines about messages in the store for {@code tegami trace}: every event at INFO and above
 * that names a Message-ID, a queue id or an SMTP transaction id, in the text format whatever {@code [log] format}
 * says, with those ids as lookup keys. Lines wait in a bounded buffer and are saved once a second in one
 * transaction (logging never waits for the store); lines older than the retention are pruned every hour.
 */
public final class TraceHistory extends Handler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TraceHistory.class.getName());
    /** Lines waiting for the next save at most; beyond it lines are dropped and counted. */
    static final int BUFFER = 50_000;
    /** Lines saved per transaction at most. */
    private static final int BATCH = 5_000;

    private final TraceHistoryStore store;
    private final Duration retention;
    private final InstantSource clock;
    private final EventFormatter text = new EventFormatter(LogFormat.TEXT);
    private final ArrayBlockingQueue<TraceHistoryStore.Line> waiting = new ArrayBlockingQueue<>(BUFFER);
    private final AtomicLong dropped = new AtomicLong();
    private Periodic saver;
    private Periodic pruner;

    private TraceHistory(TraceHistoryStore store, Duration retention, InstantSource clock) {
        this.store = store;
        this.retention = retention;
        this.clock = clock;
        setLevel(Level.INFO);
    }

    /** Starts keeping lines (attached to the root logger) until {@link #close}. */
    public static TraceHistory start(TraceHistoryStore store, Duration retention, InstantSource clock) {
        TraceHistory h = new TraceHistory(store, retention, clock);
        h.saver = Periodic.start("trace-history", Duration.ofSeconds(1), clock, h::save, h::save);
        h.pruner = Periodic.start("trace-history-prune", Duration.ofHours(1), clock, h::prune, () -> {});
        h.prune();
        Logger.getLogger("").addHandler(h);
        return h;
    }

    /** The store keys of a line: {@code m:} its Message-ID, {@code q:} each queue id, {@code t:} each transaction id. */
    static List<String> keys(Map<String, String> ctx, String message) {
        List<String> keys = new ArrayList<>(4);
        String msgid = ctx.get(LogContext.MSGID);
        if (msgid != null && !msgid.isEmpty()) keys.add("m:" + msgid);
        String queue = ctx.get(LogContext.QUEUE);
        if (queue != null) for (String q : queue.split(",")) if (!q.isEmpty()) keys.add("q:" + q);
        Matcher m = LogTrace.TX_ID.matcher(message);
        while (m.find()) keys.add("t:" + m.group(1));
        return keys;
    }

    @Override
    public void publish(LogRecord r) {
        if (r == null || !isLoggable(r)) return;
        Map<String, String> ctx = LogContext.snapshot();
        String msg = r.getMessage() == null ? "" : text.formatMessage(r);
        List<String> keys = keys(ctx, msg);
        if (keys.isEmpty()) return; // not about a message: the store's own lines end here too (no context on its threads)
        String line = text.format(r);
        int nl = line.indexOf('\n');
        if (nl >= 0) line = line.substring(0, nl); // the event's line, not a stack trace below it
        if (!waiting.offer(new TraceHistoryStore.Line(r.getMillis(), line, keys))) dropped.incrementAndGet();
    }

    private void save() {
        List<TraceHistoryStore.Line> batch = new ArrayList<>();
        while (waiting.drainTo(batch, BATCH) > 0) {
            store.append(batch);
            batch.clear();
        }
        long lost = dropped.getAndSet(0);
        if (lost > 0) LOG.log(System.Logger.Level.WARNING, lost + " trace history lines dropped: more than " + BUFFER
                + " waited for the store; tegami trace will miss them");
    }

    private void prune() {
        long gone = store.prune(clock.millis() - retention.toMillis(), TraceHistoryStore.MAX_LINES);
        if (gone > 0) LOG.log(System.Logger.Level.INFO, "trace history: " + gone + " lines older than "
                + retention.toDays() + " days pruned");
    }

    @Override
    public void flush() {}

    /** Detaches from logging and saves what waits. */
    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
        if (pruner != null) pruner.close();
        if (saver != null) saver.close(); // runs a final save
    }
}
