package org.tegami.queue.tlsrpt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.tegami.mime.EmailAddress;

/**
 * Fuzz target for a recipient domain's TLSRPT record ({@code _smtp._tls} TXT, RFC 8460 §3; docs/fuzzing.md).
 * Contract: never throws; at most two destinations, each a valid address.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TlsRptRecordFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void record(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        for (String r : new String[] {text, "v=TLSRPTv1; rua=" + text}) {
            List<String> to = TlsReporter.destinations(r);
            assertTrue(to.size() <= TlsReporter.MAX_DESTINATIONS);
            for (String a : to) assertTrue(EmailAddress.parse(a).isPresent(), a);
        }
    }
}
