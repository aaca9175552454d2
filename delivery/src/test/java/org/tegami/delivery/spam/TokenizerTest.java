package org.tegami.delivery.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    private static Set<String> tokens(String message) {
        return Tokenizer.tokens(message.getBytes(StandardCharsets.UTF_8), List.of());
    }

    @Test
    void wordsOfSubjectAndBodyLowerCasedAndHeaderTokensPrefixed() {
        Set<String> t = tokens("From: Deals <deals@offers.example>\r\nSubject: FREE Pills!\r\n"
                + "Message-ID: <abc@mailer.example>\r\n\r\nBuy cheap PILLS, now!! ok\r\n");
        assertTrue(t.containsAll(Set.of("subject:free", "subject:pills", "buy", "cheap", "pills", "now",
                "message-id:@mailer.example")), t.toString());
        assertTrue(t.contains("from:deals@offers.example"), t.toString());
        assertFalse(t.contains("ok"), "shorter than 3");
    }

    @Test
    void ourOwnVerdictHeadersAreNeverTokens() {
        Set<String> t = tokens("X-Spam-Status: Yes, score=0.99\r\nAuthentication-Results: mx; spf=pass\r\n"
                + "Subject: hi\r\n\r\nbody text\r\n");
        assertTrue(t.stream().noneMatch(s -> s.contains("score") || s.contains("spf")), t.toString());
    }

    @Test
    void htmlIsRenderedToTextAndLinksGiveDomains() {
        Set<String> t = tokens("Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                + "<html><style>.hidden{color:red}</style><p>Claim your <b>prize</b>&nbsp;today</p>"
                + "<a href=\"https://www.win.lottery.example/claim?id=1\">here</a><script>var evil=1;</script></html>\r\n");
        assertTrue(t.containsAll(Set.of("html", "claim", "your", "prize", "today", "url:www.win.lottery.example",
                "url:win.lottery.example", "url:lottery.example")), t.toString());
        assertFalse(t.contains("evil"), "script contents are not text");
        assertFalse(t.stream().anyMatch(s -> s.contains("color")), "style contents are not text");
    }

    @Test
    void quotedPrintableAndBase64AreDecoded() {
        Set<String> t = tokens("Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + java.util.Base64.getEncoder().encodeToString("secret lottery jackpot".getBytes(StandardCharsets.UTF_8))
                + "\r\n");
        assertTrue(t.containsAll(Set.of("secret", "lottery", "jackpot")), t.toString());
    }

    @Test
    void longWordsCollapseAndExtraTokensComeFirst() {
        Set<String> t = Tokenizer.tokens(("Subject: x\r\n\r\n" + "a".repeat(57) + " word\r\n").getBytes(StandardCharsets.US_ASCII),
                List.of("auth:spf=pass"));
        assertEquals("auth:spf=pass", t.iterator().next());
        assertTrue(t.contains("skip:a 50"), t.toString());
        assertTrue(t.contains("word"));
    }

    @Test
    void a50MiBMessageIsBoundedInTokensAndTime() {
        // every word distinct: without the caps this would be millions of tokens
        StringBuilder sb = new StringBuilder("Subject: big\r\n\r\n");
        byte[] big = new byte[50 << 20];
        byte[] head = sb.toString().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, big, 0, head.length);
        int i = head.length;
        int n = 0;
        while (i < big.length - 16) {
            byte[] w = ("w" + Integer.toString(n++, 36) + " ").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(w, 0, big, i, w.length);
            i += w.length;
            if (n % 10 == 0) {
                big[i++] = '\r';
                big[i++] = '\n';
            }
        }
        while (i < big.length) big[i++] = ' ';
        long start = System.nanoTime();
        Set<String> t = Tokenizer.tokens(big, List.of());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Tokenizer.MAX_TOKENS, t.size());
        assertTrue(ms < 5_000, "took " + ms + " ms");
    }

    @Test
    void htmlStripperIsBoundedAndLinear() {
        String evil = "<a href=\"".repeat(100_000) + "<".repeat(100_000) + "<script>".repeat(10_000);
        long start = System.nanoTime();
        HtmlText.Result r = HtmlText.strip(evil, 1 << 20);
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000);
        assertTrue(r.text().length() <= evil.length());
        assertTrue(r.urls().size() <= HtmlText.MAX_URLS);
        assertEquals("a & b < c", HtmlText.strip("a &amp; b &lt; c", 100).text());
        assertEquals(" hi ", HtmlText.strip("<p>hi<!-- hidden --></p>", 100).text());
        assertEquals("", HtmlText.strip("<p>hi</p>", 0).text());
    }
}
