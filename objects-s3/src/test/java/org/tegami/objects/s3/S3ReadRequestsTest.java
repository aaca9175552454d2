package org.tegami.objects.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.ObjectStorageContract;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.testkit.S3TestServer;

/**
 * What reading a large blob costs in S3 requests, counted by a proxy in front of a real S3 server (S3Mock): one
 * GET per read, ranged when only part is read, and no HEAD before it (the size comes from the metadata or is not
 * needed).
 */
class S3ReadRequestsTest {
    @TempDir
    Path dir;
    private CountingS3Proxy proxy;
    private String bucket;

    @BeforeEach
    void proxy() throws IOException {
        S3TestServer s3 = S3TestServer.get();
        bucket = s3.newBucket();
        proxy = new CountingS3Proxy(s3.endpoint());
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    private S3Settings settings() {
        return new S3Settings(proxy.endpoint(), bucket, "us-east-1", S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY, true);
    }

    private String object(String key) {
        return "/" + bucket + "/" + S3Objects.objectKey(key);
    }

    @Test
    void eachReadOfAnObjectIsOneGetAndNoHead() throws IOException {
        try (S3Objects o = S3Objects.open(settings(), dir.resolve("tmp"))) {
            byte[] data = ObjectStorageContract.data(3 * 1024 * 1024, 11);
            String key = ObjectStorageContract.key(11);
            o.put(key, Files.write(o.tempDirectory().resolve("one.tmp"), data));
            assertEquals(List.of("HEAD /" + bucket, "PUT " + object(key)), proxy.take());

            try (InputStream in = o.get(key, 0, -1)) {
                assertArrayEquals(data, in.readAllBytes());
            }
            assertEquals(List.of("GET " + object(key)), proxy.take());

            try (InputStream in = o.get(key, 1_000_000, 100_000)) {
                assertArrayEquals(Arrays.copyOfRange(data, 1_000_000, 1_100_000), in.readAllBytes());
            }
            assertEquals(List.of("GET " + object(key) + " bytes=1000000-1099999"), proxy.take());

            try (InputStream in = o.get(key, 3_000_000, -1)) {
                assertArrayEquals(Arrays.copyOfRange(data, 3_000_000, data.length), in.readAllBytes());
            }
            assertEquals(List.of("GET " + object(key) + " bytes=3000000-"), proxy.take());

            try (InputStream in = o.get(key, data.length + 10, 5)) {
                assertEquals(0, in.readAllBytes().length, "a range past the end (416) reads nothing");
            }
            assertEquals(List.of("GET " + object(key) + " bytes=" + (data.length + 10) + "-" + (data.length + 14)), proxy.take());
        }
    }

    @Test
    void readingALargeBlobOfTheStoreIsOneGetAndNoHead() throws IOException {
        try (Store store = EmbeddedStore.open(dir, InstantSource.system(), S3Objects.open(settings(), dir.resolve("tmp")))) {
            byte[] big = ObjectStorageContract.data(2 * 1024 * 1024, 12);
            BlobId id;
            try (BlobStore.BlobWriter w = store.blobs().create()) {
                w.stream().write(big);
                id = w.commit();
            }
            String name = object(id.hex());
            // opening checks the bucket; the writer checks for the object (dedup) before it uploads
            assertEquals(List.of("HEAD /" + bucket, "HEAD " + name, "PUT " + name), proxy.take());

            try (InputStream in = store.blobs().open(id)) {
                assertArrayEquals(big, in.readAllBytes());
            }
            assertEquals(List.of("GET " + name), proxy.take());

            try (InputStream in = store.blobs().open(id, 100_000, 5_000)) {
                assertArrayEquals(Arrays.copyOfRange(big, 100_000, 105_000), in.readAllBytes());
            }
            assertEquals(List.of("GET " + name + " bytes=100000-104999"), proxy.take());

            assertEquals(big.length, store.blobs().size(id));
            assertEquals(List.of("HEAD " + name), proxy.take(), "the size of a large blob is the object's (one HEAD)");
        }
    }

    /** The cluster's store: a large blob in the bucket read in part is one ranged GET, not a download from byte 0. */
    @Test
    void aPartialReadThroughThePostgresStoreIsOneRangedGet() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.tegami.testkit.TestPostgres.available(),
                org.tegami.testkit.TestPostgres.WHY_MISSING);
        var db = org.tegami.testkit.TestPostgres.get().newDatabase();
        try (Store store = org.tegami.store.postgres.PostgresStore.open(db.url(), db.user(), db.password(),
                S3Objects.open(settings(), dir.resolve("tmp")), InstantSource.system())) {
            byte[] big = ObjectStorageContract.data(2 * 1024 * 1024, 13);
            BlobId id;
            try (BlobStore.BlobWriter w = store.blobs().create()) {
                w.stream().write(big);
                id = w.commit();
            }
            String name = object(id.hex());
            proxy.take();

            try (InputStream in = store.blobs().open(id, 1_500_000, 4_000)) {
                assertArrayEquals(Arrays.copyOfRange(big, 1_500_000, 1_504_000), in.readAllBytes());
            }
            assertEquals(List.of("GET " + name + " bytes=1500000-1503999"), proxy.take());

            try (InputStream in = store.blobs().open(id, 2_097_000, -1)) {
                assertArrayEquals(Arrays.copyOfRange(big, 2_097_000, big.length), in.readAllBytes());
            }
            assertEquals(List.of("GET " + name + " bytes=2097000-"), proxy.take());
        }
    }
}
