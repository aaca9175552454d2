package org.tegami.queue.dane;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.tegami.net.tls.TlsContext;

/**
 * Fuzz target for DANE's use of strangers' bytes (docs/fuzzing.md): TLSA records a recipient domain publishes and
 * the certificate chain its MX presents. Input: a count byte, that many records (usage, selector, matching type,
 * length, data), then DER certificates (two length bytes each). Contract: {@link Tlsa#usable} and
 * {@link Tlsa#matches} never throw; {@link DaneTrustManager} accepts or throws {@link CertificateException} only,
 * against both the fuzzed chain and a real certificate.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DaneFuzzTest {
    static final X509Certificate REAL = real();

    static X509Certificate real() {
        try {
            Path d = Files.createTempDirectory("dane-fuzz");
            return TlsContext.selfSigned(d, "mx.example.test", InstantSource.system()).certificateChain().getFirst();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void tlsaAndChain(byte[] in) {
        int p = 0;
        List<Tlsa> records = new ArrayList<>();
        int n = in.length > 0 ? (in[p++] & 3) : 0;
        for (int i = 0; i < n && p + 4 <= in.length; i++) {
            int len = Math.min(in[p + 3] & 0xff, in.length - p - 4);
            records.add(new Tlsa(in[p] & 0xff, in[p + 1] & 0xff, in[p + 2] & 0xff, Arrays.copyOfRange(in, p + 4, p + 4 + len)));
            p += 4 + len;
        }
        List<X509Certificate> chain = new ArrayList<>();
        while (p + 2 <= in.length && chain.size() < 4) {
            int len = Math.min(((in[p] & 0xff) << 8) | (in[p + 1] & 0xff), in.length - p - 2);
            try {
                chain.add((X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(in, p + 2, len)));
            } catch (CertificateException | RuntimeException e) {
                // not a certificate: the TLS stack would have refused it before us
            }
            p += 2 + len;
        }
        List<Tlsa> usable = records.stream().filter(Tlsa::usable).toList();
        for (Tlsa t : records) {
            t.matches(REAL);
            t.toString();
            for (X509Certificate c : chain) t.matches(c);
        }
        var tm = new DaneTrustManager(usable, "mx.example.test");
        for (X509Certificate[] c : List.of(chain.toArray(new X509Certificate[0]), new X509Certificate[] {REAL},
                chain.isEmpty() ? new X509Certificate[] {REAL} : new X509Certificate[] {REAL, chain.getFirst()})) {
            try {
                tm.checkServerTrusted(c, "ECDHE_ECDSA");
            } catch (CertificateException expected) {
                // refused: the contract
            }
        }
    }
}
