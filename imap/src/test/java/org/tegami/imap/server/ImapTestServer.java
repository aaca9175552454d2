package org.tegami.imap.server;

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
import org.tegami.auth.Authenticator;
import org.tegami.auth.LoginThrottle;
import org.tegami.auth.PasswordHasher;
import org.tegami.imap.proto.ImapLimits;
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
 * A live IMAP server on loopback for tests: {@code imap} (STARTTLS) and {@code imaps} (implicit TLS) on
 * ephemeral ports over an embedded store in a temporary directory. alice's INBOX has {@link #MESSAGES} (UIDs 1-3,
 * internal date {@link #NOW}); bob's is empty, with a quota of 1 KiB and 2 messages; carol's is empty. The message
 * size limit is {@link #MAX_MESSAGE} octets.
 */
final class ImapTestServer implements AutoCloseable {
    static final String HOSTNAME = "mail.example.test";
    static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    static final String ALICE = "alice@example.test";
    static final String ALICE_PASSWORD = "alice-password";
    static final String BOB = "bob@example.test";
    static final String BOB_PASSWORD = "bob-password";
    /** A third user, with no rights on anyone's mailboxes unless a test grants them. */
    static final String CAROL = "carol@example.test";
    static final String CAROL_PASSWORD = "carol-password";
    static final long MAX_MESSAGE = 1024 * 1024;
    static final List<String> MESSAGES = List.of(
            "From: Carol <carol@example.org>\r\nTo: alice@example.test\r\nSubject: Lunch\r\n"
                    + "Date: Wed, 1 Jan 2025 12:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nPizza at noon?\r\n",
            "From: dave@example.org\r\nTo: alice@example.test\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
                    + "Date: Thu, 2 Jan 2025 08:00:00 +0100\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                    + "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo Welt\r\n"
                    + "--b1\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n"
                    + "Content-Disposition: attachment; filename=\"a.pdf\"\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n",
            "From: erin@example.org\r\nSubject: Report\r\n\r\nQuarterly numbers attached.\r\n");

    private final Store store;
    private final List<Listener> listeners;

    ImapTestServer(Path dataDir, Path tlsDir) {
        this(dataDir, tlsDir, ImapEnvironment.PROGRESS_INTERVAL);
    }

    /**
     * @param progressInterval RFC 9585 progress rate; {@link Duration#ZERO} reports after every message, and since
     *                         the clock is fixed any other value never reports
     */
    ImapTestServer(Path dataDir, Path tlsDir, Duration progressInterval) {
        this(dataDir, tlsDir, progressInterval, ImapLimits.DEFAULTS);
    }

    /** As above, with other limits (a test lowers one to reach it quickly). */
    ImapTestServer(Path dataDir, Path tlsDir, Duration progressInterval, ImapLimits limits) {
        this(dataDir, tlsDir, progressInterval, limits, InstantSource.fixed(NOW));
    }

    /**
     * As above, with the self-signed certificate made for {@code tlsClock} rather than {@link #NOW}: a client that
     * checks the certificate's dates against the real time (Thunderbird) needs {@link InstantSource#system()}.
     */
    ImapTestServer(Path dataDir, Path tlsDir, InstantSource tlsClock) {
        this(dataDir, tlsDir, ImapEnvironment.PROGRESS_INTERVAL, ImapLimits.DEFAULTS, tlsClock);
    }

    private ImapTestServer(Path dataDir, Path tlsDir, Duration progressInterval, ImapLimits limits,
                           InstantSource tlsClock) {
        this(tlsDir, progressInterval, limits, tlsClock, clock -> EmbeddedStore.open(dataDir, clock));
    }

    /** On another store backend: {@code opener} opens a fresh, empty store with the given (fixed) clock. */
    ImapTestServer(Path tlsDir, Duration progressInterval, java.util.function.Function<InstantSource, Store> opener) {
        this(tlsDir, progressInterval, ImapLimits.DEFAULTS, InstantSource.fixed(NOW), opener);
    }

    private ImapTestServer(Path tlsDir, Duration progressInterval, ImapLimits limits, InstantSource tlsClock,
                           java.util.function.Function<InstantSource, Store> opener) {
        InstantSource clock = InstantSource.fixed(NOW);
        store = opener.apply(clock);
        try {
            PasswordHasher hasher = new PasswordHasher();
            var accounts = store.accounts();
            accounts.addDomain("example.test");
            Account alice = accounts.addUser(address(ALICE), hasher.hash(ALICE_PASSWORD.toCharArray()));
            Account bob = accounts.addUser(address(BOB), hasher.hash(BOB_PASSWORD.toCharArray()));
            accounts.addUser(address(CAROL), hasher.hash(CAROL_PASSWORD.toCharArray()));
            accounts.setQuota(bob.id(), java.util.OptionalLong.of(1), java.util.OptionalLong.of(2)); // 1 KiB, 2 messages
            for (String m : MESSAGES) deliver(alice, m);
            TlsContext tls = TlsContext.selfSigned(tlsDir, HOSTNAME, tlsClock);
            var env = new ImapEnvironment(HOSTNAME, store, new Authenticator(accounts, hasher, new LoginThrottle(clock)),
                    tls, Duration.ofMinutes(30), MAX_MESSAGE, limits,
                    new StructureCache(store.blobs(), 100), clock, progressInterval);
            var limiter = new ConnectionLimiter(100, 100);
            var any = new InetSocketAddress("127.0.0.1", 0);
            var imap = new ImapServer(env);
            listeners = List.of(
                    Listener.start("imap", any, TlsMode.STARTTLS, tls, limiter, imap, ImapServer.BUSY),
                    Listener.start("imaps", any, TlsMode.IMPLICIT, tls, limiter, imap, ImapServer.BUSY));
        } catch (RuntimeException | IOException e) {
            store.close();
            throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        }
    }

    void deliver(Account to, String message) throws IOException {
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(message.getBytes(StandardCharsets.UTF_8));
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

    Account account(String user) {
        return store.accounts().user(address(user)).orElseThrow();
    }

    Map<String, InetSocketAddress> ports() {
        return Map.of("imap", listeners.get(0).address(), "imaps", listeners.get(1).address());
    }

    int port(String name) {
        return ports().get(name).getPort();
    }

    TranscriptRunner runner() {
        return new TranscriptRunner(ports(), TestTls.trustAllClientContext()).withAdmin(new StoreAdmin(store, NOW));
    }

    List<MessageMeta> messages(String user, String mailbox) {
        Mailbox mb = store.mail().mailbox(account(user).id(), mailbox).orElseThrow();
        return store.mail().messages(mb.id());
    }

    @Override
    public void close() {
        listeners.forEach(Listener::close);
        store.close();
    }
}
