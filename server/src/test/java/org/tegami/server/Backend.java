package org.tegami.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.Assumptions;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Store;
import org.tegami.testkit.S3TestServer;
import org.tegami.testkit.TestPostgres;

/**
 * The store a server test runs on: the embedded default (SQLite and blob files in the data directory), or the
 * cluster's, metadata in PostgreSQL and large blobs in an S3 bucket.
 */
enum Backend {
    EMBEDDED,
    POSTGRES_S3;

    /** Skips the test when this backend cannot run here (no PostgreSQL binaries). */
    void assumeAvailable() {
        if (this == POSTGRES_S3) Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
    }

    /**
     * The {@code [store]} and {@code [blobs]} sections that select this backend, each call on a fresh database and
     * bucket; empty for the embedded default. Ends with a newline, so more sections can follow.
     */
    String toml() throws IOException {
        if (this == EMBEDDED) return "";
        assumeAvailable();
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        S3TestServer s3 = S3TestServer.get();
        return "[store]\nkind = \"postgresql\"\nurl = \"" + db.url() + "\"\nuser = \"" + db.user() + "\"\npassword = \""
                + db.password() + "\"\n[blobs]\nkind = \"s3\"\nendpoint = \"" + s3.endpoint() + "\"\nbucket = \""
                + s3.newBucket() + "\"\nregion = \"us-east-1\"\naccess_key = \"" + S3TestServer.ACCESS_KEY
                + "\"\nsecret_key = \"" + S3TestServer.SECRET_KEY + "\"\npath_style = true\n";
    }

    /**
     * Adds {@code domain} and the user {@code address} with {@code password} to the store {@code config} names, in this
     * JVM (a {@code tegami} CLI process per command costs seconds on a loaded machine).
     */
    static void addUser(Path config, String domain, String address, String password) {
        try (Store store = open(config)) {
            store.accounts().addDomain(domain);
            store.accounts().addUser(EmailAddress.parse(address).orElseThrow(), new PasswordHasher().hash(password.toCharArray()));
        }
    }

    /** Opens the store {@code config} names, as the server and the CLI do. */
    static Store open(Path config) {
        return Stores.open(ConfigLoader.load(config), InstantSource.system(), s -> { });
    }
}
