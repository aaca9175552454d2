package org.tegami.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.S3TestServer;
import org.tegami.testkit.TestPostgres;

/**
 * The servers of one {@link ClusterBench} setup, in this JVM: one embedded node, or one or more nodes sharing a fresh
 * PostgreSQL schema ({@link TestPostgres}) and a fresh S3Mock bucket ({@link S3TestServer}), each node with its own
 * data directory and its own SMTP (25) and IMAPS listeners on free loopback ports.
 */
final class ClusterNodes implements AutoCloseable {
    static final String DOMAIN = "example.test";
    static final String IDLE_USER = "idle@example.test";
    /** SMTP recipients: deliveries go round-robin to these, so they do not all wait for one mailbox's row lock. */
    static final int RECIPIENTS = 10;

    /** One configuration of the benchmark. */
    record Setup(String name, boolean postgres, int nodes) {}

    final Setup setup;
    final List<TegamiServer> nodes = new ArrayList<>();

    private ClusterNodes(Setup setup) {
        this.setup = setup;
    }

    static String recipient(int i) {
        return String.format("user%02d@%s", i % RECIPIENTS, DOMAIN);
    }

    /** Starts the nodes of {@code setup} under {@code dir} and adds the domain and users through the first one. */
    static ClusterNodes start(Setup setup, Path dir, int connections) throws IOException {
        String shared = "";
        if (setup.postgres()) {
            TestPostgres.Database db = TestPostgres.get().newDatabase();
            S3TestServer s3 = S3TestServer.get();
            shared = "[store]\nkind = \"postgresql\"\nurl = \"" + db.url() + "\"\nuser = \"" + db.user()
                    + "\"\npassword = \"" + db.password() + "\"\n[blobs]\nkind = \"s3\"\nendpoint = \"" + s3.endpoint()
                    + "\"\nbucket = \"" + s3.newBucket() + "\"\nregion = \"us-east-1\"\naccess_key = \""
                    + S3TestServer.ACCESS_KEY + "\"\nsecret_key = \"" + S3TestServer.SECRET_KEY + "\"\npath_style = true\n";
        }
        ClusterNodes c = new ClusterNodes(setup);
        try {
            for (int n = 0; n < setup.nodes(); n++) {
                Path nodeDir = Files.createDirectories(dir.resolve("node" + (char) ('a' + n)));
                Path config = Files.writeString(nodeDir.resolve("tegami.toml"), """
                        hostname = "node%c.example.test"
                        data_dir = "data"
                        [listen]
                        smtp = ["127.0.0.1:0"]
                        submission = []
                        submissions = []
                        pop3 = []
                        pop3s = []
                        imap = []
                        imaps = ["127.0.0.1:0"]
                        managesieve = []
                        metrics = []
                        [limits]
                        connections = %d
                        connections_per_ip = %d
                        [inbound]
                        verify = false
                        """.formatted((char) ('a' + n), connections, connections) + shared);
                c.nodes.add(TegamiServer.start(ConfigLoader.load(config), InstantSource.system()));
            }
            var accounts = c.nodes.getFirst().store().accounts();
            accounts.addDomain(DOMAIN);
            String hash = new PasswordHasher().hash(ImapBench.PASSWORD.toCharArray());
            accounts.addUser(EmailAddress.parse(ImapBench.USER).orElseThrow(), hash);
            accounts.addUser(EmailAddress.parse(IDLE_USER).orElseThrow(), hash);
            for (int i = 0; i < RECIPIENTS; i++) accounts.addUser(EmailAddress.parse(recipient(i)).orElseThrow(), hash);
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    TegamiServer first() {
        return nodes.getFirst();
    }

    /** The last node: the second of two, or the only one. */
    TegamiServer last() {
        return nodes.getLast();
    }

    int smtpPort(int i) {
        return nodes.get(i % nodes.size()).port("smtp");
    }

    int imapsPort(int i) {
        return nodes.get(i % nodes.size()).port("imaps");
    }

    /** Serialization retries of the PostgreSQL store summed over the nodes (0 for the embedded store). */
    long retries() {
        long sum = 0;
        for (TegamiServer s : nodes) {
            if (s.store() instanceof org.tegami.store.postgres.PostgresStore pg) sum += pg.retries();
        }
        return sum;
    }

    @Override
    public void close() {
        for (TegamiServer s : nodes.reversed()) {
            try {
                s.close();
            } catch (Exception e) {
                System.out.println("closing a node: " + e);
            }
        }
    }
}
