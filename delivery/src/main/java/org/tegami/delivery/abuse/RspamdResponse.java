package org.tegami.delivery.abuse;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.tegami.delivery.json.Json;

/**
 * rspamd's answer to {@code /checkv2}, as far as we use it: the action, the score against the required score and
 * the symbols that fired. Read by the bounded JSON reader ({@link Json}: nesting, members, strings and numbers
 * limited), since the answer comes from another process we do not control, and at most {@link #MAX_BYTES} of it.
 *
 * @param action        {@code no action}, {@code greylist}, {@code add header}, {@code rewrite subject},
 *                      {@code soft reject} or {@code reject} (lower case; anything else is {@link #action()} as sent)
 * @param score         the message's score
 * @param requiredScore the score at which rspamd rejects
 * @param symbols       symbol names and their scores, in the order sent, at most {@link #MAX_SYMBOLS}
 */
public record RspamdResponse(String action, double score, double requiredScore, Map<String, Double> symbols) {
    public static final int MAX_BYTES = 1 << 20;
    public static final int MAX_SYMBOLS = 200;

    public RspamdResponse {
        symbols = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(symbols));
    }

    /** Parses a {@code /checkv2} body; throws {@link IllegalArgumentException} for anything else. */
    public static RspamdResponse parse(byte[] body) {
        if (body.length > MAX_BYTES) throw new IllegalArgumentException("response over " + MAX_BYTES + " bytes");
        Object v;
        try {
            v = Json.parse(body);
        } catch (Json.Bad e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException("not a JSON object");
        if (!(m.get("action") instanceof String action)) throw new IllegalArgumentException("no action");
        double score = number(m.get("score"));
        double required = number(m.get("required_score"));
        Map<String, Double> symbols = new LinkedHashMap<>();
        if (m.get("symbols") instanceof Map<?, ?> syms) {
            for (Map.Entry<?, ?> e : syms.entrySet()) {
                if (symbols.size() == MAX_SYMBOLS) break;
                double s = e.getValue() instanceof Map<?, ?> sym ? number(sym.get("score")) : 0;
                symbols.put((String) e.getKey(), s);
            }
        }
        return new RspamdResponse(action.toLowerCase(Locale.ROOT), score, required, symbols);
    }

    /** A JSON number as a finite double (a huge exponent is not an infinity in our header); anything else 0. */
    private static double number(Object v) {
        double d = v instanceof Number n ? n.doubleValue() : 0;
        return Double.isFinite(d) ? d : 0;
    }
}
