package org.tegami.pop3.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.tegami.auth.Authenticator;
import org.tegami.auth.LoginThrottle;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.net.ConnectionLimiter;
import org.tegami.net.Listener;
import org.tegami.net.TlsMode;
import org.tegami.net.tls.TlsContext;
import org.tegami.store.Account;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.testkit.StoreAdmin;
import org.tegami.testkit.TestTls;
import org.tegami.testkit.TranscriptRunner;

/**
 * A live POP3 server on loopback for tests: {@code pop3} (STLS) and {@code pop3s} (implicit TLS) on ephemeral
 * ports over an embedded store in a temporary directory (or
 * another backend's store). alice has two messages (55 and 37 octets), bob none.
 */
final class Pop3TestServer implements AutoCloseable {
    static final String HOSTNAME = "mail.example.test";
    static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    static final String ALICE = "alice@example.test";
    static final String ALICE_PASSWORD = "alice-password";
    static final String BOB = "bob@example.test";
    static final String BOB_PASSWORD = "bob-password";
    static final String MESSAGE_1 = "From: a@example.org\r\nSubject: one\r\n\r\nHello\r\n.dot line\r\n";
    static final String MESSAGE_2 = "Subject: two\r\n\r\nline1\r\nline2\r\nline3\r\n";

    private final Store store;
    private final List<Listener> listeners;

    Pop3TestServer(Path dataDir, Path tlsDir) {
        this(tlsDir, clock -> EmbeddedStore.open(dataDir, clock));
    }

    /** On another store backend: {@code opener} opens a fresh, empty store with the given (fixed) clock. */
    Pop3TestServer(Path tlsDir, Function<InstantSource, Store> opener) {
        InstantSource clock = InstantSource.fixed(NOW);
        store = opener.apply(clock);
        try {
            PasswordHasher hasher = new PasswordHasher();
            var accounts = store.accounts();
            accounts.addDomain("example.test");
            Account alice = accounts.addUser(address(ALICE), hasher.hash(ALICE_PASSWORD.toCharArray()));
            accounts.addUser(address(BOB), hasher.hash(BOB_PASSWORD.toCharArray()));
            deliver(alice, MESSAGE_1);
            deliver(alice, MESSAGE_2);
            TlsContext tls = TlsContext.selfSigned(tlsDir, HOSTNAME, clock);
            var env = new Pop3Environment(HOSTNAME, store, new Authenticator(accounts, hasher, new LoginThrottle(clock)),
                    tls, Duration.ofMinutes(10), new MaildropLocks());
            var limiter = new ConnectionLimiter(100, 100);
            var any = new InetSocketAddress("127.0.0.1", 0);
            var pop3 = new Pop3Server(env);
            listeners = List.of(
                    Listener.start("pop3", any, TlsMode.STARTTLS, tls, limiter, pop3, Pop3Server.BUSY),
                    Listener.start("pop3s", any, TlsMode.IMPLICIT, tls, limiter, pop3, Pop3Server.BUSY));
        } catch (RuntimeException | IOException e) {
            store.close();
            throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        }
    }

    private void deliver(Account to, String message) throws IOException {
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(message.getBytes(StandardCharsets.US_ASCII));
            var blob = w.commit();
            store.mail().deliver(new DeliveryRequest(blob, w.size(), NOW, Set.of(to.id()), Optional.empty()));
        }
    }

    static EmailAddress address(String s) {
        return EmailAddress.parse(s).orElseThrow();
    }

    Store store() {
        return store;
    }

    Map<String, InetSocketAddress> ports() {
        return Map.of("pop3", listeners.get(0).address(), "pop3s", listeners.get(1).address());
    }

    TranscriptRunner runner() {
        return new TranscriptRunner(ports(), TestTls.trustAllClientContext()).withAdmin(new StoreAdmin(store, NOW));
    }

    List<MessageMeta> inbox(String user) {
        Account a = store.accounts().user(address(user)).orElseThrow();
        Mailbox inbox = store.mail().mailbox(a.id(), Mailbox.INBOX).orElseThrow();
        return store.mail().messages(inbox.id());
    }

    @Override
    public void close() {
        listeners.forEach(Listener::close);
        store.close();
    }
}
