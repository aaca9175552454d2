package org.tegami.imap.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.tegami.mime.message.MessageStructure;

/**
 * Fuzz targets for what SORT and THREAD compute from message headers, which anyone can mail to a user
 * (docs/fuzzing.md): the base subject (RFC 5256 §2.1), the sort keys of a raw message, and both THREAD algorithms.
 * Contract: no exception at all, results no larger than their input, and every message in exactly one thread.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SortFuzzTest {
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    @FuzzTest(maxDuration = "5m")
    void baseSubject(byte[] input) {
        String subject = new String(input, StandardCharsets.UTF_8);
        String base = BaseSubject.of(subject);
        assertNotNull(base);
        assertTrue(base.length() <= subject.length(), base);
    }

    @FuzzTest(maxDuration = "5m")
    void sortKeys(byte[] message) {
        SortKeys k = SortKeys.of(MessageStructure.parse(message));
        for (String s : List.of(k.subject(), k.from(), k.to(), k.cc(), k.displayFrom(), k.displayTo())) {
            assertNotNull(s);
            assertTrue(s.length() <= message.length, s);
        }
        assertTrue(k.references().size() <= 100);
    }

    /**
     * Messages built from fuzzed subjects, ids, references and dates (a small id space, so that references, loops
     * and duplicates are common); both algorithms must place every message exactly once.
     */
    @FuzzTest(maxDuration = "5m")
    void thread(FuzzedDataProvider data) {
        int n = data.consumeInt(0, 64);
        List<Threader.Message> messages = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String subject = BaseSubject.of(data.consumeString(24));
            Optional<String> id = data.consumeBoolean() ? Optional.of("<" + data.consumeInt(0, 40) + "@x>") : Optional.empty();
            List<String> refs = new ArrayList<>();
            for (int r = data.consumeInt(0, 6); r > 0; r--) refs.add("<" + data.consumeInt(0, 40) + "@x>");
            boolean reply = data.consumeBoolean();
            SortKeys k = new SortKeys(Optional.empty(), subject, "", "", "", "", "", id, refs, reply);
            long number = data.consumeBoolean() ? i : i * 1000L + data.consumeInt(0, 999);
            messages.add(new Threader.Message(number, k, Instant.ofEpochSecond(data.consumeInt(0, 100_000))));
        }
        List<Long> numbers = messages.stream().map(Threader.Message::number).sorted().toList();
        assertEquals(numbers, placed(Threader.orderedSubject(messages)));
        assertEquals(numbers, placed(Threader.references(messages)));
    }

    /** The message numbers of a THREAD response, sorted, after checking that its parentheses balance. */
    private static List<Long> placed(String threads) {
        int depth = 0;
        for (char c : threads.toCharArray()) {
            if (c == '(') depth++;
            if (c == ')') depth--;
            assertTrue(depth >= 0, threads);
        }
        assertEquals(0, depth, threads);
        List<Long> out = new ArrayList<>();
        Matcher m = NUMBER.matcher(threads);
        while (m.find()) out.add(Long.parseLong(m.group()));
        out.sort(null);
        return out;
    }
}
