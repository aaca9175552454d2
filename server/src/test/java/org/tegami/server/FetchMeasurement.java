package org.tegami.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.fetch.CredentialCipher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.FetchSourceStore;
import org.tegami.testkit.TestDnsServer;

/**
 * How fast {@code tegami fetch} collects: 500 messages of 10 KiB from B over IMAPS, then over POP3S, into A through
 * its whole pipeline (sender authentication against a loopback DNS server, classifier), each stored durably before
 * the next. Off unless {@code -Dtegami.measure=true}:
 * {@code mvn -o -pl server -am verify -Dtest=FetchMeasurement -Dtegami.measure=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "tegami.measure", matches = "true")
class FetchMeasurement {
    static final int MESSAGES = 500;
    static final int SIZE = 10 * 1024;

    @TempDir
    Path dir;

    private TegamiServer start(String name, String toml) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("tegami.toml"), toml);
        return TegamiServer.start(ConfigLoader.load(d.resolve("tegami.toml")), InstantSource.system());
    }

    @Test
    void measure() throws Exception {
        String none = "smtp = []\nsubmission = []\nsubmissions = []\npop3 = []\nimap = []\nmanagesieve = []\n";
        try (TestDnsServer dns = new TestDnsServer();
             TegamiServer b = start("b", "hostname = \"localhost\"\n[listen]\n" + none
                     + "imaps = [\"127.0.0.1:0\"]\npop3s = [\"127.0.0.1:0\"]\n[fetch]\nenabled = false\n")) {
            b.store().accounts().addDomain("b.test");
            Account bob = b.store().accounts().addUser(EmailAddress.parse("bob@b.test").orElseThrow(),
                    new PasswordHasher().hash("bob-password".toCharArray()));
            String filler = "x".repeat(76) + "\r\n";
            for (int i = 0; i < MESSAGES; i++) {
                StringBuilder m = new StringBuilder("From: carol@c.test\r\nTo: bob@b.test\r\nSubject: message " + i
                        + "\r\nMessage-ID: <" + i + "@c.test>\r\n\r\n");
                while (m.length() < SIZE) m.append(filler);
                byte[] bytes = m.toString().getBytes(StandardCharsets.US_ASCII);
                try (BlobStore.BlobWriter w = b.store().blobs().create()) {
                    w.stream().write(bytes);
                    BlobId id = w.commit();
                    b.store().mail().deliver(new DeliveryRequest(id, bytes.length, Instant.now(), Set.of(bob.id()), Optional.empty()));
                }
            }
            try (TegamiServer a = start("a", "hostname = \"mail.a.test\"\n[listen]\n" + none + "imaps = []\npop3s = []\n"
                    + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n[fetch]\nenabled = false\n"
                    + "[outbound]\ntls_ca = \"" + b.config().dataDir().resolve("tls/selfsigned-cert.pem") + "\"\n")) {
                a.store().accounts().addDomain("a.test");
                Account alice = a.store().accounts().addUser(EmailAddress.parse("alice@a.test").orElseThrow(),
                        new PasswordHasher().hash("alice-password".toCharArray()));
                CredentialCipher cipher = CredentialCipher.open(a.config().dataDir());
                for (var p : new FetchSourceStore.Protocol[] {FetchSourceStore.Protocol.IMAP, FetchSourceStore.Protocol.POP3}) {
                    var s = a.store().fetchSources().add(new FetchSourceStore.NewSource(alice.id(), p, "localhost",
                            b.port(p == FetchSourceStore.Protocol.IMAP ? "imaps" : "pop3s"), "bob@b.test",
                            p == FetchSourceStore.Protocol.IMAP ? "INBOX" : "", true), Instant.now(),
                            id -> cipher.seal(id, alice.id(), "bob-password"));
                    long t0 = System.nanoTime();
                    var err = a.fetcher().poll(a.store().fetchSources().source(s.id()).orElseThrow());
                    double secs = (System.nanoTime() - t0) / 1e9;
                    long t1 = System.nanoTime();
                    a.fetcher().poll(a.store().fetchSources().source(s.id()).orElseThrow());
                    double again = (System.nanoTime() - t1) / 1e9;
                    System.out.printf("FETCH %s: %d messages of %d KiB in %.2f s = %.0f msgs/s (error: %s); a poll with nothing new: %.3f s%n",
                            p, MESSAGES, SIZE / 1024, secs, MESSAGES / secs, err.orElse("none"), again);
                }
            }
        }
    }
}
