package org.tegami.managesieve.server;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;
import org.tegami.auth.Authenticator;
import org.tegami.auth.LoginThrottle;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.net.ConnectionLimiter;
import org.tegami.net.Listener;
import org.tegami.net.TlsMode;
import org.tegami.net.tls.TlsContext;
import org.tegami.store.SieveScriptStore;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.testkit.StoreAdmin;
import org.tegami.testkit.TestTls;
import org.tegami.testkit.TranscriptRunner;

/**
 * A live ManageSieve server on a loopback ephemeral port (listener {@code managesieve}, STARTTLS) over an embedded
 * store in a temporary directory (or another backend's store), with real TLS (a self-signed certificate). alice and bob have no scripts. Quota:
 * {@value #MAX_SCRIPTS} scripts of at most {@value #MAX_SIZE} octets.
 */
final class ManageSieveTestServer implements AutoCloseable {
    static final String HOSTNAME = "mail.example.test";
    static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    static final String ALICE = "alice@example.test";
    static final String ALICE_PASSWORD = "alice-password";
    static final String BOB = "bob@example.test";
    static final String BOB_PASSWORD = "bob-password";
    static final int MAX_SCRIPTS = 3;
    static final int MAX_SIZE = 1000;

    /**
     * Stands in for the Sieve compiler: a line starting with {@code frobnicate} is an unknown command, a line
     * {@code # warn: text} a warning.
     */
    static final ScriptChecker CHECKER = new ScriptChecker() {
        @Override
        public Verdict check(String script) {
            List<String> lines = script.lines().toList();
            List<String> warnings = new java.util.ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("frobnicate")) {
                    return new Invalid("line " + (i + 1) + ", column 1: unknown command \"frobnicate\"");
                }
                if (lines.get(i).startsWith("# warn: ")) warnings.add("line " + (i + 1) + ": " + lines.get(i).substring(8));
            }
            return new Valid(warnings);
        }

        @Override
        public List<String> extensions() {
            return List.of("fileinto", "envelope");
        }

        @Override
        public OptionalInt maxRedirects() {
            return OptionalInt.of(4);
        }
    };

    private final Store store;
    private final TlsContext tls;
    private final Listener listener;

    ManageSieveTestServer(Path dataDir, Path tlsDir) {
        this(tlsDir, clock -> EmbeddedStore.open(dataDir, clock));
    }

    /** On another store backend: {@code opener} opens a fresh, empty store with the given (fixed) clock. */
    ManageSieveTestServer(Path tlsDir, Function<InstantSource, Store> opener) {
        InstantSource clock = InstantSource.fixed(NOW);
        store = opener.apply(clock);
        try {
            PasswordHasher hasher = new PasswordHasher();
            var accounts = store.accounts();
            accounts.addDomain("example.test");
            accounts.addUser(address(ALICE), hasher.hash(ALICE_PASSWORD.toCharArray()));
            accounts.addUser(address(BOB), hasher.hash(BOB_PASSWORD.toCharArray()));
            tls = TlsContext.selfSigned(tlsDir, HOSTNAME, clock);
            var env = new ManageSieveEnvironment(HOSTNAME, store, new Authenticator(accounts, hasher, new LoginThrottle(clock)),
                    tls, CHECKER, new SieveScriptStore.Quota(MAX_SCRIPTS, MAX_SIZE), Duration.ofMinutes(10));
            listener = Listener.start("managesieve", new InetSocketAddress("127.0.0.1", 0), TlsMode.STARTTLS, tls,
                    new ConnectionLimiter(100, 100), new ManageSieveServer(env), ManageSieveServer.BUSY);
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

    TlsContext tls() {
        return tls;
    }

    int port() {
        return listener.port();
    }

    TranscriptRunner runner() {
        return new TranscriptRunner(Map.of("managesieve", listener.address()), TestTls.trustAllClientContext())
                .withAdmin(new StoreAdmin(store, NOW));
    }

    @Override
    public void close() {
        listener.close();
        store.close();
    }
}
