package org.tegami.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.tegami.core.TegamiException;
import org.tegami.server.http.HttpServerLimits;

/**
 * The {@code [listen] metrics} listener: {@code GET /metrics} in the Prometheus text format, nothing else (ADR 0017).
 * Plain HTTP without authentication, so bind it to loopback or a monitoring network. One scrape at a time: a
 * scrape is cheap and Prometheus does not overlap its own.
 */
public final class MetricsHttp implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusMetrics metrics;

    /** Binds and starts serving {@code metrics}. */
    public MetricsHttp(InetSocketAddress bind, PrometheusMetrics metrics) {
        this.metrics = metrics;
        // The JDK reads its HTTP limits when the first server is created, and this one starts before autoconfig's.
        HttpServerLimits.apply();
        try {
            server = HttpServer.create(bind, 16);
        } catch (IOException e) {
            throw new TegamiException("cannot listen for metrics on " + bind + ": " + e.getMessage()
                    + ". Check [listen] metrics in tegami.toml.", e);
        }
        executor = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("metrics-http").factory());
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            ex.getRequestBody().close(); // nothing is read from a request: a body is discarded by the JDK server
            if (!"/metrics".equals(ex.getRequestURI().getRawPath())) {
                send(ex, 404, "text/plain; charset=utf-8", "not found: try /metrics\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
            metrics.scrape(body);
            byte[] b = "HEAD".equals(ex.getRequestMethod()) ? null : body.toByteArray();
            send(ex, 200, metrics.contentType(), b);
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body == null ? -1 : body.length);
        if (body != null) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
