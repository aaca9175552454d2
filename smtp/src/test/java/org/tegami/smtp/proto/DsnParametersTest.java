package org.tegami.smtp.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RFC 3461 §4 parameter syntax, by table: accepted values and their records, refused values and their replies. */
class DsnParametersTest {
    private static String refusal(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(SmtpSyntaxException.class, e).reply().encode();
    }

    @Test
    void mailParameters() throws Exception {
        assertEquals(DsnParameters.Mail.NONE, DsnParameters.mail(null, null));
        assertEquals(new DsnParameters.Mail(Optional.of(DsnParameters.Ret.HDRS), Optional.of("QQ314159")),
                DsnParameters.mail("hdrs", "QQ314159"));
        assertEquals(Optional.of("a=b+c d"), DsnParameters.mail("FULL", "a+3Db+2Bc+20d").envid(), "xtext decoded (§4)");
        assertEquals("501 5.5.4 RET must be FULL or HDRS\r\n", refusal(() -> DsnParameters.mail("HEADERS", null)));
        assertEquals("501 5.5.4 ENVID longer than 100 characters\r\n", refusal(() -> DsnParameters.mail(null, "x".repeat(101))));
        assertEquals("x".repeat(100), DsnParameters.mail(null, "x".repeat(100)).envid().orElseThrow());
    }

    @Test
    void notifyValues() throws Exception {
        assertEquals(Optional.of(Set.of()), DsnParameters.rcpt("never", null).notifyOn(), "NEVER is the empty set");
        assertEquals(Optional.of(EnumSet.allOf(DsnParameters.Notify.class)),
                DsnParameters.rcpt("SUCCESS,FAILURE,DELAY", null).notifyOn());
        assertEquals(Optional.of(Set.of(DsnParameters.Notify.FAILURE)), DsnParameters.rcpt("Failure", null).notifyOn());
        for (String bad : new String[] {"NEVER,SUCCESS", "SUCCESS,", ",", "SUCCESS,SUCCESS", "SOMETIMES",
                "SUCCESS,FAILURE,DELAY,NEVER"}) {
            assertEquals(true, refusal(() -> DsnParameters.rcpt(bad, null)).startsWith("501 5.5.4 NOTIFY"), bad);
        }
    }

    @Test
    void orcpt() throws Exception {
        var r = DsnParameters.rcpt(null, "rfc822;Bob+2Bdetail@example.test");
        assertEquals(Optional.of("rfc822"), r.orcptType());
        assertEquals(Optional.of("Bob+detail@example.test"), r.orcpt());
        assertEquals(Optional.of("rfc822"), DsnParameters.rcpt(null, "RFC822;a@b").orcptType(), "type is case-blind");
        for (String bad : new String[] {"a@b", ";a@b", "rfc822;", "rfc 822;a@b", "rfc822;a+4", "rfc822;a+4g",
                "rfc822;a+4a", "rfc822;a+0Ab", "rfc822;a+C3+A9", "rfc822;a=b", "rfc822;" + "x".repeat(494)}) {
            assertEquals(true, refusal(() -> DsnParameters.rcpt(null, bad)).startsWith("501 5.5.4 ORCPT"), bad);
        }
        assertEquals(Optional.of("x".repeat(493)), DsnParameters.rcpt(null, "rfc822;" + "x".repeat(493)).orcpt(),
                "500 characters in all is the limit (§4.2)");
    }

    @Test
    void xtextRoundTrips() throws Exception {
        for (String s : new String[] {"", "plain", "a+b=c", "with space", "~!\"#", "+=+="}) {
            assertEquals(s, DsnParameters.decode(DsnParameters.xtext(s), "T"), s);
        }
        assertEquals("a+2Bb+3Dc+20", DsnParameters.xtext("a+b=c "));
    }

    /** The attack: a control character smuggled in through an escape must not reach a DSN's fields. */
    @Test
    void escapedLineBreaksAreRefused() {
        assertEquals("501 5.5.4 ENVID: control or non-ASCII character\r\n",
                refusal(() -> DsnParameters.mail(null, "x+0D+0ABcc:+20victim@example.test")));
        assertEquals("501 5.5.4 ORCPT: control or non-ASCII character\r\n",
                refusal(() -> DsnParameters.rcpt(null, "rfc822;a+0Ab")));
    }
}
