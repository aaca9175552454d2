package org.tegami.mailauth.dmarc;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.tegami.mailauth.dkim.DkimSyntaxException;

/** Fuzz target for DMARC records (docs/fuzzing.md). Contract: a record with a policy, or {@link DkimSyntaxException}. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DmarcFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void record(byte[] input) {
        try {
            DmarcRecord r = DmarcRecord.parse(new String(input, StandardCharsets.ISO_8859_1));
            assertNotNull(r.p());
            assertNotNull(r.sp());
            assertNotNull(r.np());
        } catch (DkimSyntaxException expected) {
            // the declared failure
        }
    }
}
