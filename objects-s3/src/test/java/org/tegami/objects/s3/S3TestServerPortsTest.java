package org.tegami.objects.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.tegami.testkit.S3TestServer;

/**
 * testkit's S3 server binds port 0 and reads back its port: two started at the same moment both come up, each on
 * a port of its own, each its own server (a bucket made in one is not in the other).
 */
class S3TestServerPortsTest {
    @Test
    void twoServersStartedAtOnceEachGetTheirOwnPort() throws Exception {
        List<Future<S3TestServer>> started;
        try (ExecutorService both = Executors.newFixedThreadPool(2)) {
            Callable<S3TestServer> start = S3TestServer::startNew;
            started = both.invokeAll(List.of(start, start));
        }
        S3TestServer a = started.get(0).get();
        S3TestServer b = started.get(1).get();
        try {
            assertNotEquals(a.endpoint(), b.endpoint());
            String bucket = a.newBucket();
            HttpClient http = HttpClient.newHttpClient();
            assertEquals(200, http.send(HttpRequest.newBuilder(a.endpoint().resolve("/" + bucket)).method("HEAD",
                    HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(404, http.send(HttpRequest.newBuilder(b.endpoint().resolve("/" + bucket)).method("HEAD",
                    HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode(),
                    "the other server does not have it");
            assertEquals(List.of(), b.keys(b.newBucket()));
        } finally {
            a.stop();
            b.stop();
        }
    }
}
