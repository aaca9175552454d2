package org.tegami.testkit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a delivery status notification (RFC 3464 in RFC 6522's multipart/report) with python3's {@code email}
 * package, an independent parser: the report type, the per-message fields, each recipient's fields and the media
 * type of the returned content.
 */
public final class DsnReader {
    private DsnReader() {}

    /**
     * @param reportType the {@code report-type} parameter of the top-level {@code multipart/report}
     * @param message    per-message fields (Reporting-MTA, Original-Envelope-Id, ...), names lower case
     * @param recipients per-recipient fields in order, names lower case
     * @param returned   the media type of the third part (text/rfc822-headers or message/rfc822)
     * @param returnedText the third part as text (for message/rfc822, the whole message as python serializes it)
     */
    public record Dsn(String reportType, Map<String, String> message, List<Map<String, String>> recipients,
                      String returned, String returnedText) {}

    private static final String SCRIPT = """
            import email, email.policy, sys, json
            m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.compat32)
            assert m.get_content_type() == "multipart/report", m.get_content_type()
            parts = m.get_payload()
            assert parts[1].get_content_type() == "message/delivery-status", parts[1].get_content_type()
            groups = parts[1].get_payload()
            norm = lambda g: {k.lower(): " ".join(v.split()) for k, v in g.items()}
            third = parts[2] if len(parts) > 2 else None
            text = ""
            if third is not None:
                p = third.get_payload()
                text = p[0].as_string() if isinstance(p, list) else p
            print(json.dumps({"type": m.get_param("report-type"), "message": norm(groups[0]),
                              "recipients": [norm(g) for g in groups[1:]],
                              "returned": third.get_content_type() if third is not None else "", "text": text}))
            """;

    /** Parses {@code message} (CRLF line ends; a leading Return-Path line is fine). */
    public static Dsn read(Path dir, byte[] message) throws Exception {
        Path f = Files.createTempFile(dir, "dsn", ".eml");
        Files.write(f, message);
        String out = Processes.run(dir, "/usr/bin/python3", "-c", SCRIPT, f.toString()).strip();
        return parse(out);
    }

    /** A tiny reader for the flat JSON the script prints (strings, objects of strings, lists of those). */
    private static Dsn parse(String json) {
        Object v = new Json(json).value();
        @SuppressWarnings("unchecked") Map<String, Object> top = (Map<String, Object>) v;
        @SuppressWarnings("unchecked") Map<String, String> msg = (Map<String, String>) (Map<?, ?>) top.get("message");
        List<Map<String, String>> rcpts = new ArrayList<>();
        for (Object o : (List<?>) top.get("recipients")) {
            @SuppressWarnings("unchecked") Map<String, String> r = (Map<String, String>) o;
            rcpts.add(r);
        }
        return new Dsn((String) top.get("type"), msg, rcpts, (String) top.get("returned"), (String) top.get("text"));
    }

    private static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object value() {
            skip();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                skip();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    skip();
                    String k = string();
                    skip();
                    i++; // ':'
                    m.put(k, value());
                    skip();
                    if (s.charAt(i++) == '}') return m;
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                skip();
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    skip();
                    if (s.charAt(i++) == ']') return l;
                }
            }
            if (c == 'n' && s.startsWith("null", i)) {
                i += 4;
                return null;
            }
            return string();
        }

        private String string() {
            StringBuilder sb = new StringBuilder();
            i++; // opening quote
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') return sb.toString();
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> sb.append('\n');
                        case 'r' -> sb.append('\r');
                        case 't' -> sb.append('\t');
                        case 'u' -> {
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> sb.append(e);
                    }
                } else {
                    sb.append(c);
                }
            }
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }
    }
}
