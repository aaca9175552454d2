package org.tegami.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/** What {@link SoakBench} counts: honest operations (latency, errors) and abusive connections (outcomes). */
final class SoakStats {
    private final long start;
    final Map<String, Op> ops = new ConcurrentSkipListMap<>();
    final Map<String, Kind> kinds = new ConcurrentSkipListMap<>();
    final LongAdder honestOps = new LongAdder();
    final LongAdder honestErrors = new LongAdder();
    /** Latencies of all honest operations since the last sample, for the per-interval columns. */
    private long[] interval = new long[4096];
    private int intervalN;

    SoakStats(long start) {
        this.start = start;
    }

    double elapsed() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** One honest operation type. */
    static final class Op {
        private long[] nanos = new long[1024];
        private int n;
        final LongAdder errors = new LongAdder();
        final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
        volatile String firstError;

        synchronized void add(long t) {
            if (n == nanos.length) nanos = Arrays.copyOf(nanos, n * 2);
            nanos[n++] = t;
        }

        synchronized long[] sorted() {
            long[] s = Arrays.copyOf(nanos, n);
            Arrays.sort(s);
            return s;
        }
    }

    /** One kind of abusive client. */
    static final class Kind {
        final LongAdder clients = new LongAdder();
        final LongAdder connects = new LongAdder();
        final LongAdder connectFailed = new LongAdder();
        final LongAdder closedByServer = new LongAdder();
        final LongAdder heldToTheEnd = new LongAdder();
        final LongAdder lifetimeMs = new LongAdder();
        final LongAdder lifetimes = new LongAdder();
        final LongAdder attempts = new LongAdder();
        /** The server's answers (first words, tags and numbers dropped), with counts. */
        final Map<String, LongAdder> answers = new ConcurrentHashMap<>();
    }

    Op op(String name) {
        return ops.computeIfAbsent(name, k -> new Op());
    }

    Kind kind(String name) {
        return kinds.computeIfAbsent(name, k -> new Kind());
    }

    void ok(String op, long nanos) {
        op(op).add(nanos);
        honestOps.increment();
        synchronized (this) {
            if (intervalN == interval.length) interval = Arrays.copyOf(interval, intervalN * 2);
            interval[intervalN++] = nanos;
        }
    }

    void error(String op, String message) {
        Op o = op(op);
        o.errors.increment();
        honestErrors.increment();
        String m = message == null ? "?" : message.replaceAll("[0-9]+", "N");
        if (m.length() > 110) m = m.substring(0, 110);
        o.errorKinds.computeIfAbsent(m, k -> new LongAdder()).increment();
        if (o.firstError == null) o.firstError = String.format("t=%.1fs %s", elapsed(), message);
    }

    /** p50 and p99 (ms) of the honest operations since the last call, and their count. */
    synchronized double[] takeInterval() {
        long[] s = Arrays.copyOf(interval, intervalN);
        intervalN = 0;
        if (interval.length > 1 << 16) interval = new long[4096];
        Arrays.sort(s);
        return new double[] {pct(s, 0.50) / 1e6, pct(s, 0.99) / 1e6, s.length};
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p * sorted.length) - 1))];
    }

    static void answer(Kind k, String line) {
        String a = line == null ? "(closed)" : line.replaceAll("^[A-Za-z0-9]+ (?=(OK|NO|BAD)\\b)", "")
                .replaceAll("[0-9]+", "N");
        if (a.length() > 70) a = a.substring(0, 70);
        k.answers.computeIfAbsent(a, x -> new LongAdder()).increment();
    }

    static List<Map.Entry<String, LongAdder>> top(Map<String, LongAdder> m, int n) {
        List<Map.Entry<String, LongAdder>> l = new ArrayList<>(m.entrySet());
        l.sort(Comparator.comparingLong((Map.Entry<String, LongAdder> e) -> e.getValue().sum()).reversed());
        return l.subList(0, Math.min(n, l.size()));
    }
}
