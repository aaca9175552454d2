package org.tegami.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.net.tls.TlsContext;

/**
 * The pool over real STARTTLS (RFC 3207): one handshake for several messages, and a session is reused only for a
 * destination whose TLS requirement it satisfies (RFC 8461 §5: MTA-STS enforce needs a verified certificate).
 */
class ConnectionPoolTlsTest {
    @TempDir
    Path dir;

    /** A peer offering STARTTLS with a certificate for mx.peer.test; logs each session's commands after TLS. */
    private static final class TlsPeer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        final List<List<String>> sessions = new CopyOnWriteArrayList<>();

        TlsPeer(TlsContext tls) throws Exception {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> session(tls, s));
                    } catch (Exception e) {
                        // closed
                    }
                }
            });
        }

        private void session(TlsContext tls, Socket plain) {
            List<String> log = new CopyOnWriteArrayList<>();
            sessions.add(log);
            try (plain) {
                Socket s = plain;
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                out.write("220 peer ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                for (String line; (line = in.readLine()) != null; ) {
                    log.add(line);
                    if (line.equals("STARTTLS")) {
                        out.write("220 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        s = tls.wrapServer(plain);
                        in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                        out = s.getOutputStream();
                        continue;
                    }
                    String reply = switch (line.length() >= 4 ? line.substring(0, 4) : line) {
                        case "EHLO" -> s == plain ? "250-peer\r\n250 STARTTLS\r\n" : "250-peer\r\n250 PIPELINING\r\n";
                        case "MAIL", "RCPT", "RSET" -> "250 ok\r\n";
                        case "DATA" -> {
                            out.write("354 go\r\n".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            for (String l; (l = in.readLine()) != null && !l.equals("."); ) { }
                            yield "250 2.0.0 queued\r\n";
                        }
                        case "QUIT" -> "221 bye\r\n";
                        default -> "500 what\r\n";
                    };
                    out.write(reply.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if (line.equals("QUIT")) break;
                }
            } catch (Exception e) {
                // session over (a failed handshake too)
            }
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    private static SSLContext trusting(TlsContext tls) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("peer", tls.certificateChain().getFirst());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static final byte[] BODY = "Subject: x\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final SmtpClient.Outgoing MSG = new SmtpClient.Outgoing("a@local.test", List.of("b@peer.test"),
            BODY.length, () -> new ByteArrayInputStream(BODY), false);

    private static SmtpClient.Session got(ConnectionPool.Lease l) {
        return assertInstanceOf(ConnectionPool.Lease.Got.class, l, l.toString()).session();
    }

    @Test
    void oneHandshakeForSeveralMessagesAndEnforceNeedsAVerifiedSession() throws Exception {
        TlsContext tls = TlsContext.selfSigned(dir, "mx.peer.test", InstantSource.system());
        try (TlsPeer peer = new TlsPeer(tls);
             ConnectionPool pool = new ConnectionPool(new SmtpClient("client.test"),
                     new ConnectionPool.Limits(5, 100, Duration.ofSeconds(10)))) {
            var opportunistic = SmtpClient.Security.OPPORTUNISTIC;
            for (int i = 0; i < 3; i++) {
                SmtpClient.Session s = got(pool.acquire("mx.peer.test", peer.address(), opportunistic, Duration.ofSeconds(1)));
                assertTrue(s.tls(), "STARTTLS taken");
                assertInstanceOf(DeliveryStatus.Delivered.class, s.send(MSG).get("b@peer.test"));
                pool.release(s);
            }
            assertEquals(1, peer.sessions.size(), "three messages, one connection and one handshake");
            assertEquals(List.of("EHLO client.test", "STARTTLS", "EHLO client.test",
                    "MAIL FROM:<a@local.test>", "RCPT TO:<b@peer.test>", "DATA",
                    "RSET", "MAIL FROM:<a@local.test>", "RCPT TO:<b@peer.test>", "DATA",
                    "RSET", "MAIL FROM:<a@local.test>", "RCPT TO:<b@peer.test>", "DATA"), peer.sessions.getFirst());

            // MTA-STS enforce: the opportunistic session (certificate never checked) must not carry this mail.
            var enforce = new SmtpClient.Security(trusting(tls), true, false, null, null);
            SmtpClient.Session verified = got(pool.acquire("mx.peer.test", peer.address(), enforce, Duration.ofSeconds(1)));
            assertEquals(2, peer.sessions.size(), "a new, verified session");
            assertInstanceOf(DeliveryStatus.Delivered.class, verified.send(MSG).get("b@peer.test"));
            pool.release(verified);
            // The verified session may serve the next enforce message.
            SmtpClient.Session again = got(pool.acquire("mx.peer.test", peer.address(), enforce, Duration.ofSeconds(1)));
            assertEquals(2, peer.sessions.size());
            assertEquals(enforce, again.security());
            pool.release(again);

            // A certificate that does not name the host fails verification: no session, and no mail sent.
            var wrongName = pool.acquire("mx.other.test", peer.address(), enforce, Duration.ofSeconds(1));
            var failed = assertInstanceOf(ConnectionPool.Lease.Failed.class, wrongName);
            assertInstanceOf(DeliveryStatus.TempFailed.class, failed.status());
            assertFalse(peer.sessions.getLast().stream().anyMatch(l -> l.startsWith("MAIL")));
        }
    }
}
