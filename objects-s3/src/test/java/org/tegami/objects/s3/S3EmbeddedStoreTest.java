package org.tegami.objects.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.BlobId;
import org.tegami.store.Store;
import org.tegami.store.StoreLifecycleContract;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.testkit.S3TestServer;

/**
 * The store contracts with the embedded metadata store and large blobs in a real S3-compatible server: what the
 * server runs with {@code [blobs] kind = "s3"}.
 */
class S3EmbeddedStoreTest implements StoreLifecycleContract, org.tegami.store.PipelineStoreContract {
    @TempDir
    Path dir;
    private S3TestServer server;
    private String bucket;
    private Store store;
    private Store second;

    @BeforeEach
    void bucket() throws IOException {
        server = S3TestServer.get();
        bucket = server.newBucket();
    }

    private Store open() {
        try {
            return EmbeddedStore.open(dir, InstantSource.fixed(NOW),
                    S3Objects.open(S3ObjectsTest.settings(server, bucket), dir.resolve("tmp")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Store store() {
        if (store == null) store = open();
        return store;
    }

    @Override
    public Store reopen() {
        if (store != null) store.close();
        store = open();
        return store;
    }

    @Override
    public Store second() {
        if (second == null) second = open();
        return second;
    }

    @AfterEach
    void close() {
        if (store != null) store.close();
        if (second != null) second.close();
    }

    @Test
    void largeBlobsAreObjectsInTheBucketAndNotFiles() throws IOException {
        byte[] big = new byte[300 * 1024];
        java.util.Arrays.fill(big, (byte) 'x');
        BlobId id = blob(store(), big);
        String h = id.hex();
        assertEquals(java.util.List.of("blobs/" + h.substring(0, 2) + "/" + h.substring(2)), server.keys(bucket));
        assertTrue(Files.notExists(dir.resolve("blobs")), "no blob files beside the metadata");
        // nothing names it: the collector deletes the object
        assertEquals(1, store().blobs().collect());
        assertEquals(java.util.List.of(), server.keys(bucket));
    }

    @Test
    void aRefusedUploadFailsTheCommitAndLeavesNoTemporaryFile() throws Exception {
        Store s = store();
        // the bucket goes away under the running store (S3 deletes an empty bucket)
        var http = java.net.http.HttpClient.newHttpClient();
        var r = http.send(java.net.http.HttpRequest.newBuilder(server.endpoint().resolve("/" + bucket)).DELETE().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode(), r.body());
        byte[] big = new byte[300 * 1024];
        java.util.Arrays.fill(big, (byte) 'y');
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> blob(s, big));
        assertTrue(e.getMessage().contains("bucket \"" + bucket + "\" does not exist"), e.getMessage());
        try (var left = Files.list(dir.resolve("tmp"))) {
            assertEquals(0, left.count(), "the spooled copy is deleted");
        }
    }
}
