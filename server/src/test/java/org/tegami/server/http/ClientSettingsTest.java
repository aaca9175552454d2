package org.tegami.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.server.config.ConfigLoader;
import org.tegami.server.http.ClientSettings.Service;

/** Which services clients are told about, derived from tegami.toml. */
class ClientSettingsTest {
    @TempDir
    Path dir;

    @Test
    void fromConfigTakesTheFirstPortOfEachBoundService() throws Exception {
        Path f = dir.resolve("tegami.toml");
        Files.writeString(f, "hostname = \"mail.example.test\"\n[listen]\nsmtp = []\n"
                + "submission = [\"0.0.0.0:2587\", \"[::]:587\"]\nsubmissions = []\npop3 = []\npop3s = [\"0.0.0.0:995\"]\n"
                + "imap = []\nimaps = [\"0.0.0.0:993\"]\nmanagesieve = []\nmetrics = []\n");
        ClientSettings s = ClientSettings.from(ConfigLoader.load(f));
        assertEquals("mail.example.test", s.hostname());
        assertEquals(Map.of(Service.SUBMISSION, 2587, Service.POP3S, 995, Service.IMAPS, 993), s.ports());
        assertEquals(List.of(Service.IMAPS, Service.POP3S), s.incoming());
        assertEquals(List.of(Service.SUBMISSION), s.outgoing());
        assertFalse(s.inboundSmtp());
    }

    @Test
    void defaultsOfferImapPopAndSubmissionImplicitTlsFirst() throws Exception {
        ClientSettings s = ClientSettings.from(ConfigLoader.load(dir.resolve("absent.toml"), false));
        assertEquals(List.of(Service.IMAPS, Service.IMAP, Service.POP3S, Service.POP3, Service.SUBMISSIONS,
                Service.SUBMISSION), s.enabled());
        assertEquals(995, s.port(Service.POP3S).getAsInt());
        assertEquals(993, s.port(Service.IMAPS).getAsInt());
        assertTrue(s.inboundSmtp());
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new ClientSettings(" ", Map.of(), true));
        assertThrows(IllegalArgumentException.class, () -> new ClientSettings("h", Map.of(Service.POP3, 0), true));
        assertThrows(IllegalArgumentException.class, () -> ClientConfigDocuments.xml("a\u0001b"));
        assertEquals("&lt;a href=&quot;x&quot;&gt;&amp;&apos;\uD83D\uDCE7", ClientConfigDocuments.xml("<a href=\"x\">&'\uD83D\uDCE7"));
    }
}
