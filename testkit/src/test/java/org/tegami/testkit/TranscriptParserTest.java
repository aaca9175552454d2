package org.tegami.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TranscriptParserTest {

    @Test
    void parsesEveryLineKind() {
        Transcript t = Transcript.parse("all", """
                # rfc: 5321 §4.1.1.1   port: smtp
                # second comment

                C: EHLO client.test
                C-RAW: MAIL FROM:<a@b>\\r\\n
                S: 250-mail.test
                S~ 250 2\\.0\\.0 .*
                TLS
                SESSION: b port=submissions
                SESSION: a
                UNORDERED:
                S: one
                S~ tw.
                END
                C:
                S:\s
                CLOSED
                """);
        assertEquals("all", t.name());
        assertEquals(Optional.of("smtp"), t.port());
        assertEquals(List.of(
                new Step.Send(4, "EHLO client.test"),
                new Step.SendRaw(5, "MAIL FROM:<a@b>\\r\\n"),
                new Step.Expect(6, "250-mail.test", false),
                new Step.Expect(7, "250 2\\.0\\.0 .*", true),
                new Step.StartTls(8),
                new Step.Session(9, "b", "submissions"),
                new Step.Session(10, "a", null),
                new Step.Unordered(11, List.of(new Step.Expect(12, "one", false), new Step.Expect(13, "tw.", true))),
                new Step.Send(15, ""),
                new Step.Expect(16, "", false),
                new Step.Closed(17)), t.steps());
        assertEquals(17, t.sourceLines().size());
    }

    @Test
    void keepsSignificantSpacesAfterThePrefix() {
        Transcript t = Transcript.parse("sp", "C:  two spaces \nS: x  \n");
        assertEquals(List.of(new Step.Send(1, " two spaces "), new Step.Expect(2, "x  ", false)), t.steps());
    }

    @Test
    void portComesOnlyFromTheHeader() {
        Transcript t = Transcript.parse("p", "C: NOOP\n# port: other\nS: 250 OK\n");
        assertEquals(Optional.empty(), t.port());
    }

    @Test
    void unescapesRawBytes() {
        assertArrayEquals(new byte[] {'A', '\r', '\n', '\t', 0, '\\', (byte) 0xC3, (byte) 0xA9, (byte) 0xff},
                Transcript.unescape("A\\r\\n\\t\\0\\\\é\\xfF"));
    }

    @Test
    void reportsSyntaxErrorsWithTheLineNumber() {
        assertEquals("bad:2: unknown line kind: X: hello",
                assertThrows(IllegalArgumentException.class, () -> Transcript.parse("bad", "C: A\nX: hello\n")).getMessage());
        assertEquals("bad:1: UNORDERED without END",
                assertThrows(IllegalArgumentException.class, () -> Transcript.parse("bad", "UNORDERED:\nS: a\n")).getMessage());
        assertEquals("bad:2: only S: and S~ lines may appear inside UNORDERED",
                assertThrows(IllegalArgumentException.class, () -> Transcript.parse("bad", "UNORDERED:\nC: a\nEND\n")).getMessage());
        assertEquals("bad:1: unknown escape \\q",
                assertThrows(IllegalArgumentException.class, () -> Transcript.parse("bad", "C-RAW: a\\q\n")).getMessage());
        assertEquals("bad:1: \\x needs two hex digits",
                assertThrows(IllegalArgumentException.class, () -> Transcript.parse("bad", "C-RAW: a\\x4\n")).getMessage());
        assertEquals("bad:3: bad regex: Unclosed group",
                assertThrows(IllegalArgumentException.class, () -> Transcript.parse("bad", "\n\nS~ (a\n")).getMessage());
        assertEquals("bad:1: expected SESSION: name [port=listener]",
                assertThrows(IllegalArgumentException.class, () -> Transcript.parse("bad", "SESSION: a b\n")).getMessage());
    }

    @Test
    void parsesFilesNamedWithoutTxt(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("quit-221.txt");
        Files.writeString(f, "# port: smtp\r\nC: QUIT\r\nS: 221 bye\r\n");
        Transcript t = Transcript.parse(f);
        assertEquals("quit-221", t.name());
        assertEquals(List.of("# port: smtp", "C: QUIT", "S: 221 bye"), t.sourceLines());
        assertEquals(List.of(new Step.Send(2, "QUIT"), new Step.Expect(3, "221 bye", false)), t.steps());
    }

    @Test
    void runInRestoresTheLocaleWhenTheRunFails() {
        Locale before = Locale.getDefault();
        Transcript t = Transcript.parse("x", "C: A\n");
        assertThrows(AssertionError.class, () -> TranscriptTests.runIn(Locale.forLanguageTag("tr-TR"), t, ignored -> {
            assertEquals("tr-TR", Locale.getDefault().toLanguageTag());
            throw new AssertionError("boom");
        }));
        assertEquals(before, Locale.getDefault());
    }

    @Test
    void parsesResourcesAndFolders() {
        Transcript t = Transcript.parseResource("transcripts/sample/greeting.txt");
        assertEquals("greeting", t.name());
        assertEquals(List.of("greeting", "tls-upgrade"),
                TranscriptTests.load("transcripts/sample").stream().map(Transcript::name).toList());
    }
}
