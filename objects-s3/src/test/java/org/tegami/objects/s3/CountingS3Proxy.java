package org.tegami.objects.s3;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An HTTP proxy on loopback in front of a real S3 server that writes every request down ({@code METHOD path
 * [range]}), so tests can count what an operation costs in requests, and forwards it, or answers chosen ones with
 * {@code 503 SlowDown} (S3's throttling answer) before they reach the server.
 */
final class CountingS3Proxy implements AutoCloseable {
    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "expect", "connection", "upgrade",
            "transfer-encoding", "keep-alive");

    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> requests = new ArrayList<>();
    /** Requests since the start, refused ones too (not reset by {@link #take}). */
    private int numbered;

    CountingS3Proxy(URI target) throws IOException {
        this(target, n -> false);
    }

    /** With {@code refuse} told each request's number (from 1): true answers it 503 SlowDown instead of forwarding. */
    CountingS3Proxy(URI target, java.util.function.IntPredicate refuse) throws IOException {
        server = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                String range = ex.getRequestHeaders().getFirst("Range");
                int n;
                synchronized (requests) {
                    requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath() + (range == null ? "" : " " + range));
                    n = ++numbered;
                }
                if (refuse.test(n)) {
                    slowDown(ex);
                    return;
                }
                forward(target, ex);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    /** The endpoint to give the client. */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The requests so far, in order, and forgets them. */
    List<String> take() {
        synchronized (requests) {
            List<String> out = List.copyOf(requests);
            requests.clear();
            return out;
        }
    }

    private static void slowDown(HttpExchange ex) throws IOException {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                + "<Message>Please reduce your request rate.</Message></Error>").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ex.getRequestBody().readAllBytes();
        ex.getResponseHeaders().add("Content-Type", "application/xml");
        ex.sendResponseHeaders(503, body.length);
        ex.getResponseBody().write(body);
    }

    private void forward(URI target, HttpExchange ex) throws IOException, InterruptedException {
        byte[] in = ex.getRequestBody().readAllBytes();
        HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve(ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery())))
                .method(ex.getRequestMethod(), in.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(in));
        ex.getRequestHeaders().forEach((k, vs) -> {
            if (!NOT_FORWARDED.contains(k.toLowerCase(Locale.ROOT))) vs.forEach(v -> b.header(k, v));
        });
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        r.headers().map().forEach((k, vs) -> {
            if (!NOT_FORWARDED.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                vs.forEach(v -> ex.getResponseHeaders().add(k, v));
            }
        });
        boolean noBody = ex.getRequestMethod().equals("HEAD") || r.statusCode() == 204 || r.statusCode() == 304;
        String length = r.headers().firstValue("content-length").orElse(null);
        if (noBody) {
            if (length != null) ex.getResponseHeaders().set("Content-Length", length);
            ex.sendResponseHeaders(r.statusCode(), -1);
            return;
        }
        ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
        ex.getResponseBody().write(r.body());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
