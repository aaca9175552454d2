package org.tegami.bench;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.TegamiServer;
import org.tegami.server.config.ConfigLoader;
import org.tegami.testkit.S3TestServer;

/**
 * Large blobs as files under the data directory against objects in S3, in one run: N messages of S KiB (above the
 * 128 KiB kept inline, so every one is a blob file or object) over C connections to port 25, counted when stored,
 * alternating the two setups for a few rounds. The S3 server is S3Mock on loopback, on the same cores.
 *
 * <pre>java -Dtegami.s3mock.jar=$HOME/.m2/repository/com/adobe/testing/s3mock/5.2.0/s3mock-5.2.0-exec.jar \
 *     -cp bench/target/benchmarks.jar org.tegami.bench.S3BlobBench [messages] [sizeKib] [connections] [rounds] [dir]</pre>
 */
public final class S3BlobBench {
    private S3BlobBench() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int sizeKib = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Path base = Files.createTempDirectory(Path.of(args.length > 4 ? args[4] : "."), "tegami-s3bench-");
        System.out.printf("S3 blob benchmark: %d messages x %d KiB over %d connections, %d rounds, data in %s%n",
                messages, sizeKib, connections, rounds, base);
        System.out.printf("disk: %.0f fsyncs/s single stream (10 KiB file write + fsync)%n", FsyncRate.measure(base, 2000));
        S3TestServer s3 = S3TestServer.get();
        System.out.println("S3 server: " + s3);
        for (int round = 1; round <= rounds; round++) {
            for (boolean useS3 : new boolean[] {false, true}) {
                Path dir = Files.createDirectories(base.resolve("r" + round + (useS3 ? "-s3" : "-files")));
                String bucket = s3.newBucket();
                String blobs = useS3 ? "[blobs]\nkind = \"s3\"\nendpoint = \"" + s3.endpoint() + "\"\nbucket = \""
                        + bucket + "\"\naccess_key = \"" + S3TestServer.ACCESS_KEY + "\"\nsecret_key = \""
                        + S3TestServer.SECRET_KEY + "\"\npath_style = true\n" : "";
                Path config = Files.writeString(dir.resolve("tegami.toml"), """
                        hostname = "bench.example.test"
                        data_dir = "data"
                        [listen]
                        smtp = ["127.0.0.1:0"]
                        submission = []
                        submissions = []
                        pop3 = []
                        pop3s = []
                        imap = []
                        imaps = []
                        managesieve = []
                        metrics = []
                        [inbound]
                        verify = false
                        """ + blobs);
                try (TegamiServer server = TegamiServer.start(ConfigLoader.load(config), InstantSource.system())) {
                    server.store().accounts().addDomain("example.test");
                    server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                            new PasswordHasher().hash("not used here".toCharArray()));
                    InetSocketAddress target = new InetSocketAddress("127.0.0.1", server.port("smtp"));
                    SmtpLoad.run(target, Math.min(messages, 100), sizeKib, connections, "load@example.org", "alice@example.test");
                    SmtpLoad.Result r = SmtpLoad.run(target, messages, sizeKib, connections, "load@example.org",
                            "alice@example.test");
                    long stored;
                    if (useS3) {
                        stored = s3.keys(bucket).size();
                    } else {
                        try (var files = Files.walk(dir.resolve("data/blobs"))) {
                            stored = files.filter(Files::isRegularFile).count();
                        }
                    }
                    System.out.printf("round %d, %-5s: %s; %d blobs stored%n", round, useS3 ? "s3" : "files", r, stored);
                }
            }
        }
    }
}
