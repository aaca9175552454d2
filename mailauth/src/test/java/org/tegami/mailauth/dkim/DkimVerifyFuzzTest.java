package org.tegami.mailauth.dkim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.tegami.mailauth.ZoneDns;

/**
 * Fuzz targets for DKIM verification (docs/fuzzing.md). Contract: DKIM-Signature and key-record parsing throw
 * only {@link DkimSyntaxException}; verifying any message returns at most {@link DkimVerifier#MAX_SIGNATURES}
 * verdicts, asks DNS at most once per verdict, and fails only with the {@link IOException} of an over-large
 * header section.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DkimVerifyFuzzTest {
    private static final DkimKey KEY = DkimKey.generate("a.test", "s", DkimKey.Algorithm.ED25519);

    @FuzzTest(maxDuration = "5m")
    void signature(byte[] input) {
        try {
            DkimSignature s = DkimSignature.parse(new String(input, StandardCharsets.ISO_8859_1), (input.length & 1) == 1);
            assertTrue(s.signedHeaders().contains("from"));
        } catch (DkimSyntaxException expected) {
            // the declared failure
        }
    }

    @FuzzTest(maxDuration = "5m")
    void keyRecord(byte[] input) {
        try {
            DkimKeyRecord k = DkimKeyRecord.parse(new String(input, StandardCharsets.ISO_8859_1));
            assertTrue(k.algorithm().equals("rsa") || k.algorithm().equals("ed25519"));
        } catch (DkimSyntaxException expected) {
            // the declared failure
        }
    }

    @FuzzTest(maxDuration = "5m")
    void verify(byte[] message) {
        ZoneDns dns = new ZoneDns().txt(KEY.dnsName(), KEY.dnsRecord());
        try {
            List<DkimVerdict> v = new DkimVerifier(dns, InstantSource.fixed(Instant.EPOCH)).verify(new ByteArrayInputStream(message));
            assertTrue(v.size() <= DkimVerifier.MAX_SIGNATURES);
            assertTrue(dns.queries.get() <= v.size());
        } catch (IOException e) {
            assertTrue(message.length > 200_000, e::toString);
        }
    }
}
