package org.tegami.smtp.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.tegami.mime.EmailAddress;

/** Table tests for {@link SmtpParser}: each line and the exact command or reply it yields. */
class SmtpParserTest {

    private static SmtpCommand ok(String line) throws SmtpSyntaxException {
        return SmtpParser.parse(line.getBytes(StandardCharsets.UTF_8));
    }

    private static String err(String line) {
        return err(line.getBytes(StandardCharsets.UTF_8));
    }

    private static String err(byte[] line) {
        return assertThrows(SmtpSyntaxException.class, () -> SmtpParser.parse(line)).reply().toString();
    }

    @Test
    void parsesEveryVerbCaseInsensitively() throws Exception {
        assertEquals(new SmtpCommand.Ehlo("client.example"), ok("ehlo client.example"));
        assertEquals(new SmtpCommand.Helo("[192.0.2.1]"), ok("HELO [192.0.2.1]"));
        assertEquals(new SmtpCommand.Data(), ok("DATA"));
        assertEquals(new SmtpCommand.Rset(), ok("rset"));
        assertEquals(new SmtpCommand.Noop(), ok("NOOP anything"));
        assertEquals(new SmtpCommand.Quit(), ok("QUIT"));
        assertEquals(new SmtpCommand.StartTls(), ok("StartTLS"));
        assertEquals(new SmtpCommand.Vrfy("alice"), ok("VRFY alice"));
        assertEquals(new SmtpCommand.Help(""), ok("HELP"));
        assertEquals(new SmtpCommand.Bdat(1234, true), ok("BDAT 1234 last"));
        assertEquals(new SmtpCommand.Bdat(0, false), ok("BDAT 0"));
        assertEquals(new SmtpCommand.Auth("PLAIN", Optional.of("AGEAYg==")), ok("AUTH plain AGEAYg=="));
        assertEquals(new SmtpCommand.Auth("LOGIN", Optional.empty()), ok("AUTH LOGIN"));
    }

    @Test
    void parsesPathsAndParameters() throws Exception {
        assertEquals(new SmtpCommand.Mail(EmailAddress.parse("a@example.com"), Map.of("SIZE", "100", "BODY", "8BITMIME")),
                ok("MAIL FROM:<a@example.com> size=100 BODY=8BITMIME"));
        assertEquals(new SmtpCommand.Mail(Optional.empty(), Map.of()), ok("MAIL FROM:<>"));
        assertEquals(new SmtpCommand.Mail(EmailAddress.parse("a@example.com"), Map.of()), ok("MAIL FROM: <a@example.com>"));
        // RFC 5321 §4.1.1.3: source routes are accepted and ignored
        assertEquals(new SmtpCommand.Rcpt(EmailAddress.parse("b@example.com"), Map.of()), ok("RCPT TO:<@relay.example:b@example.com>"));
        assertEquals(new SmtpCommand.Rcpt(Optional.empty(), Map.of()), ok("RCPT TO:<Postmaster>"));
        assertEquals(new SmtpCommand.Rcpt(EmailAddress.parse("\"a>b\"@example.com"), Map.of()), ok("RCPT TO:<\"a>b\"@example.com>"));
        assertEquals(new SmtpCommand.Mail(EmailAddress.parse("ü@例え.jp"), Map.of("SMTPUTF8", "")).sender(),
                ((SmtpCommand.Mail) ok("MAIL FROM:<ü@例え.jp> SMTPUTF8")).sender());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "FOO bar                          | 500 5.5.2 Command not recognized",
            "EHLO                             | 501 5.5.4 Syntax: EHLO hostname",
            "EHLO bad_domain!                 | 501 5.5.4 Invalid domain name",
            "MAIL TO:<a@b.c>                  | 501 5.5.4 Syntax: MAIL FROM:<address>",
            "MAIL FROM:a@b.c                  | 501 5.1.7 Syntax error in sender address: angle brackets required",
            "MAIL FROM:<a@b.c                 | 501 5.1.7 Syntax error in sender address: missing '>'",
            "MAIL FROM:<a@@b.c>               | 501 5.1.7 Bad sender address syntax",
            "MAIL FROM:<a..b@c.d>             | 501 5.1.7 Bad sender address syntax",
            "MAIL FROM:<a@b.c>x               | 501 5.5.4 Syntax error after sender address",
            "MAIL FROM:<a@b.c> SIZE=1 SIZE=2  | 501 5.5.4 Duplicate parameter SIZE",
            "MAIL FROM:<a@b.c> =x             | 501 5.5.4 Bad parameter syntax",
            "RCPT TO:<>                       | 501 5.1.3 Empty recipient address",
            "RCPT TO:<nodomain>               | 501 5.1.3 Bad recipient address syntax",
            "DATA now                         | 501 5.5.4 Syntax error: no parameters allowed",
            "BDAT -1                          | 501 5.5.4 Syntax: BDAT size [LAST]",
            "BDAT 10 MORE                     | 501 5.5.4 Syntax: BDAT size [LAST]",
            "BDAT 99999999999999999999        | 501 5.5.4 Syntax: BDAT size [LAST]",
            "AUTH                             | 501 5.5.4 Syntax: AUTH mechanism [initial-response]",
    })
    void rejectsWithExactReplies(String line, String reply) {
        assertEquals(reply, err(line.strip()));
    }

    @Test
    void rejectsNulControlAndInvalidUtf8() {
        assertEquals("501 5.5.2 NUL character not allowed", err(new byte[] {'N', 'O', 'O', 'P', 0}));
        assertEquals("501 5.5.2 Invalid UTF-8 in command", err(new byte[] {'V', 'R', 'F', 'Y', ' ', (byte) 0xc3, (byte) 0x28}));
        assertEquals("501 5.5.2 Control character not allowed", err("VRFY a\u001bb"));
    }

    @Test
    void everyPrefixOfAValidLineIsRejectedOrParsedWithoutException() {
        // Splitting input at every byte: no prefix may throw anything but SmtpSyntaxException.
        byte[] full = "MAIL FROM:<\"q\\\"x\"@example.com> SIZE=10 SMTPUTF8".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i <= full.length; i++) {
            byte[] prefix = java.util.Arrays.copyOf(full, i);
            try {
                SmtpParser.parse(prefix);
            } catch (SmtpSyntaxException expected) {
                assertEquals(true, expected.reply().code() >= 500, "prefix " + i);
            }
        }
    }

    @Test
    void encodesMultilineReplies() {
        assertEquals("250-a\r\n250-b\r\n250 c\r\n", new SmtpReply(250, "", java.util.List.of("a", "b", "c")).encode());
        assertEquals("550 5.1.1 x\r\n", SmtpReply.of(550, "5.1.1", "x").encode());
    }
}
