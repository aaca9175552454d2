package org.tegami.imap.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 9051 §6.3.9 LIST wildcards: the same answers as the regex they replace, in time linear in the name. */
class ListPatternTest {

    /** The matcher this replaces (Mailboxes before issue 12): exponential on patterns such as *a*a*a*b. */
    private static boolean oldRegex(String pattern, String name) {
        StringBuilder re = new StringBuilder();
        StringBuilder lit = new StringBuilder();
        for (char ch : pattern.toCharArray()) {
            if (ch == '*' || ch == '%') {
                if (!lit.isEmpty()) re.append(Pattern.quote(lit.toString()));
                lit.setLength(0);
                re.append(ch == '*' ? ".*" : "[^/]*");
            } else {
                lit.append(ch);
            }
        }
        if (!lit.isEmpty()) re.append(Pattern.quote(lit.toString()));
        return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(name).matches();
    }

    private static ListPattern of(String pattern) {
        return ListPattern.of(pattern, '/');
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "*|INBOX|true",
        "*|Work/2025|true",
        "%|Work/2025|false",
        "%|Work|true",
        "Work/%|Work/2025|true",
        "Work/%|Work/2025/Q1|false",
        "Work/*|Work/2025/Q1|true",
        "Work/*|Work|false",
        "Work*|Work|true",
        "W%k|Work|true",
        "W%k|W/k|false",
        "W*k|W/k|true",
        "%/%|a/b|true",
        "%/%|a/b/c|false",
        "*b|aab|true",
        "*b|aba|false",
        "a%%%b|ab|true",
        "a*%*b|a/b|true",
        "a%*%b|a/b|true",
        "a%/%b|a/b|true",
        "''|''|true",
        "''|a|false",
        "x.y|xzy|false",
        "[a]|[a]|true",
        "\\Q*\\E|\\Qx\\E|true",
    })
    void table(String pattern, String name, boolean expected) {
        assertEquals(expected, of(pattern).matches(name), pattern + " ~ " + name);
        assertEquals(expected, oldRegex(pattern, name), "the old regex agrees");
    }

    @Test
    void agreesWithTheOldRegexOnRandomPatternsAndNames() {
        Random r = new Random(12);
        String patternChars = "ab/*%";
        String nameChars = "ab/";
        for (int i = 0; i < 100_000; i++) {
            String p = random(r, patternChars, r.nextInt(9));
            String n = random(r, nameChars, r.nextInt(9));
            assertEquals(oldRegex(p, n), of(p).matches(n), p + " ~ " + n);
        }
    }

    private static String random(Random r, String alphabet, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return sb.toString();
    }

    @Test
    void backtrackingPatternsAreLinear() {
        String name = "a".repeat(1000);
        String pattern = "*a".repeat(500) + "*b";
        String percent = "%a".repeat(500) + "%b";
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            for (int i = 0; i < 100; i++) {
                assertFalse(of(pattern).matches(name));
                assertFalse(of(percent).matches(name));
                assertTrue(of("*a".repeat(500) + "*").matches(name));
            }
        });
    }

    @Test
    void longPatternsCostNoMoreThanTheNamesTheyCouldMatch() {
        String pattern = "*".repeat(60_000) + "a" + "%".repeat(60_000);
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            ListPattern p = of(pattern);
            for (int i = 0; i < 1000; i++) assertTrue(p.matches("x/" + "y".repeat(1000) + "/a" + "b".repeat(1000)));
            assertFalse(of("x".repeat(60_000) + "*").matches("x".repeat(1000)));
        });
    }
}
