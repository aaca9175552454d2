package org.tegami.imap.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** RFC 5256 §4 threading on hand-made messages; each message's date is its number in hours. */
class ThreaderTest {
    private static Threader.Message msg(long n, String subject, String id, String... refs) {
        String base = BaseSubject.of(subject).toUpperCase(java.util.Locale.ROOT);
        SortKeys k = new SortKeys(Optional.empty(), base, "", "", "", "", "", Optional.ofNullable(id), List.of(refs),
                !base.equalsIgnoreCase(subject));
        return new Threader.Message(n, k, Instant.EPOCH.plusSeconds(3600 * n));
    }

    @Test
    void referencesBuildsChainsAndBranches() {
        assertEquals("(1 (2 3)(4))", Threader.references(List.of(
                msg(1, "Plan", "<1@x>"),
                msg(2, "Re: Plan", "<2@x>", "<1@x>"),
                msg(3, "Re: Plan", "<3@x>", "<1@x>", "<2@x>"),
                msg(4, "Re: Plan", "<4@x>", "<1@x>"))));
    }

    @Test
    void missingParentBecomesAPlaceholderGroupingItsReplies() {
        assertEquals("((2)(3))", Threader.references(List.of(
                msg(2, "Re: Lost", "<2@x>", "<0@x>"),
                msg(3, "Re: Lost", "<3@x>", "<0@x>"))));
    }

    @Test
    void repliesWithoutReferencesJoinByBaseSubject() {
        assertEquals("(5 6)(7)", Threader.references(List.of(
                msg(5, "Hello", "<5@x>"),
                msg(6, "Re: Hello", "<6@x>"),
                msg(7, "Other", "<7@x>"))));
    }

    @Test
    void referenceLoopsAreIgnored() {
        // 1 makes <2@x> its parent; 2 then names 1 as its parent, which would close a loop, so 2 stays the root
        assertEquals("(2 1)", Threader.references(List.of(
                msg(1, "Loop", "<1@x>", "<2@x>"),
                msg(2, "Loop", "<2@x>", "<1@x>"))));
    }

    @Test
    void orderedSubjectGroupsBySubjectAndDate() {
        assertEquals("(1 3)(2)(4 (5)(6))", Threader.orderedSubject(List.of(
                msg(1, "A", null), msg(2, "B", null), msg(3, "Re: A", null),
                msg(4, "C", null), msg(5, "Re: C", null), msg(6, "Fwd: C", null))));
    }

    @Test
    void aReplyChainOfAHundredThousandMessagesDoesNotOverflowTheStack() {
        // anyone can mail such a chain to a user; threading it must not kill the session
        List<Threader.Message> chain = new java.util.ArrayList<>();
        chain.add(msg(1, "Chain", "<1@x>"));
        for (int i = 2; i <= 100_000; i++) chain.add(msg(i, "Re: Chain", "<" + i + "@x>", "<" + (i - 1) + "@x>"));
        String threads = Threader.references(chain);
        assertEquals("(1 2 3 4 ", threads.substring(0, 9));
        assertEquals(" 99999 100000)", threads.substring(threads.length() - 14));
        assertEquals(1, threads.chars().filter(c -> c == '(').count(), "one chain, no nesting");
        // and a placeholder root whose only child is the chain's head
        chain.set(0, msg(1, "Re: Chain", "<1@x>", "<0@x>"));
        assertEquals("(1 2 3 ", Threader.references(chain).substring(0, 7));
    }
}
