package org.tegami.objects.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.ObjectStorageContract;
import org.tegami.testkit.S3TestServer;

/**
 * Retries against a real S3 server behind a proxy that answers {@code 503 SlowDown} (S3's throttling answer) to
 * chosen requests before they reach it: each request goes through after a refusal, and a server that keeps
 * refusing fails after the last attempt with S3's answer in the message.
 */
class S3RetryTest {
    @TempDir
    Path dir;
    private HttpServer proxy;
    private final AtomicInteger requests = new AtomicInteger();
    /** Refuse every request whose number (from 1) is odd; or every request. */
    private volatile boolean refuseAll;

    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "expect", "connection", "upgrade",
            "transfer-encoding", "keep-alive");

    @BeforeEach
    void start() throws IOException {
        S3TestServer s3 = S3TestServer.get();
        HttpClient http = HttpClient.newHttpClient();
        proxy = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        proxy.createContext("/", ex -> {
            try (ex) {
                int n = requests.incrementAndGet();
                if (refuseAll || n % 2 == 1) {
                    byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                            + "<Message>Please reduce your request rate.</Message></Error>").getBytes();
                    ex.getRequestBody().readAllBytes();
                    ex.getResponseHeaders().add("Content-Type", "application/xml");
                    ex.sendResponseHeaders(503, body.length);
                    ex.getResponseBody().write(body);
                    return;
                }
                forward(http, s3.endpoint(), ex);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        proxy.start();
    }

    private static void forward(HttpClient http, URI target, HttpExchange ex) throws IOException, InterruptedException {
        byte[] in = ex.getRequestBody().readAllBytes();
        HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve(ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery())))
                .method(ex.getRequestMethod(), in.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(in));
        ex.getRequestHeaders().forEach((k, vs) -> {
            if (!NOT_FORWARDED.contains(k.toLowerCase(java.util.Locale.ROOT))) vs.forEach(v -> b.header(k, v));
        });
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        r.headers().map().forEach((k, vs) -> {
            if (!NOT_FORWARDED.contains(k.toLowerCase(java.util.Locale.ROOT)) && !k.startsWith(":")) {
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

    @AfterEach
    void stop() {
        proxy.stop(0);
    }

    private S3Settings settings(String bucket) {
        return new S3Settings(URI.create("http://127.0.0.1:" + proxy.getAddress().getPort()), bucket, "us-east-1",
                S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY, true);
    }

    @Test
    void throttledRequestsAreRetried() throws IOException {
        String bucket = S3TestServer.get().newBucket();
        try (S3Objects o = S3Objects.open(settings(bucket), dir.resolve("tmp"))) {
            byte[] data = ObjectStorageContract.data(200_000, 9);
            Path f = Files.write(o.tempDirectory().resolve("one.tmp"), data);
            String key = ObjectStorageContract.key(9);
            o.put(key, f);
            assertEquals(data.length, o.size(key));
            try (InputStream in = o.get(key, 1000, 500)) {
                assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, 1500), in.readAllBytes());
            }
            assertEquals(java.util.List.of(key), o.list("", 10));
            o.delete(key);
            assertEquals(-1, o.size(key));
            // open's HeadBucket and six calls, each refused once before it went through
            assertEquals(14, requests.get());
        }
    }

    @Test
    void aServerThatKeepsRefusingFailsAfterTheLastAttempt() throws IOException {
        String bucket = S3TestServer.get().newBucket();
        try (S3Objects o = S3Objects.open(settings(bucket), dir.resolve("tmp"))) {
            refuseAll = true;
            requests.set(0);
            IOException e = assertThrows(IOException.class, () -> o.size(ObjectStorageContract.key(10)));
            assertEquals(S3Objects.ATTEMPTS, requests.get());
            assertTrue(e.getMessage().contains("503"), e.getMessage());
        }
    }
}
