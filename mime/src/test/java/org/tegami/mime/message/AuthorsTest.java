package org.tegami.mime.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tegami.mime.EmailAddress;

/** The strict author reading behind the submission From: check: what it refuses is what others may read otherwise. */
class AuthorsTest {
    private static Authors.Result read(String header) {
        byte[] b = header.getBytes(StandardCharsets.UTF_8);
        return Authors.read(b, b.length);
    }

    private static Authors.Result found(String... from) {
        return new Authors.Found(List.of(from).stream().map(s -> EmailAddress.parse(s).orElseThrow()).toList(), List.of());
    }

    private static Authors.Result problem(Authors.Kind k) {
        return new Authors.Problem(k, k == Authors.Kind.NO_FROM || k == Authors.Kind.NOT_A_FIELD ? 0 : 1);
    }

    @Test
    void readsEveryFormOfAFromField() {
        assertEquals(found("a@x.test"), read("From: a@x.test\r\n"));
        assertEquals(found("a@x.test"), read("FROM : A <a@x.test> (comment)\r\n"), "RFC 5322 §4.5.1 obs-optional");
        assertEquals(found("a@x.test", "b@y.test"), read("Subject: s\r\nfrom: =?UTF-8?B?w6k=?= <a@x.test>,\r\n\t\"B, C\" <b@y.test>\r\n"));
        assertEquals(found("a@x.test", "b@y.test"), read("From: G: a@x.test, b@y.test;\r\n"), "RFC 6854 group");
        assertEquals(new Authors.Found(List.of(EmailAddress.parse("a@x.test").orElseThrow()),
                List.of(EmailAddress.parse("s@x.test").orElseThrow())), read("Sender: <s@x.test>\r\nFrom: a@x.test\r\n"));
    }

    @Test
    void refusesWhatOtherReadersMayTakeDifferently() {
        assertEquals(problem(Authors.Kind.NO_FROM), read("Subject: s\r\n"));
        assertEquals(problem(Authors.Kind.NO_FROM), read(""));
        assertEquals(new Authors.Problem(Authors.Kind.MANY_FROM, 2), read("From: a@x.test\r\nFrom: b@y.test\r\n"));
        assertEquals(new Authors.Problem(Authors.Kind.MANY_SENDER, 2), read("From: a@x.test\r\nSender: a@x.test\r\nSender: a@x.test\r\n"));
        assertEquals(problem(Authors.Kind.NOT_A_FIELD), read("From: a@x.test\r\nFrom b@y.test\r\n"));
        assertEquals(problem(Authors.Kind.NOT_A_FIELD), read(" From: b@y.test\r\nFrom: a@x.test\r\n"));
        assertEquals(problem(Authors.Kind.NOT_A_FIELD), read("From: a@x.test\r\nX Y: z\r\n"));
        assertEquals(problem(Authors.Kind.FROM_EMPTY), read("From: undisclosed:;\r\n"));
        for (String v : List.of("<a@x.test> b@y.test", "<a@x.test", "a@x.test>", "a@x.test;", "a@x.test@y.test",
                "a b@x.test", "\"a@x.test", "a@x.test (open", "a <b> <c@y.test>", "x@y.test <a@x.test>", "G: H: a@x.test;;",
                "alice", "@x.test")) {
            assertEquals(problem(Authors.Kind.FROM_UNREADABLE), read("From: " + v + "\r\n"), v);
        }
        assertEquals(problem(Authors.Kind.SENDER_UNREADABLE), read("From: a@x.test\r\nSender: a@x.test, b@x.test\r\n"));
    }
}
