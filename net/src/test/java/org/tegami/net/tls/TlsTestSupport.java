package org.tegami.net.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Key generation with the real openssl CLI, a one-shot TLS server on loopback, and a TLS client. */
final class TlsTestSupport {
    private TlsTestSupport() {
    }

    /** Runs openssl in {@code dir}; fails the test with its output if it exits non-zero. */
    static String openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("/usr/bin/openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), () -> String.join(" ", cmd) + "\n" + out);
        return out;
    }

    /** A self-signed EC P-256 certificate for {@code cn} with PKCS#8 key: {@code name}-cert.pem, {@code name}-key.pem. */
    static void ecPair(Path dir, String name, String cn) throws IOException, InterruptedException {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + "-key.pem", "-out", name + "-cert.pem", "-days", "30", "-subj", "/CN=" + cn,
                "-addext", "subjectAltName=DNS:" + cn);
    }

    /** A self-signed RSA 2048 certificate for {@code cn} with PKCS#8 key. */
    static void rsaPair(Path dir, String name, String cn) throws IOException, InterruptedException {
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + "-key.pem",
                "-out", name + "-cert.pem", "-days", "30", "-subj", "/CN=" + cn, "-addext", "subjectAltName=DNS:" + cn);
    }

    /** How one server-side handshake ended. */
    record ServerResult(SSLSession session, Exception failure) {
    }

    /** Listens on 127.0.0.1, accepts one connection, wraps it with the context and handshakes. */
    static final class OneShotServer implements AutoCloseable {
        final ServerSocket server;
        final CompletableFuture<ServerResult> result = new CompletableFuture<>();

        OneShotServer(Wrapper wrapper) throws IOException {
            server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                try (Socket plain = server.accept(); SSLSocket ssl = wrapper.wrap(plain)) {
                    ssl.setSoTimeout(5000);
                    ssl.startHandshake();
                    SSLSession s = ssl.getSession();
                    // A byte both ways makes sure the session is usable, not only negotiated.
                    ssl.getOutputStream().write('k');
                    ssl.getOutputStream().flush();
                    ssl.getInputStream().read();
                    result.complete(new ServerResult(s, null));
                } catch (Exception e) {
                    result.complete(new ServerResult(null, e));
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        ServerResult await() throws Exception {
            return result.get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @FunctionalInterface
    interface Wrapper {
        SSLSocket wrap(Socket plain) throws IOException;
    }

    /** What the client saw. */
    record ClientResult(String protocol, String cipherSuite, List<X509Certificate> chain) {
        String leafSubject() {
            return chain.getFirst().getSubjectX500Principal().getName();
        }
    }

    /**
     * Connects and handshakes offering only the given protocols and suites ({@code null} for the JDK defaults).
     * Trusts whatever the server presents: these tests check what is negotiated and presented, not PKIX.
     */
    static ClientResult connect(int port, String[] protocols, String[] suites) throws Exception {
        List<X509Certificate> seen = new ArrayList<>();
        X509TrustManager recordAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen.addAll(List.of(chain));
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {recordAll}, new SecureRandom());
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            if (protocols != null) {
                s.setEnabledProtocols(protocols);
            }
            if (suites != null) {
                s.setEnabledCipherSuites(suites);
            }
            s.startHandshake();
            assertEquals('k', s.getInputStream().read());
            s.getOutputStream().write('k');
            s.getOutputStream().flush();
            return new ClientResult(s.getSession().getProtocol(), s.getSession().getCipherSuite(), List.copyOf(seen));
        }
    }

    /** A clock the test moves by hand. */
    static final class MutableClock implements InstantSource {
        private volatile Instant now;

        MutableClock(Instant start) {
            now = start;
        }

        void advanceSeconds(long s) {
            now = now.plusSeconds(s);
        }

        void set(Instant t) {
            now = t;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
