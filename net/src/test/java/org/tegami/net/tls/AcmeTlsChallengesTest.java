package org.tegami.net.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 8737 §3 over real sockets: a handshake that negotiates acme-tls/1 gets the challenge certificate for its SNI
 * name, or fails; every other handshake gets the normal certificate, and {@link TlsContext#install} swaps that in.
 */
class AcmeTlsChallengesTest {
    @TempDir Path dir;

    @Test
    void acmeTls1GetsTheChallengeCertificateOthersTheNormalOne() throws Exception {
        TlsContext tls = TlsContext.selfSigned(dir, "mail.example.test", InstantSource.system());
        KeyPair kp = rsa();
        X509Certificate challenge = certificate(kp, "mail.example.test");
        tls.acmeChallenges().put("MAIL.example.test", challenge, kp.getPrivate());

        assertEquals(challenge, handshake(tls, List.of(AcmeTlsChallenges.ACME_TLS_1), "mail.example.test"));
        assertEquals(tls.certificateChain().getFirst(), handshake(tls, List.of(), "mail.example.test"));
        assertEquals(tls.certificateChain().getFirst(), handshake(tls, List.of("http/1.1"), "mail.example.test"));
        assertThrows(SSLHandshakeException.class, () -> handshake(tls, List.of(AcmeTlsChallenges.ACME_TLS_1), "other.example.test"),
                "no challenge for the name: no certificate at all, never the normal one");

        tls.acmeChallenges().remove("mail.example.test");
        assertTrue(tls.acmeChallenges().isEmpty());
        assertThrows(SSLHandshakeException.class, () -> handshake(tls, List.of(AcmeTlsChallenges.ACME_TLS_1), "mail.example.test"));

        // a newly issued pair is served to the next connection
        KeyPair issuedKey = rsa();
        X509Certificate issued = certificate(issuedKey, "mail.example.test");
        tls.install(List.of(issued), issuedKey.getPrivate());
        assertEquals(issued, handshake(tls, List.of(), "mail.example.test"));
        assertThrows(org.tegami.core.TegamiException.class, () -> tls.install(List.of(issued), rsa().getPrivate()),
                "a key that does not match is refused");
    }

    /** Server: the context's socket with the ALPN ids an HTTPS listener offers; returns the certificate the client saw. */
    private static X509Certificate handshake(TlsContext tls, List<String> clientAlpn, String sni) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (Socket plain = server.accept(); SSLSocket s = tls.wrapServer(plain)) {
                    SSLParameters p = s.getSSLParameters();
                    p.setApplicationProtocols(new String[] {"http/1.1", AcmeTlsChallenges.ACME_TLS_1});
                    s.setSSLParameters(p);
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    s.getInputStream().read();
                } catch (Exception e) {
                    // the client sees the failure
                }
            });
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
                @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
                @Override public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                 SSLSocket c = (SSLSocket) ctx.getSocketFactory().createSocket(plain, sni, plain.getPort(), true)) {
                c.setSoTimeout(10_000);
                SSLParameters p = c.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(sni)));
                if (!clientAlpn.isEmpty()) p.setApplicationProtocols(clientAlpn.toArray(String[]::new));
                c.setSSLParameters(p);
                c.startHandshake();
                return (X509Certificate) c.getSession().getPeerCertificates()[0];
            } finally {
                accepted.get();
            }
        }
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509Certificate certificate(KeyPair kp, String name) throws Exception {
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(3600)), subject, kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
    }
}
