package org.tegami.delivery.report;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for {@link TlsReportReader} (docs/fuzzing.md): a TLS report's JSON as a stranger mails it to us.
 * Contract: never throws; a report has at most {@link TlsReportReader#MAX_POLICIES} policies, non-negative counts,
 * at most {@link TlsReportReader#MAX_FAILURE_TYPES} failure types, and printable one-line texts.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TlsReportReaderFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void report(byte[] json) {
        TlsReportReader.Result r = TlsReportReader.parse(json);
        assertNotNull(r);
        if (r instanceof TlsReportReader.Result.Ok ok) {
            var rep = ok.report();
            assertTrue(rep.policies().size() <= TlsReportReader.MAX_POLICIES);
            assertTrue(printable(rep.organization()) && printable(rep.reportId()));
            for (var p : rep.policies()) {
                assertTrue(p.success() >= 0 && p.failure() >= 0 && p.failureTypes().size() <= TlsReportReader.MAX_FAILURE_TYPES);
                assertTrue(printable(p.domain()) && p.type().matches("[a-z0-9-]{0,64}"), p::toString);
                p.failureTypes().forEach((t, n) -> assertTrue(t.matches("[a-z0-9-]{1,64}") && n >= 0, t));
            }
        }
        // the same bytes as a gzip'd report part of a mail: never throws either
        assertNotNull(TlsReportReader.read(TlsReportReaderTest.mail("tlsrpt", "application/tlsrpt+gzip", json)));
    }

    private static boolean printable(String s) {
        return s.length() <= 255 && s.codePoints().allMatch(c -> c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0));
    }
}
