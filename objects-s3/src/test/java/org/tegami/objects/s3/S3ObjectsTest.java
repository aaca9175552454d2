package org.tegami.objects.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.ObjectStorage;
import org.tegami.store.ObjectStorageContract;
import org.tegami.testkit.FreePort;
import org.tegami.testkit.S3TestServer;

/** The object contract against a real S3-compatible server (S3Mock on loopback), a fresh bucket per test. */
class S3ObjectsTest implements ObjectStorageContract {
    @TempDir
    Path dir;
    private S3TestServer server;
    private String bucket;
    private S3Objects objects;

    static S3Settings settings(S3TestServer server, String bucket) {
        return new S3Settings(server.endpoint(), bucket, "us-east-1", S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY, true);
    }

    @BeforeEach
    void open() throws IOException {
        server = S3TestServer.get();
        bucket = server.newBucket();
        // parts of S3's minimum size, so the contract's 12 MiB object goes up in three
        objects = S3Objects.open(settings(server, bucket), dir.resolve("tmp"), S3Objects.MIN_PART, S3Objects.MIN_PART);
    }

    @AfterEach
    void close() {
        objects.close();
    }

    @Override
    public ObjectStorage objects() {
        return objects;
    }

    @Test
    void objectsAreNamedBlobsSlashTwoDigitsSlashTheRest() throws IOException {
        String key = ObjectStorageContract.key(8);
        objects.put(key, temp(new byte[] {1, 2, 3}));
        assertEquals(List.of("blobs/" + key.substring(0, 2) + "/" + key.substring(2)), server.keys(bucket));
        assertEquals(key, S3Objects.key(S3Objects.objectKey(key)));
        assertNull(S3Objects.key("other/thing"), "names this class did not write are not keys");
        assertThrows(IllegalArgumentException.class, () -> objects.size("../x"));
    }

    @Test
    void aMissingBucketStopsOpeningWithHowToFixIt() {
        IOException e = assertThrows(IOException.class,
                () -> S3Objects.open(settings(server, "no-such-bucket"), dir.resolve("tmp")));
        assertTrue(e.getMessage().contains("bucket \"no-such-bucket\" does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("create it"), e.getMessage());
    }

    @Test
    void anUnreachableEndpointSaysSo() throws IOException {
        // nothing listens there, and below the ephemeral range no other test's socket takes it meanwhile
        int closed = FreePort.pick();
        S3Settings nowhere = new S3Settings(URI.create("http://127.0.0.1:" + closed), "tegami", "us-east-1", "k", "s", true);
        IOException e = assertThrows(IOException.class, () -> S3Objects.open(nowhere, dir.resolve("tmp")));
        assertTrue(e.getMessage().contains("cannot reach the S3 endpoint http://127.0.0.1:" + closed), e.getMessage());
        assertTrue(e.getMessage().contains("check [blobs] endpoint"), e.getMessage());
    }

    @Test
    void theSecretIsNeverInTheSettingsText() {
        S3Settings s = settings(server, bucket);
        assertTrue(!s.toString().contains(S3TestServer.SECRET_KEY), s.toString());
    }
}
