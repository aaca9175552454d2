package org.tegami.delivery.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tegami.delivery.AuthenticationStage;
import org.tegami.mailauth.srs.Srs;
import org.tegami.mime.EmailAddress;

class ForwarderTest {
    private final Forwarder forwarder = new Forwarder(new Srs(List.of(new byte[32]), InstantSource.system(),
            java.time.Duration.ofDays(21)), null, "mail.a.test", new AuthenticationStage(), InstantSource.system(),
            ForwardingSettings.DEFAULTS);
    private static final EmailAddress SALES = EmailAddress.parse("Sales@a.test").orElseThrow();

    private Optional<String> loop(String header) {
        return forwarder.loop((header + "\r\n").getBytes(StandardCharsets.UTF_8), SALES);
    }

    @Test
    void ourDeliveredToInAnyCaseOrBracketsIsALoop() {
        assertEquals(Optional.of("already delivered to it"), loop("Delivered-To: sales@a.test\r\nSubject: x\r\n"));
        assertEquals(Optional.of("already delivered to it"), loop("DELIVERED-TO:   <SALES@A.TEST> \r\n"));
        assertEquals(Optional.empty(), loop("Delivered-To: sales@b.test\r\nDelivered-To: sales+x@a.test\r\n"));
        assertEquals(Optional.empty(), loop("X-Delivered-To: sales@a.test\r\n"));
    }

    @Test
    void moreThanFiftyReceivedFieldsIsALoop() {
        String hop = "Received: from a by b; Sun, 6 Dec 2026 12:00:00 +0000\r\n";
        assertEquals(Optional.empty(), loop(hop.repeat(50)));
        assertEquals(Optional.of("51 Received fields"), loop(hop.repeat(51)));
    }

    @Test
    void anUnreadableHeaderSectionIsNotForwarded() {
        assertTrue(loop("X: y\r\n".repeat(org.tegami.mailauth.HeaderSection.MAX_FIELDS + 1)).orElseThrow()
                .startsWith("unreadable header section"));
    }

    @Test
    void theAuthenticationResultsFieldBecomesTheArcResultsValue() {
        assertEquals("mail.a.test;\r\n\tspf=pass smtp.mailfrom=x@s.test;\r\n\tdkim=none;\r\n\tdmarc=pass\r\n\theader.from=s.test",
                Forwarder.resultsOf("Authentication-Results: mail.a.test;\r\n\tspf=pass smtp.mailfrom=x@s.test;\r\n\tdkim=none;"
                        + "\r\n\tdmarc=pass\r\n\theader.from=s.test\r\n"));
    }
}
