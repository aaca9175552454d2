package org.tegami.objects.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private CountingS3Proxy proxy;
    /** Refuse every request whose number (from 1) is odd; or every request. */
    private volatile boolean refuseAll;

    @BeforeEach
    void start() throws IOException {
        proxy = new CountingS3Proxy(S3TestServer.get().endpoint(), n -> refuseAll || n % 2 == 1);
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    private S3Settings settings(String bucket) {
        return new S3Settings(proxy.endpoint(), bucket, "us-east-1",
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
            assertEquals(14, proxy.take().size());
        }
    }

    @Test
    void aServerThatKeepsRefusingFailsAfterTheLastAttempt() throws IOException {
        String bucket = S3TestServer.get().newBucket();
        try (S3Objects o = S3Objects.open(settings(bucket), dir.resolve("tmp"))) {
            refuseAll = true;
            proxy.take();
            IOException e = assertThrows(IOException.class, () -> o.size(ObjectStorageContract.key(10)));
            assertEquals(S3Objects.ATTEMPTS, proxy.take().size());
            assertTrue(e.getMessage().contains("503"), e.getMessage());
        }
    }
}
