package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.fetch.CredentialCipher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.FetchSourceStore;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;

/**
 * {@code tegami fetch} against Debian's Dovecot IMAP server (implicit TLS on loopback, a certificate made by openssl
 * for localhost), when it is installed and the test runs as root (Dovecot then drops to "nobody" for the mailbox);
 * skipped otherwise. Not part of CI's package list.
 */
class DovecotFetchTest {
    @TempDir
    Path dir;

    private static boolean runs(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** For Dovecot, another process: a port nothing else takes before it binds. */
    private static int freePort() throws Exception {
        return org.tegami.testkit.FreePort.pick();
    }

    private static List<String> inbox(Store s, Account who) throws Exception {
        List<String> out = new ArrayList<>();
        for (MessageMeta m : s.mail().messages(s.mail().mailbox(who.id(), "INBOX").orElseThrow().id())) {
            try (InputStream in = s.blobs().open(m.content())) {
                out.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void maildirMessage(Path maildir, String name, String subject) throws Exception {
        Path tmp = maildir.resolve("tmp").resolve(name);
        Files.writeString(tmp, "From: carol@c.test\r\nTo: bob@b.test\r\nSubject: " + subject + "\r\nMessage-ID: <" + name
                + "@c.test>\r\n\r\nhello from dovecot\r\n");
        runs("chown", "nobody:nogroup", tmp.toString());
        Files.move(tmp, maildir.resolve("new").resolve(name));
    }

    private static long files(Path maildir) throws Exception {
        long n = 0;
        for (String sub : new String[] {"new", "cur"}) {
            try (var l = Files.list(maildir.resolve(sub))) {
                n += l.count();
            }
        }
        return n;
    }

    @Test
    void collectsFromDovecotOverImaps() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/dovecot"))
                && Files.exists(Path.of("/usr/lib/dovecot/imap")), "Dovecot's IMAP server is not installed");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run Dovecot with its users");
        Assumptions.assumeTrue(runs("openssl", "version"), "openssl is not installed");
        Path d = Files.createDirectories(dir.resolve("dovecot"));
        runs("chmod", "755", dir.toString(), d.toString());
        Assumptions.assumeTrue(runs("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-days", "2", "-keyout", d.resolve("key.pem").toString(),
                "-out", d.resolve("cert.pem").toString()), "openssl cannot make a certificate");
        Path maildir = d.resolve("home/bob/Maildir");
        for (String sub : new String[] {"new", "cur", "tmp"}) Files.createDirectories(maildir.resolve(sub));
        Files.createDirectories(d.resolve("run"));
        Files.createDirectories(d.resolve("state"));
        Files.writeString(d.resolve("passwd"), "bob:{PLAIN}bob-password\n");
        int port = freePort();
        Files.writeString(d.resolve("dovecot.conf"), """
                base_dir = %1$s/run
                state_dir = %1$s/state
                log_path = %1$s/dovecot.log
                protocols = imap
                listen = 127.0.0.1
                ssl = required
                ssl_cert = <%1$s/cert.pem
                ssl_key = <%1$s/key.pem
                first_valid_uid = 1
                default_login_user = dovenull
                default_internal_user = dovecot
                mail_location = maildir:~/Maildir
                service imap-login {
                  inet_listener imap {
                    port = 0
                  }
                  inet_listener imaps {
                    port = %2$d
                    ssl = yes
                  }
                }
                passdb {
                  driver = passwd-file
                  args = scheme=PLAIN username_format=%%u %1$s/passwd
                }
                userdb {
                  driver = static
                  args = uid=65534 gid=65534 home=%1$s/home/%%u
                }
                """.formatted(d, port));
        maildirMessage(maildir, "1.test", "first");
        maildirMessage(maildir, "2.test", "second");
        Assumptions.assumeTrue(runs("chown", "-R", "nobody:nogroup", d.resolve("home").toString()), "cannot chown");
        Process dovecot = new ProcessBuilder("/usr/sbin/dovecot", "-c", d.resolve("dovecot.conf").toString(), "-F")
                .redirectErrorStream(true).redirectOutput(d.resolve("out.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            boolean up = false;
            while (!up && System.nanoTime() < deadline) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    up = true;
                } catch (java.io.IOException e) {
                    Thread.sleep(100);
                }
            }
            assertTrue(up, "Dovecot did not start: " + Files.readString(d.resolve("out.log")));
            Path a = Files.createDirectories(dir.resolve("a"));
            Files.writeString(a.resolve("tegami.toml"), "hostname = \"mail.a.test\"\n[listen]\nsmtp = []\nsubmission = []\n"
                    + "submissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\n[inbound]\nverify = false\n"
                    + "[fetch]\nenabled = false\n[outbound]\ntls_ca = \"" + d.resolve("cert.pem") + "\"\n");
            try (TegamiServer sa = TegamiServer.start(ConfigLoader.load(a.resolve("tegami.toml")), InstantSource.system())) {
                sa.store().accounts().addDomain("a.test");
                Account alice = sa.store().accounts().addUser(EmailAddress.parse("alice@a.test").orElseThrow(),
                        new PasswordHasher().hash("alice-password".toCharArray()));
                CredentialCipher cipher = CredentialCipher.open(sa.config().dataDir());
                var keep = sa.store().fetchSources().add(new FetchSourceStore.NewSource(alice.id(), FetchSourceStore.Protocol.IMAP,
                        "localhost", port, "bob", "INBOX", true), java.time.Instant.now(), id -> cipher.seal(id, alice.id(), "bob-password"));
                assertEquals(Optional.empty(), sa.fetcher().poll(sa.store().fetchSources().source(keep.id()).orElseThrow()));
                assertEquals(2, inbox(sa.store(), alice).size());
                assertTrue(inbox(sa.store(), alice).getFirst().contains("Subject: first"), inbox(sa.store(), alice).getFirst());
                assertEquals(Optional.empty(), sa.fetcher().poll(sa.store().fetchSources().source(keep.id()).orElseThrow()));
                assertEquals(2, inbox(sa.store(), alice).size(), "no duplicates");
                sa.store().fetchSources().remove(keep.id());

                maildirMessage(maildir, "3.test", "third");
                var delete = sa.store().fetchSources().add(new FetchSourceStore.NewSource(alice.id(), FetchSourceStore.Protocol.IMAP,
                        "localhost", port, "bob", "INBOX", false), java.time.Instant.now(), id -> cipher.seal(id, alice.id(), "bob-password"));
                assertEquals(Optional.empty(), sa.fetcher().poll(sa.store().fetchSources().source(delete.id()).orElseThrow()));
                assertEquals(5, inbox(sa.store(), alice).size(), "a new source fetches everything once more");
                assertEquals(0, files(maildir), "expunged from Dovecot once stored");
            }
        } finally {
            dovecot.destroy();
            dovecot.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
