package org.tegami.server.metrics;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.tegami.core.metrics.Metrics;

/**
 * Metrics for one server process: installs the Prometheus sink behind {@link Metrics} and serves it on each
 * {@code [listen] metrics} address. With no address nothing is installed and every count stays a no-op.
 */
public final class MetricsService implements AutoCloseable {
    private final PrometheusMetrics sink;
    private final List<MetricsHttp> http;

    private MetricsService(PrometheusMetrics sink, List<MetricsHttp> http) {
        this.sink = sink;
        this.http = http;
    }

    /** Starts counting and serving; with no addresses returns an instance that does nothing. */
    public static MetricsService start(List<InetSocketAddress> addresses, LongSupplier queueSize) {
        if (addresses.isEmpty()) return new MetricsService(null, List.of());
        PrometheusMetrics sink = new PrometheusMetrics(queueSize);
        List<MetricsHttp> http = new ArrayList<>();
        try {
            for (InetSocketAddress a : addresses) http.add(new MetricsHttp(a, sink));
        } catch (RuntimeException e) {
            http.forEach(MetricsHttp::close);
            throw e;
        }
        Metrics.install(sink);
        return new MetricsService(sink, List.copyOf(http));
    }

    /** The metrics HTTP listeners (none when metrics are off). */
    public List<MetricsHttp> http() {
        return http;
    }

    @Override
    public void close() {
        if (sink != null) Metrics.uninstall(sink);
        http.forEach(MetricsHttp::close);
    }
}
