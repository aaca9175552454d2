package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.TegamiException;
import org.tegami.objects.s3.S3Settings;
import org.tegami.server.config.ConfigLoader;

/** {@code [blobs]}: embedded by default, S3 with every key it needs, mistakes named with how to fix them. */
class BlobsConfigTest {
    @TempDir
    Path dir;

    private static final String S3 = """
            [blobs]
            kind = "s3"
            endpoint = "http://127.0.0.1:9000"
            bucket = "tegami"
            region = "eu-west-3"
            access_key = "AKIDEXAMPLE"
            secret_key = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
            path_style = true
            """;

    private Path config(String toml) throws Exception {
        return Files.writeString(dir.resolve("tegami.toml"), toml);
    }

    private String error(String toml) throws Exception {
        Path f = config(toml);
        return assertThrows(TegamiException.class, () -> ConfigLoader.load(f)).getMessage().replace(f + ":", "");
    }

    @Test
    void embeddedIsTheDefault() throws Exception {
        assertEquals(Optional.empty(), ConfigLoader.load(config("")).s3Blobs());
        assertEquals(Optional.empty(), ConfigLoader.load(config("[blobs]\nkind = \"embedded\"\n")).s3Blobs());
    }

    @Test
    void s3WithEveryKey() throws Exception {
        assertEquals(Optional.of(new S3Settings(URI.create("http://127.0.0.1:9000"), "tegami", "eu-west-3", "AKIDEXAMPLE",
                "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY", true)), ConfigLoader.load(config(S3)).s3Blobs());
        // region and path_style have defaults
        S3Settings s = ConfigLoader.load(config(S3.replace("region = \"eu-west-3\"\n", "").replace("path_style = true\n", "")))
                .s3Blobs().orElseThrow();
        assertEquals("us-east-1", s.region());
        assertEquals(false, s.pathStyle());
    }

    @Test
    void mistakesAreRefusedWithHowToFixThem() throws Exception {
        assertEquals("2: blobs.kind: must be \"embedded\" (files under data_dir, the default) or \"s3\" (an S3-compatible"
                + " bucket), not \"gcs\"", error("[blobs]\nkind = \"gcs\"\n"));
        assertEquals("3: blobs.bucket: is used only with kind = \"s3\" (with kind = \"embedded\", blobs are files under"
                + " data_dir): set kind = \"s3\" or remove this key", error("[blobs]\nkind = \"embedded\"\nbucket = \"x\"\n"));
        assertTrue(error(S3 + "prefix = \"x/\"\n").startsWith("9: blobs.prefix: unknown key"));
        assertEquals("1: blobs: kind = \"s3\" needs bucket = \"NAME\" (an existing bucket; create it with your provider's"
                + " tool, e.g. `aws s3 mb s3://tegami`)", error(S3.replace("bucket = \"tegami\"\n", "")));
        assertEquals("1: blobs: kind = \"s3\" needs access_key = \"...\": the key pair of an S3 user that may read, write,"
                + " list and delete in the bucket", error(S3.replace("access_key = \"AKIDEXAMPLE\"\n", "")));
        assertEquals("1: blobs: kind = \"s3\" needs secret_key = \"...\": the key pair of an S3 user that may read, write,"
                + " list and delete in the bucket", error(S3.replace("secret_key = \"wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY\"\n", "")));
        assertTrue(error(S3.replace("\"AKIDEXAMPLE\"", "\"\"")).startsWith("6: blobs.access_key: must not be empty"));
        assertTrue(error(S3.replace("endpoint = \"http://127.0.0.1:9000\"\n", "")).contains("kind = \"s3\" needs endpoint"));
        assertTrue(error(S3.replace("http://127.0.0.1:9000", "ftp://x")).contains("is not an http URL"));
        assertTrue(error(S3.replace("http://127.0.0.1:9000", "http://user:pw@127.0.0.1:9000"))
                .contains("blobs.endpoint: must be a plain URL"));
        assertTrue(error(S3.replace("bucket = \"tegami\"", "bucket = \"My_Bucket\"")).contains("is not an S3 bucket name"));
    }

    @Test
    void theSecretIsNeverShown() throws Exception {
        var cfg = ConfigLoader.load(config(S3));
        String shown = Stores.blobsDescription(cfg) + " " + cfg.s3Blobs().orElseThrow() + " "
                + error(S3 + "typo = 1\n");
        assertTrue(!shown.contains("wJalrXUtnFEMI"), shown);
        assertEquals("over 128 KiB: s3 bucket \"tegami\" at http://127.0.0.1:9000 (region eu-west-3, path-style); smaller:"
                + " in meta.db", Stores.blobsDescription(cfg));
    }

    @Test
    void backupIsRefusedWhenBlobsAreInS3() throws Exception {
        Path f = config(S3);
        var err = new java.io.StringWriter();
        var cl = org.tegami.server.cli.Cli.commandLine(new Main());
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute("backup", dir.resolve("backup").toString(), "--config", f.toString());
        assertTrue(code != 0);
        assertTrue(err.toString().contains("backup handles blob files under data_dir only; with [blobs] kind = \"s3\" the"
                + " large blobs are in the bucket"), err.toString());
        assertTrue(Files.notExists(dir.resolve("backup")));
    }
}
