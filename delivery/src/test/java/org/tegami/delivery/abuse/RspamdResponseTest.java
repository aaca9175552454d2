package org.tegami.delivery.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bounded reader of rspamd's answers, by table, with attacks on each limit. */
class RspamdResponseTest {
    private static RspamdResponse parse(String s) {
        return RspamdResponse.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsTheFieldsWeUse() {
        RspamdResponse r = parse("""
                {"is_skipped":false,"score":6.5e0,"required_score":15,"action":"Add Header",
                 "symbols":{"A_\\u0042":{"score":-0.5,"options":["x",1,true,null,{"y":[]}]},"C":{"name":"C"}},"urls":[]}""");
        assertEquals("add header", r.action());
        assertEquals(6.5, r.score());
        assertEquals(15.0, r.requiredScore());
        assertEquals(List.of("A_B", "C"), List.copyOf(r.symbols().keySet()));
        assertEquals(-0.5, r.symbols().get("A_B"));
        assertEquals(0.0, r.symbols().get("C"));
    }

    @Test
    void splitAtEveryByteItIsRefusedNotCrashed() {
        String whole = "{\"action\":\"no action\",\"score\":1.25,\"symbols\":{\"X\":{\"score\":1.25}}}";
        for (int i = 0; i < whole.length(); i++) {
            String cut = whole.substring(0, i);
            assertThrows(IllegalArgumentException.class, () -> parse(cut), cut);
        }
        assertEquals(1.25, parse(whole).score());
    }

    @Test
    void attacksHitTheLimits() {
        for (String bad : List.of("", "[]", "\"reject\"", "{\"action\":1}", "{\"action\":\"reject\"} x",
                "{\"action\":\"reject\",\"score\":NaN}", "{\"action\":\"reject\",\"score\":0x10}", "{\"action\":\"a\tb\"}",
                "{\"action\":\"\\x\"}", "{\"action\":\"\\u12\"}", "{'action':'reject'}", "{\"action\":\"reject\",}",
                "{\"action\":\"reject\",\"score\":01}", "{\"action\":tru}")) {
            assertThrows(IllegalArgumentException.class, () -> parse(bad), bad);
        }
        String deep = "{\"action\":\"reject\",\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse(deep)).getMessage().startsWith("nested deeper than 16"));
        String wide = "{\"action\":\"reject\",\"x\":[" + "0,".repeat(org.tegami.delivery.json.Json.MAX_MEMBERS) + "0]}";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse(wide)).getMessage().startsWith("more than 10000 elements"));
        String longString = "{\"action\":\"" + "a".repeat(org.tegami.delivery.json.Json.MAX_STRING + 10) + "\"}";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse(longString)).getMessage().startsWith("string longer than 4096"));
        byte[] huge = new byte[RspamdResponse.MAX_BYTES + 1];
        assertThrows(IllegalArgumentException.class, () -> RspamdResponse.parse(huge));
        // a huge exponent is a number, not an infinity in the header
        assertEquals(0.0, parse("{\"action\":\"reject\",\"score\":1e999}").score());
        StringBuilder many = new StringBuilder("{\"action\":\"reject\",\"symbols\":{");
        for (int i = 0; i < 1000; i++) many.append(i == 0 ? "" : ",").append("\"S").append(i).append("\":{\"score\":1}");
        assertEquals(RspamdResponse.MAX_SYMBOLS, parse(many.append("}}").toString()).symbols().size());
    }
}
