package org.tegami.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Timeout;
import org.tegami.mime.EmailAddress;
import org.tegami.server.http.ClientSettings.Service;

/**
 * Fuzz target for the Autodiscover POX request body, which anyone on the internet can POST (docs/fuzzing.md).
 * Contract: {@link ClientConfigDocuments#poxRequestEmail} returns the address or empty for any body of at most
 * {@link AutoconfigHttp#MAX_BODY} octets and throws nothing (not even an Error); the response built for an address
 * taken from it is well-formed XML that carries the address back unchanged, or is refused with
 * {@link IllegalArgumentException} for characters XML cannot carry.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AutodiscoverFuzzTest {
    private static final ClientSettings SETTINGS = new ClientSettings("mail.example.test", Map.of(
            Service.IMAPS, 993, Service.POP3S, 995, Service.SUBMISSIONS, 465, Service.SUBMISSION, 587), true);

    @FuzzTest(maxDuration = "5m")
    void poxRequest(byte[] body) throws Exception {
        byte[] b = body.length > AutoconfigHttp.MAX_BODY ? Arrays.copyOf(body, AutoconfigHttp.MAX_BODY) : body;
        Optional<String> email = ClientConfigDocuments.poxRequestEmail(b);
        if (email.isEmpty()) return;
        Optional<EmailAddress> a = EmailAddress.parse(email.get());
        if (a.isEmpty()) return;
        String response;
        try {
            response = ClientConfigDocuments.autodiscoverPox(SETTINGS, a.get());
        } catch (IllegalArgumentException e) {
            return;
        }
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(response.getBytes(StandardCharsets.UTF_8)));
        String login = doc.getElementsByTagName("LoginName").item(0).getTextContent();
        assertEquals(a.get().toString(), login);
        assertTrue(response.length() < 4096 + 8 * b.length);
    }
}
