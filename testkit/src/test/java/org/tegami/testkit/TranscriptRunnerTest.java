package org.tegami.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

class TranscriptRunnerTest {

    @TempDir
    static Path dir;
    static EchoServer server;
    static TranscriptRunner runner;

    @BeforeAll
    static void start() {
        server = new EchoServer(dir);
        runner = new TranscriptRunner(server.ports(), Set.of("echos"), TestTls.trustAllClientContext());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void replaysEveryStepKind() {
        Map<String, String> vars = runner.run(Transcript.parse("ok", """
                # port: echo
                S: 220 echo ready
                C: ID
                S: 250 queued as {id}
                C: ECHO again {id}
                S: 250 again {id}
                C: ECHO x Q42 y
                S: 250 {*} {id} {*}
                C-RAW: ECHO r\\x41w\\r\\nMULTI\\r\\n
                S~ 250 r(?<letter>.)w
                UNORDERED:
                S: 250 three
                S: 250-one
                S~ 250-t.o
                END
                C: ECHO {letter}
                S: 250 A
                SESSION: b port=echos
                S: 220 echo ready
                C: TLS?
                S: 250 tls=true
                SESSION: a
                C: STARTTLS
                S: 220 go
                TLS
                C: TLS?
                S: 250 tls=true
                C: QUIT
                S: 221 bye
                CLOSED
                SESSION: b
                C: QUIT
                S: 221 bye
                CLOSED
                """));
        assertEquals(Map.of("id", "Q42", "letter", "A"), vars);
    }

    @Test
    void mismatchMarksTheFirstDifferingLine() {
        AssertionError e = assertThrows(AssertionError.class, () -> runner.run(Transcript.parse("bad", """
                # port: echo
                S: 220 echo ready
                C: ECHO hello
                S: 250 goodbye
                C: ECHO never
                S: 250 never
                """)));
        String m = e.getMessage();
        assertTrue(m.startsWith("transcript bad failed at line 4: line differs (session a)\n"
                + "  expected: S: 250 goodbye\n"
                + "  actual:   250 hello\n"), m);
        assertTrue(m.contains("\n      3  C: ECHO hello\n>>>   4  S: 250 goodbye\n      5  C: ECHO never\n"), m);
        assertTrue(m.endsWith("--- last lines received in session a ---\n    220 echo ready\n    250 hello\n"), m);
    }

    @Test
    void captureMustMatchItsEarlierValue() {
        AssertionError e = assertThrows(AssertionError.class, () -> runner.run(Transcript.parse("cap", """
                # port: echo
                S: 220 echo ready
                C: ECHO one
                S: 250 {word}
                C: ECHO two
                S: 250 {word}
                """)));
        assertTrue(e.getMessage().startsWith("transcript cap failed at line 6: line differs"), e.getMessage());
    }

    @Test
    void unorderedReportsThePendingLines() {
        AssertionError e = assertThrows(AssertionError.class, () -> runner.run(Transcript.parse("u", """
                # port: echo
                S: 220 echo ready
                C: MULTI
                UNORDERED:
                S: 250-one
                S: 250 three
                S: 250-zwei
                END
                """)));
        assertTrue(e.getMessage().startsWith("transcript u failed at line 6: line matches none of the pending"
                + " UNORDERED lines (session a)\n  expected: one of:\n    S: 250 three\n    S: 250-zwei\n"
                + "  actual:   250-two\n"), e.getMessage());
    }

    @Test
    void bareLfFromServerFails() {
        AssertionError e = assertThrows(AssertionError.class, () -> runner.run(Transcript.parse("lf", """
                # port: echo
                S: 220 echo ready
                C: BARELF
                S: 250 bare
                """)));
        assertTrue(e.getMessage().startsWith("transcript lf failed at line 4: server line ends with a bare LF"
                + " (session a)\n  actual:   250 bare\\n\n"), e.getMessage());
    }

    @Test
    void dataBeforeTlsHandshakeFails() {
        AssertionError e = assertThrows(AssertionError.class, () -> runner.run(Transcript.parse("inject", """
                # port: echo
                S: 220 echo ready
                C: INJECT
                S: 220 go
                TLS
                """)));
        assertTrue(e.getMessage().startsWith("transcript inject failed at line 5: server sent data before the TLS"
                + " handshake (session a)\n  expected: (nothing)\n  actual:   250 smuggled\\r\\n\n"), e.getMessage());
    }

    @Test
    void closedFailsWhenTheServerKeepsTalking() {
        AssertionError e = assertThrows(AssertionError.class, () -> runner.run(Transcript.parse("open", """
                # port: echo
                S: 220 echo ready
                C: ECHO still here
                CLOSED
                """)));
        assertTrue(e.getMessage().startsWith("transcript open failed at line 4: expected the server to close the"
                + " connection (session a)\n  expected: EOF\n  actual:   250 still here\\r\\n\n"), e.getMessage());
    }

    @Test
    void unreadDataAtTheEndFails() {
        AssertionError e = assertThrows(AssertionError.class, () -> runner.run(Transcript.parse("extra", """
                # port: echo
                S: 220 echo ready
                C: MULTI
                S: 250-one
                """)));
        // The server writes the whole reply at once, so on loopback it sits in the runner's buffer by now.
        assertTrue(e.getMessage().startsWith("transcript extra failed at line 4: unexpected data left unread"),
                e.getMessage());
    }

    @Test
    void unboundVariableAndUnknownListenerFail() {
        AssertionError e = assertThrows(AssertionError.class, () -> runner.run(Transcript.parse("unbound", """
                # port: echo
                S: 220 echo ready
                C: ECHO {nope}
                """)));
        assertTrue(e.getMessage().startsWith("transcript unbound failed at line 3: client line uses {nope}, which no"
                + " earlier server line captured"), e.getMessage());
        AssertionError e2 = assertThrows(AssertionError.class, () -> runner.run(Transcript.parse("port", """
                # port: nowhere
                S: 220 echo ready
                """)));
        assertTrue(e2.getMessage().startsWith("transcript port failed at line 2: unknown listener 'nowhere'"),
                e2.getMessage());
    }

    @Test
    void helperRunsEachTranscriptUnderBothLocales() throws Throwable {
        List<Locale> seen = new ArrayList<>();
        List<DynamicNode> nodes = TranscriptTests.fromResources("transcripts/sample", t -> {
            seen.add(Locale.getDefault());
            runner.run(t);
        }).toList();
        assertEquals(List.of("greeting", "tls-upgrade"), nodes.stream().map(DynamicNode::getDisplayName).toList());
        Locale before = Locale.getDefault();
        for (DynamicNode n : nodes) {
            List<DynamicTest> tests = ((DynamicContainer) n).getChildren().map(c -> (DynamicTest) c).toList();
            assertEquals(List.of("Locale.ROOT", "tr-TR"), tests.stream().map(DynamicNode::getDisplayName).toList());
            for (DynamicTest t : tests) {
                t.getExecutable().execute();
            }
        }
        assertEquals(before, Locale.getDefault());
        Locale tr = Locale.forLanguageTag("tr-TR");
        assertEquals(List.of(Locale.ROOT, tr, Locale.ROOT, tr), seen);
    }

    @TestFactory
    Stream<DynamicNode> sampleTranscripts() {
        return TranscriptTests.fromResources("transcripts/sample", runner);
    }
}
