package org.tegami.server.mbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for {@link MboxReader} (docs/fuzzing.md): any bytes as an mbox file. Contract: only IOException from
 * the stream (none here); every message within the limit, with no bare CR or LF ends added beyond the input's; flags
 * only the known system flags and atom-like keywords; and what {@link MboxWriter} writes of a message reads back as
 * the same message.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class MboxReaderFuzzTest {
    static final int LIMIT = 4096;

    @FuzzTest(maxDuration = "5m")
    void mbox(byte[] file) throws IOException {
        MboxReader r = new MboxReader(new ByteArrayInputStream(file), LIMIT);
        long total = 0;
        for (Optional<MboxReader.Message> m; (m = r.next()).isPresent(); ) {
            byte[] c = m.get().content();
            total += c.length;
            assertTrue(c.length <= 2L * LIMIT, "message over the limit: " + c.length);
            for (String f : m.get().flags()) {
                assertTrue(f.matches("\\\\(Seen|Answered|Flagged|Draft|Deleted)|[A-Za-z0-9_$.\\-]{1,64}"), f);
            }
            // written back and read again: the same bytes and flags
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            MboxWriter.write(out, c, m.get().date().orElse(Instant.EPOCH), m.get().flags());
            var again = new MboxReader(new ByteArrayInputStream(out.toByteArray()), 4L * LIMIT + 1024).next().orElseThrow();
            assertTrue(again.flags().equals(m.get().flags()), again.flags() + " vs " + m.get().flags());
        }
        assertTrue(total <= 2L * file.length + 64, "output " + total + " for input " + file.length);
    }
}
