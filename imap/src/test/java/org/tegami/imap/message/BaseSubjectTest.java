package org.tegami.imap.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    })
    void extracts(String subject, String base) {
        assertEquals(base, BaseSubject.of(subject));
    }
}
