package org.tegami.mailauth.spf;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.tegami.mailauth.ZoneDns;

/**
 * Fuzz targets for SPF (docs/fuzzing.md). Contract: the record parser throws only {@link SpfSyntaxException};
 * evaluation always returns a verdict and, whatever the zone says, asks DNS a bounded number of times
 * (RFC 7208 §4.6.4: 10 DNS mechanisms, each mx/ptr at most 10 names, plus the record lookups).
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SpfFuzzTest {
    /** Queries one check may make: 1 + 10 × (1 TXT + 1 MX + 10 A) + %{p} and exp lookups, rounded up. */
    static final int MAX_QUERIES = 200;

    @FuzzTest(maxDuration = "5m")
    void record(byte[] input) {
        try {
            SpfRecord r = SpfRecord.parse(new String(input, StandardCharsets.ISO_8859_1));
            assertTrue(r.directives().size() <= SpfRecord.MAX_TERMS);
        } catch (SpfSyntaxException expected) {
            // the declared failure
        }
    }

    /** A zone of fuzzed records for a handful of names; the check starts at a.test. */
    @FuzzTest(maxDuration = "5m")
    void evaluate(FuzzedDataProvider data) throws Exception {
        ZoneDns zone = new ZoneDns();
        String[] names = {"a.test", "b.test", "c.a.test", "mx.test", "1.2.0.192.in-addr.arpa"};
        int n = data.consumeInt(1, 12);
        for (int i = 0; i < n; i++) {
            String name = names[data.consumeInt(0, names.length - 1)];
            switch (data.consumeInt(0, 4)) {
                case 0 -> zone.txt(name, "v=spf1 " + data.consumeString(300));
                case 1 -> zone.a(name, "192.0.2." + data.consumeInt(0, 255));
                case 2 -> zone.add(name, "MX", new org.tegami.mailauth.dns.Dns.Mx(data.consumeInt(0, 5), names[data.consumeInt(0, names.length - 1)]));
                case 3 -> zone.add(name, "PTR", names[data.consumeInt(0, names.length - 1)]);
                default -> zone.txt(name, data.consumeString(100));
            }
        }
        String sender = data.consumeString(80) + "@a.test";
        SpfVerdict v = new SpfEvaluator(zone, "mx.test", InstantSource.fixed(Instant.EPOCH))
                .checkMailFrom(InetAddress.getByName("192.0.2.1"), sender, data.consumeRemainingAsString());
        assertNotNull(v.result());
        assertTrue(zone.queries.get() <= MAX_QUERIES, zone.queries + " queries");
    }
}
