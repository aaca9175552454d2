package org.tegami.mime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target for {@link EmailAddress}, the addr-spec of SMTP paths, AUTH identities and autoconfig requests
 * (docs/fuzzing.md). Contract: parsing returns an address or empty, never throws; a parsed address respects the
 * RFC 5321 length limits and its text form parses back to the same address.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EmailAddressFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parse(byte[] input) {
        String s = new String(input, StandardCharsets.UTF_8);
        EmailAddress.validDomain(s);
        Optional<EmailAddress> a = EmailAddress.parse(s);
        if (a.isEmpty()) return;
        EmailAddress e = a.get();
        assertTrue(e.localPart().getBytes(StandardCharsets.UTF_8).length
                <= (EmailAddress.isSrs(e.localPart()) ? EmailAddress.MAX_SRS_LOCAL_PART : EmailAddress.MAX_LOCAL_PART), s);
        assertTrue(e.domain().length() <= EmailAddress.MAX_DOMAIN, s);
        assertTrue(EmailAddress.validDomain(e.domain()), s);
        assertEquals(a, EmailAddress.parse(e.toString()));
        e.key();
        e.isUtf8();
        e.withoutDetail('+').ifPresent(d -> assertTrue(d.localPart().length() < e.localPart().length()));
    }

    @Test
    void onlySrsLocalPartsMayPass64Octets() {
        String srs = "SRS1=ABCDEF=forwarder.example==ABCDEF=AB=long-sender-domain.example=firstname.lastname";
        assertTrue(srs.length() > EmailAddress.MAX_LOCAL_PART);
        assertEquals(srs, EmailAddress.parse(srs + "@fwd.example").orElseThrow().localPart());
        assertFalse(EmailAddress.parse("x".repeat(65) + "@fwd.example").isPresent());
        assertFalse(EmailAddress.parse("SRS0=" + "x".repeat(EmailAddress.MAX_SRS_LOCAL_PART) + "@fwd.example").isPresent());
    }

    /** The round trip above failed when case folding lengthened the domain (a label past 63 characters). */
    @Test
    void domainIsCheckedAsStored() {
        assertFalse(EmailAddress.parse("a@" + "\u0130".repeat(40) + ".test").isPresent());
        assertEquals("i\u0307.test", EmailAddress.parse("a@\u0130.test").orElseThrow().domain());
    }
}
