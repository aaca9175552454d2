package org.tegami.delivery.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ForwarderTest {
    @Test
    void theAuthenticationResultsFieldBecomesTheArcResultsValue() {
        assertEquals("mail.a.test;\r\n\tspf=pass smtp.mailfrom=x@s.test;\r\n\tdkim=none;\r\n\tdmarc=pass\r\n\theader.from=s.test",
                Forwarder.resultsOf("Authentication-Results: mail.a.test;\r\n\tspf=pass smtp.mailfrom=x@s.test;\r\n\tdkim=none;"
                        + "\r\n\tdmarc=pass\r\n\theader.from=s.test\r\n"));
    }
}
