package org.tegami.mime.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.tegami.mime.message.MessageStructureTest.msg;

import java.time.Duration;
import java.time.LocalDate;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Header and body text from any sender is scanned in linear time (issue 12): the regexes these replace rescanned
 * the rest of the input from every "(" or "<", so one message could pin a core for minutes on each FETCH.
 */
class LinearTimeTest {
    private static final String OLD_SCRIPT = "(?is)<(script|style)[^>]*>.*?</\\1>";

    @Test
    void htmlStrippingAgreesWithTheRegexesItReplaces() {
        Random r = new Random(12);
        String[] atoms = {"<", ">", "/", "script", "STYLE", "Script", "x", " ", "</script>", "<style a>", "</style>"};
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = r.nextInt(12); k > 0; k--) sb.append(atoms[r.nextInt(atoms.length)]);
            String t = sb.toString();
            assertEquals(t.replaceAll(OLD_SCRIPT, " ").replaceAll("<[^>]*>", " "), MessageText.stripHtml(t), t);
        }
    }

    @Test
    void commentRemovalAgreesWithTheRegexItReplaces() {
        Random r = new Random(12);
        String alphabet = "()x ";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = r.nextInt(12); k > 0; k--) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            String t = sb.toString();
            assertEquals(t.replaceAll("\\([^)]*\\)", " "), MessageStructure.withoutComments(t), t);
        }
    }

    @Test
    void hostileHtmlPreviewIsLinear() {
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            assertEquals("<".repeat(200), MessageText.preview(msg("Content-Type: text/html", "", "<".repeat(60_000))));
            assertEquals("hi", MessageText.preview(msg("Content-Type: text/html", "", "<script>".repeat(7_000) + "hi")));
            assertEquals("a b", MessageText.preview(msg("Content-Type: text/html", "", "a<style>x</STYLE>b")));
        });
    }

    @Test
    void hostileDateIsLinear() {
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
            assertEquals(Optional.empty(), MessageStructure.parse(msg("Date: " + "(".repeat(300_000), "", "")).sentDate());
            assertEquals(Optional.of(LocalDate.of(2024, 1, 2)),
                    MessageStructure.parse(msg("Date: (now) 2 (x)Jan 2024 10:00 +0000", "", "")).sentDate());
        });
    }
}
