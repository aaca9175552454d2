package org.tegami.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

public class LogTraceTest {
    /** Server a writes text, server b JSON; a second message and a stack trace line are noise. */
    public static final String A = """
            2026-12-06T19:10:48.858Z INFO submission conn=65da64e15958 msgid=<m1@a.test> queue=1 org.tegami.smtp.server.MessageReceiver: accepted TZJ9Q05X5RS8 from <alice@a.test> for [bob@b.test] blob a4 queue [1]
            2026-12-06T19:10:48.900Z INFO submission conn=77aa64e15958 msgid=<other@a.test> queue=2 org.tegami.smtp.server.MessageReceiver: accepted QQQQQQQQQQQQ from <alice@a.test> for [carol@c.test] blob b5 queue [2]
            2026-12-06T19:10:49.100Z WARNING queue=1 msgid=<m1@a.test> org.tegami.queue.QueueRunner: not signing queue entry 1: no key
            \tat org.tegami.queue.QueueRunner.attempt(QueueRunner.java:1)
            2026-12-06T19:10:49.441Z INFO queue=1 msgid=<m1@a.test> org.tegami.queue.QueueRunner: delivered queue 1 to <bob@b.test> via mx.b.test: 250 2.0.0 OK queued as X2HZH52XGJJN
            """;
    public static final String B = """
            {"ts":"2026-12-06T19:10:44.119Z","level":"INFO","logger":"org.tegami.net.tls.SelfSignedCertificate","msg":"created self-signed certificate"}
            {"ts":"2026-12-06T19:10:49.363Z","level":"INFO","logger":"org.tegami.smtp.server.MessageReceiver","service":"smtp","conn":"d01963cfc619","msg":"accepted X2HZH52XGJJN from <alice@a.test> for [bob@b.test] blob cb \\"quoted\\" \\u00e9"}
            """;

    private static List<String> trace(String query) throws Exception {
        List<String> out = new ArrayList<>();
        for (var l : new LogTrace(query).run(List.of(() -> new StringReader(A), () -> new StringReader(B)))) out.add(l.text());
        return out;
    }

    @Test
    void aMessageIdLeadsToTheQueueAndTheRemoteServersLine() throws Exception {
        String[] a = A.split("\n");
        String[] b = B.split("\n");
        // b's line has no Message-ID (its sender's client did not say): the "queued as" id in a's reply leads there
        List<String> expected = List.of(a[0], a[2], b[1], a[4]);
        assertEquals(expected, trace("<m1@a.test>"));
        assertEquals(expected, trace("m1@a.test"));
        assertEquals(expected, trace("1"));
        assertEquals(expected, trace("X2HZH52XGJJN"));
        assertEquals(List.of(a[1]), trace("2"));
        assertEquals(List.of(), trace("<nobody@a.test>"));
    }

    @Test
    void linesOfBothFormatsAreRead() {
        var t = LogTrace.parse(A.split("\n")[0]);
        assertEquals("submission", t.fields().get("service"));
        assertEquals("65da64e15958", t.fields().get("conn"));
        assertEquals("<m1@a.test>", t.fields().get("msgid"));
        assertEquals("1", t.fields().get("queue"));
        assertEquals("org.tegami.smtp.server.MessageReceiver", t.fields().get("logger"));
        var j = LogTrace.parse(B.split("\n")[1]);
        assertEquals("accepted X2HZH52XGJJN from <alice@a.test> for [bob@b.test] blob cb \"quoted\" \u00e9", j.fields().get("msg"));
        assertNull(LogTrace.parse("\tat org.tegami.Foo.bar(Foo.java:1)"));
        assertNull(LogTrace.parse("{\"ts\":\"x\",\"msg\":\"unterminated"));
        assertNull(LogTrace.parse("{\"ts\":\"x\",\"n\":1}"));
        assertNull(LogTrace.parse(""));
    }

    @Test
    void aHugeLineIsCutNotBuffered() throws Exception {
        List<Integer> lengths = new ArrayList<>();
        LogTrace.lines(new StringReader("x".repeat(3 * LogTrace.MAX_LINE) + "\nshort\nlast"), l -> lengths.add(l.length()));
        assertEquals(List.of(LogTrace.MAX_LINE, 5, 4), lengths);
    }
}
