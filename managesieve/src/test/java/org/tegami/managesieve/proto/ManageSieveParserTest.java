package org.tegami.managesieve.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** RFC 5804 §4 syntax, by table: what parses to what, and what is refused with which message. */
class ManageSieveParserTest {

    private static ManageSieveCommand parse(String s) throws ManageSieveSyntaxException {
        return ManageSieveParser.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void commandsParse() throws Exception {
        assertEquals(new ManageSieveCommand.Capability(), parse("CAPABILITY"));
        assertEquals(new ManageSieveCommand.Capability(), parse("capability"));
        assertEquals(new ManageSieveCommand.StartTls(), parse("StartTls"));
        assertEquals(new ManageSieveCommand.Logout(), parse("LOGOUT"));
        assertEquals(new ManageSieveCommand.ListScripts(), parse("LISTSCRIPTS"));
        assertEquals(new ManageSieveCommand.Unauthenticate(), parse("UNAUTHENTICATE"));
        assertEquals(new ManageSieveCommand.Noop(Optional.empty()), parse("NOOP"));
        assertEquals(new ManageSieveCommand.Noop(Optional.of("STARTTLS-SYNC-42")), parse("NOOP \"STARTTLS-SYNC-42\""));
        assertEquals(new ManageSieveCommand.Authenticate("PLAIN", Optional.empty()), parse("AUTHENTICATE \"PLAIN\""));
        assertEquals(new ManageSieveCommand.Authenticate("plain", Optional.of("AGEAYg==")),
                parse("AUTHENTICATE \"plain\" {8+}\r\nAGEAYg=="));
        assertEquals(new ManageSieveCommand.HaveSpace("myscript", 4294967295L), parse("HAVESPACE \"myscript\" 4294967295"));
        assertEquals(new ManageSieveCommand.PutScript("a", "keep;\r\n"), parse("PUTSCRIPT \"a\" {7+}\r\nkeep;\r\n"));
        assertEquals(new ManageSieveCommand.PutScript("a b", "keep;"), parse("PUTSCRIPT {3}\r\na b {5}\r\nkeep;"));
        assertEquals(new ManageSieveCommand.PutScript("q\"\\", ""), parse("PUTSCRIPT \"q\\\"\\\\\" \"\""));
        assertEquals(new ManageSieveCommand.SetActive(""), parse("SETACTIVE \"\""));
        assertEquals(new ManageSieveCommand.GetScript("Ärger"), parse("GETSCRIPT \"Ärger\""));
        assertEquals(new ManageSieveCommand.DeleteScript("x"), parse("DELETESCRIPT \"x\""));
        assertEquals(new ManageSieveCommand.RenameScript("a", "b"), parse("RENAMESCRIPT \"a\" \"b\""));
        assertEquals(new ManageSieveCommand.CheckScript("{3+}\r\n"), parse("CHECKSCRIPT {6+}\r\n{3+}\r\n"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ''                                  | Empty command
            FOO                                 | Unknown command
            LIST1                               | Invalid command name
            ' CAPABILITY'                       | Empty command
            CAPABILITY x                        | Too many arguments
            'CAPABILITY '                       | Too many arguments
            GETSCRIPT                           | Missing argument
            'GETSCRIPT '                        | Missing argument
            GETSCRIPT x                         | Expected a quoted string or a literal
            GETSCRIPT "x                        | Unterminated quoted string
            GETSCRIPT "x\\y"                    | Invalid escape in quoted string
            GETSCRIPT "x"y                      | Too many arguments
            PUTSCRIPT "x"                       | Missing argument
            PUTSCRIPT "x""y"                    | Expected a space
            PUTSCRIPT "a" "b" "c"               | Too many arguments
            HAVESPACE "x" 4294967296            | Number too large
            HAVESPACE "x" 99999999999999999999  | Number too large
            HAVESPACE "x"  1                    | Expected a number
            HAVESPACE "x" 1x                    | Too many arguments
            GETSCRIPT {}                        | Literal without a length
            GETSCRIPT {3+                       | Invalid literal
            GETSCRIPT {3+}x                     | A literal's length must end its line
            GETSCRIPT {3+}                      | A literal's length must end its line
            NOOP "a" "b"                        | Too many arguments
            """)
    void refused(String command, String message) {
        var e = assertThrows(ManageSieveSyntaxException.class, () -> parse(command));
        assertEquals(message, e.getMessage());
    }

    @Test
    void stringsAreStrict() {
        assertEquals("Literal longer than the data sent (at 10)",
                assertThrows(ManageSieveSyntaxException.class, () -> parse("GETSCRIPT {9+}\r\nshort")).getMessage());
        assertEquals("Invalid character in quoted string", assertThrows(ManageSieveSyntaxException.class,
                () -> ManageSieveParser.parse("GETSCRIPT \"a\rb\"".getBytes(StandardCharsets.US_ASCII))).getMessage());
        assertEquals("Invalid UTF-8 in string", assertThrows(ManageSieveSyntaxException.class,
                () -> ManageSieveParser.parse(new byte[] {'G', 'E', 'T', 'S', 'C', 'R', 'I', 'P', 'T', ' ', '"', (byte) 0xc3, '"'}))
                .getMessage());
        // RFC 5804 §4: at most 1024 octets between the quotes
        assertEquals(new ManageSieveCommand.GetScript("x".repeat(1024)), assertDoesNotThrow("GETSCRIPT \"" + "x".repeat(1024) + "\""));
        assertEquals("Quoted string too long (use a literal)", assertThrows(ManageSieveSyntaxException.class,
                () -> parse("GETSCRIPT \"" + "x".repeat(1025) + "\"")).getMessage());
    }

    private static ManageSieveCommand assertDoesNotThrow(String s) {
        try {
            return parse(s);
        } catch (ManageSieveSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            PUTSCRIPT "a" {12+}     | 12
            PUTSCRIPT "a" {12}      | 12
            {20+}                   | 20
            {0}                     | 0
            NOOP {4294967295+}      | 4294967295
            NOOP "{3}"              | -1
            NOOP "x{3}              | -1
            NOOP                    | -1
            }                       | -1
            """)
    void literalAnnouncements(String line, long length) throws Exception {
        assertEquals(length < 0 ? OptionalLong.empty() : OptionalLong.of(length),
                ManageSieveParser.literalAt(line.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void badLiteralAnnouncementsAreRefused() {
        assertEquals("Number too large", assertThrows(ManageSieveSyntaxException.class,
                () -> ManageSieveParser.literalAt("NOOP {4294967296+}".getBytes(StandardCharsets.US_ASCII))).getMessage());
        assertEquals("Number too large", assertThrows(ManageSieveSyntaxException.class,
                () -> ManageSieveParser.literalAt("NOOP {99999999999999999999999}".getBytes(StandardCharsets.US_ASCII))).getMessage());
        assertEquals("Literal without a length", assertThrows(ManageSieveSyntaxException.class,
                () -> ManageSieveParser.literalAt("NOOP {+}".getBytes(StandardCharsets.US_ASCII))).getMessage());
    }

    @Test
    void saslResponsesAreOneString() throws Exception {
        assertEquals("*", ManageSieveParser.parseSaslResponse("\"*\"".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("AGEAYg==", ManageSieveParser.parseSaslResponse("{8+}\r\nAGEAYg==".getBytes(StandardCharsets.US_ASCII)));
        assertThrows(ManageSieveSyntaxException.class, () -> ManageSieveParser.parseSaslResponse("AGEAYg==".getBytes(StandardCharsets.US_ASCII)));
        assertThrows(ManageSieveSyntaxException.class, () -> ManageSieveParser.parseSaslResponse("\"a\" \"b\"".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void encoderQuotesOrUsesALiteral() {
        assertEquals("\"vacation\"", ManageSieveEncoder.string("vacation"));
        assertEquals("\"a\\\"b\\\\c\"", ManageSieveEncoder.string("a\"b\\c"));
        assertEquals("\"clever\\\"script\"", ManageSieveEncoder.string("clever\"script"));
        assertEquals("{7}\r\nline\r\n1", ManageSieveEncoder.string("line\r\n1"));
        assertEquals("{1025}\r\n" + "x".repeat(1025), ManageSieveEncoder.string("x".repeat(1025)));
        assertEquals("{3}\r\na\u0000b", ManageSieveEncoder.string("a\u0000b"));
        assertEquals("{1026}\r\n" + "日".repeat(342), ManageSieveEncoder.string("日".repeat(342)), "1024 octets, not characters");
        assertEquals("NO (QUOTA/MAXSIZE) \"Too big\"\r\n", ManageSieveEncoder.response(ManageSieveEncoder.Kind.NO,
                Optional.of("QUOTA/MAXSIZE"), Optional.of("Too big")));
        assertEquals("OK\r\n", ManageSieveEncoder.response(ManageSieveEncoder.Kind.OK, Optional.empty(), Optional.empty()));
        assertEquals("\"STARTTLS\"\r\n", ManageSieveEncoder.capability("STARTTLS", Optional.empty()));
        assertEquals("\"SASL\" \"\"\r\n", ManageSieveEncoder.capability("SASL", Optional.of("")));
    }
}
