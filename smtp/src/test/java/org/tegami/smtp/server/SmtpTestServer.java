package org.tegami.smtp.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.tegami.auth.Authenticator;
import org.tegami.auth.LoginThrottle;
import org.tegami.auth.PasswordHasher;
import org.tegami.auth.RecipientResolver;
import org.tegami.core.Limits;
import org.tegami.mime.EmailAddress;
import org.tegami.net.ConnectionLimiter;
import org.tegami.net.Listener;
import org.tegami.net.TlsMode;
import org.tegami.net.tls.TlsContext;
import org.tegami.store.Account;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.testkit.TestTls;
import org.tegami.testkit.TranscriptRunner;

/**
 * A live SMTP server on loopback for tests: listeners {@code smtp} (inbound, STARTTLS), {@code submission}
 * (STARTTLS) and {@code submissions} (implicit TLS) on ephemeral ports, an embedded store in a temporary
 * directory, a fixed clock, and the fixture accounts below.
 */
final class SmtpTestServer implements AutoCloseable {
    static final String HOSTNAME = "mail.example.test";
    static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    static final String ALICE = "alice@example.test";
    static final String ALICE_PASSWORD = "alice-password-1";
    static final String BOB = "bob@example.test";
    static final String BOB_PASSWORD = "bob-password-2";
    /** Transcript lines of a port-25 session up to the end of its EHLO reply (before TLS: STARTTLS last, no AUTH). */
    static final String GREETING_AND_EHLO_25 = """
            S: 220 mail.example.test ESMTP Tegami
            C: EHLO client.test
            S~ 250-.*
            S~ 250-.*
            S~ 250-.*
            S~ 250-.*
            S~ 250-.*
            S~ 250-.*
            S~ 250-.*
            S~ 250-.*
            S: 250 STARTTLS
            """;
    /** Small limits so transcripts can exceed them: 2048-byte messages, 5 recipients. */
    static final Limits LIMITS = new Limits(512, 1000, 2048, 5, 100, 100,
            Duration.ofSeconds(30), Duration.ofSeconds(30), 10, 500);

    /** Argon2id is deliberately slow: hash once per JVM and share, since every transcript run builds a server. */
    private static final class Hashes {
        static final PasswordHasher HASHER = new PasswordHasher();
        static final String ALICE = HASHER.hash(ALICE_PASSWORD.toCharArray());
        static final String BOB = HASHER.hash(BOB_PASSWORD.toCharArray());
    }

    private final Store store;
    private final List<Listener> listeners;

    /**
     * @param dataDir empty directory for the store
     * @param tlsDir  directory for the self-signed certificate; sharing one across servers saves key generation
     */
    SmtpTestServer(Path dataDir, Path tlsDir) {
        this(dataDir, tlsDir, LIMITS);
    }

    SmtpTestServer(Path dataDir, Path tlsDir, Limits limits) {
        this(dataDir, tlsDir, limits, null);
    }

    /** With these pipeline stages instead of the server's (authentication, spam, user rules). */
    SmtpTestServer(Path dataDir, Path tlsDir, Limits limits, List<org.tegami.delivery.Stage> stages) {
        this(tlsDir, limits, stages, clock -> EmbeddedStore.open(dataDir, clock));
    }

    /** On another store backend: {@code opener} opens a fresh, empty store with the given (fixed) clock. */
    SmtpTestServer(Path tlsDir, java.util.function.Function<InstantSource, Store> opener) {
        this(tlsDir, LIMITS, null, opener);
    }

    private SmtpTestServer(Path tlsDir, Limits limits, List<org.tegami.delivery.Stage> stages,
                           java.util.function.Function<InstantSource, Store> opener) {
        InstantSource clock = InstantSource.fixed(NOW);
        store = opener.apply(clock);
        try {
            var accounts = store.accounts();
            accounts.addDomain("example.test");
            accounts.addUser(address(ALICE), Hashes.ALICE);
            accounts.addUser(address(BOB), Hashes.BOB);
            accounts.putAlias("sales@example.test", List.of(ALICE));
            // RFC 5321 §4.5.1: every domain must accept postmaster.
            accounts.putAlias("postmaster@example.test", List.of(ALICE));

            TlsContext tls = TlsContext.selfSigned(tlsDir, HOSTNAME, clock);
            var env = new SmtpEnvironment(HOSTNAME, limits, store,
                    new Authenticator(accounts, Hashes.HASHER, new LoginThrottle(clock)),
                    new RecipientResolver(accounts), tls, clock, new SendRate(limits.messagesPerHour()),
                    new org.tegami.delivery.InboundPipeline(stages != null ? stages : List.of(
                            new org.tegami.delivery.AuthenticationStage(),
                            new org.tegami.delivery.spam.SpamStage(org.tegami.delivery.spam.SpamSettings.DEFAULTS,
                                    store.classifier()), new org.tegami.delivery.UserRulesStage())));
            var limiter = new ConnectionLimiter(limits.connectionsTotal(), limits.connectionsPerIp());
            var any = new InetSocketAddress("127.0.0.1", 0);
            var inbound = new SmtpServer(SmtpServer.Role.INBOUND, env);
            var submission = new SmtpServer(SmtpServer.Role.SUBMISSION, env);
            listeners = List.of(
                    Listener.start("smtp", any, TlsMode.STARTTLS, tls, limiter, inbound, SmtpServer.BUSY),
                    Listener.start("submission", any, TlsMode.STARTTLS, tls, limiter, submission, SmtpServer.BUSY),
                    Listener.start("submissions", any, TlsMode.IMPLICIT, tls, limiter, submission, SmtpServer.BUSY));
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    static EmailAddress address(String s) {
        return EmailAddress.parse(s).orElseThrow();
    }

    Store store() {
        return store;
    }

    Map<String, InetSocketAddress> ports() {
        return Map.of("smtp", listeners.get(0).address(), "submission", listeners.get(1).address(),
                "submissions", listeners.get(2).address());
    }

    int port(String name) {
        return ports().get(name).getPort();
    }

    TranscriptRunner runner() {
        return new TranscriptRunner(ports(), TestTls.trustAllClientContext());
    }

    /** The INBOX messages of a fixture user, in UID order. */
    List<MessageMeta> inbox(String user) {
        Account a = store.accounts().user(address(user)).orElseThrow();
        Mailbox inbox = store.mail().mailbox(a.id(), Mailbox.INBOX).orElseThrow();
        return store.mail().messages(inbox.id());
    }

    /** The stored bytes of a message. */
    byte[] blob(MessageMeta m) {
        try (InputStream in = store.blobs().open(m.blob())) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        listeners.forEach(Listener::close);
        store.close();
    }
}
