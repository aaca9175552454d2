package org.tegami.server.acme;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.tegami.core.TegamiException;

/**
 * acme4j's provider for any https:// directory, trusting the JDK's CAs, or only those in {@code [tls] acme_ca}
 * when set (a private CA such as step-ca, or a test CA).
 */
final class TrustingProvider extends GenericAcmeProvider {
    private final Optional<Path> ca;

    TrustingProvider(Optional<Path> ca) {
        this.ca = ca;
    }

    @Override
    public HttpClient createHttpClient(NetworkSettings settings) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.getTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .proxy(settings.getProxySelector());
        if (settings.getAuthenticator() != null) b.authenticator(settings.getAuthenticator());
        if (ca.isPresent()) b.sslContext(context(ca.get()));
        return b.build();
    }

    static SSLContext context(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) throw new TegamiException("[tls] acme_ca " + pem + " holds no PEM certificate");
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new TegamiException("cannot read [tls] acme_ca " + pem + ": " + e.getMessage(), e);
        }
    }
}
