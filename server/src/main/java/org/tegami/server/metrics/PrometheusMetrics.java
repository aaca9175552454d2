package org.tegami.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.tegami.core.metrics.Metrics;

/**
 * The Prometheus side of {@link Metrics} (ADR 0017): one registry holding every Tegami family, the JVM and process
 * metrics of the client's instrumentation module, and the queue size read at scrape time. Thread-safe.
 */
public final class PrometheusMetrics implements Metrics.Sink {
    private static final Logger LOG = System.getLogger(PrometheusMetrics.class.getName());

    /** IMAP commands take microseconds to minutes (IDLE, a large FETCH): buckets from 1 ms to 5 min. */
    private static final double[] COMMAND_SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
            5, 10, 30, 60, 300};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<Metrics.Family, Counter> counters = new EnumMap<>(Metrics.Family.class);
    private final Map<Metrics.Family, Gauge> gauges = new EnumMap<>(Metrics.Family.class);
    private final Map<Metrics.Family, Histogram> histograms = new EnumMap<>(Metrics.Family.class);
    private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();

    /** @param queueSize the number of outbound queue entries, asked at every scrape */
    public PrometheusMetrics(LongSupplier queueSize) {
        for (Metrics.Family f : Metrics.Family.values()) {
            if (f == Metrics.Family.QUEUE_MESSAGES) {
                GaugeWithCallback.builder().name(f.metricName()).help(f.help()).callback(cb -> {
                    try {
                        cb.call(queueSize.getAsLong());
                    } catch (RuntimeException e) {
                        // a scrape without this one value beats a failed scrape
                        LOG.log(Level.WARNING, "metrics: cannot count the queue: " + e.getMessage());
                    }
                }).register(registry);
                continue;
            }
            switch (f.kind()) {
                case COUNTER -> counters.put(f, Counter.builder().name(f.metricName()).help(f.help())
                        .labelNames(f.labels()).withoutExemplars().register(registry));
                case GAUGE -> gauges.put(f, Gauge.builder().name(f.metricName()).help(f.help())
                        .labelNames(f.labels()).withoutExemplars().register(registry));
                case HISTOGRAM -> histograms.put(f, Histogram.builder().name(f.metricName()).help(f.help())
                        .labelNames(f.labels()).classicOnly().classicUpperBounds(COMMAND_SECONDS)
                        .withoutExemplars().register(registry));
            }
        }
        // series with a fixed set of values start at 0, so rate() and alerts see them before the first event
        for (String r : new String[] {"delivered", "deferred", "bounced"}) {
            counters.get(Metrics.Family.OUTBOUND_DELIVERIES).labelValues(r);
        }
        JvmMetrics.builder().register(registry); // includes process_cpu_seconds_total, process_open_fds, ...
    }

    @Override
    public void add(Metrics.Family family, double amount, String... labels) {
        Counter c = counters.get(family);
        if (c != null) {
            c.labelValues(labels).inc(amount);
            return;
        }
        Gauge g = gauges.get(family);
        if (g != null) g.labelValues(labels).inc(amount);
    }

    @Override
    public void set(Metrics.Family family, double value, String... labels) {
        Gauge g = gauges.get(family);
        if (g != null) g.labelValues(labels).set(value);
    }

    @Override
    public void observe(Metrics.Family family, double value, String... labels) {
        Histogram h = histograms.get(family);
        if (h != null) h.labelValues(labels).observe(value);
    }

    /** Writes every family in the Prometheus text format (version 0.0.4). */
    public void scrape(OutputStream out) throws IOException {
        text.write(out, registry.scrape());
    }

    /** The content type of {@link #scrape}. */
    public String contentType() {
        return text.getContentType();
    }
}
