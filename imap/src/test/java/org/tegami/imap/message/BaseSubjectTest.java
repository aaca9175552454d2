package org.tegami.imap.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 5256 §2.1 base subject extraction, step by step. */
class BaseSubjectTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Hello|Hello",
        "Re: Hello|Hello",
        "RE: re: Fwd: Hello|Hello",
        "Fw: Hello|Hello",
        "Re[2]: Hello|Hello",
        "[list] Re: Hello|Hello",
        "Re: [list] Hello (fwd)|Hello",
        "Hello (fwd) (FWD)  |Hello",
        "[fwd: Re: Hello]|Hello",
        "[only a blob]|[only a blob]",
        "'  Re:   spaced    out  '|spaced out",
        "Reply to this|Reply to this",
        "Re:|''",
        "Re: [list] [fwd: Fw: x]|x",
        "[a][b] Re: x|x",
        "[a] [b]|[b]",
        "[a]   |[a]",
        "Re [2]: x|x",
        "Re:[blob]|[blob]",
        "Subject (fwd) (fwd)|Subject",
        "[fwd: [fwd: x]]|x",
        "[Fwd:x] (fwd)|x",
        "re : x|x",
        "[unclosed Re: x|[unclosed Re: x",
        "fwd:fw:re:x|x",
    })
    void extracts(String subject, String base) {
        assertEquals(base, BaseSubject.of(subject));
    }

    /** Issue 12: one message's subject made the regexes recurse once per blob and overflow the stack. */
    @Test
    void manyBlobsAndLeadersAreHandledIterativelyInLinearTime() {
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            assertEquals("x", BaseSubject.of("[]".repeat(100_000) + "Re: x"));
            assertEquals("[]", BaseSubject.of("[]".repeat(100_000)));
            assertEquals("x", BaseSubject.of("[a] ".repeat(50_000) + "Re: x"));
            assertEquals("x", BaseSubject.of("Re: ".repeat(100_000) + "x"));
            assertEquals("x", BaseSubject.of("[] Re[]: ".repeat(50_000) + "x"));
            assertEquals("x", BaseSubject.of("x" + " (fwd)".repeat(100_000)));
            assertEquals("x", BaseSubject.of("[fwd: ".repeat(20_000) + "x" + "]".repeat(20_000)));
            assertEquals("x y", BaseSubject.of("x" + " ".repeat(200_000) + "y"));
            assertEquals("(fwd)(fwd)x", BaseSubject.of("(fwd)".repeat(2) + "x"));
        });
    }
}
