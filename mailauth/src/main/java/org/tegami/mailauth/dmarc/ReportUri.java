package org.tegami.mailauth.dmarc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.tegami.mime.EmailAddress;

/**
 * One destination for DMARC reports from a record's {@code rua=} tag (RFC 7489 §6.4):
 * {@code mailto:address[!size]}, the size a limit on the report's size with an optional unit k, m, g or t
 * (powers of two). Only {@code mailto:} is used: reports go out by mail.
 *
 * @param address  where to send, {@code local@domain} in lower case domain
 * @param maxBytes the largest report this destination takes, 0 for no limit
 */
public record ReportUri(String address, long maxBytes) {
    /**
     * The most destinations a record may name that we send to. RFC 7489 §6.2 asks receivers to support at least two;
     * more would let one record turn each report into a flood.
     */
    public static final int MAX_URIS = 2;

    /** The URIs of a {@code rua=} value (empty when absent), the ones that are not usable {@code mailto:} skipped. */
    public static List<ReportUri> parseList(String value) {
        if (value == null) return List.of();
        List<ReportUri> out = new ArrayList<>();
        for (String item : value.split(",", 16)) {
            if (out.size() == MAX_URIS) break;
            parse(item.strip()).ifPresent(out::add);
        }
        return out;
    }

    /** One {@code dmarc-uri}; empty when it is not a usable {@code mailto:} URI. */
    public static Optional<ReportUri> parse(String uri) {
        if (uri.length() > 512) return Optional.empty();
        long max = 0;
        int bang = uri.lastIndexOf('!');
        if (bang >= 0) {
            // RFC 7489 §6.4: "!" 1*DIGIT [ "k" / "m" / "g" / "t" ]; a "!" is not otherwise valid in the URI part
            String size = uri.substring(bang + 1).toLowerCase(Locale.ROOT);
            if (!size.matches("[0-9]{1,12}[kmgt]?")) return Optional.empty();
            int shift = switch (size.charAt(size.length() - 1)) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                case 't' -> 40;
                default -> 0;
            };
            long n = Long.parseLong(shift == 0 ? size : size.substring(0, size.length() - 1));
            max = n >= (Long.MAX_VALUE >> shift) ? 0 : n << shift;
            if (n == 0) return Optional.empty();
            uri = uri.substring(0, bang);
        }
        if (!uri.regionMatches(true, 0, "mailto:", 0, 7)) return Optional.empty();
        String addr = uri.substring(7);
        int q = addr.indexOf('?');
        if (q >= 0) addr = addr.substring(0, q); // RFC 6068 hfields (subject=, body=) are not for reports
        Optional<String> decoded = percentDecode(addr);
        if (decoded.isEmpty() || decoded.get().indexOf(',') >= 0) return Optional.empty(); // one address per URI
        Optional<EmailAddress> a = EmailAddress.parse(decoded.get());
        if (a.isEmpty() || !a.get().domain().contains(".")) return Optional.empty();
        return Optional.of(new ReportUri(a.get().localPart() + "@" + a.get().domain().toLowerCase(Locale.ROOT), max));
    }

    /** RFC 3986 §2.1 percent-decoding to UTF-8; empty for a broken escape, a control character or invalid UTF-8. */
    private static Optional<String> percentDecode(String s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) return Optional.empty();
                int hi = Character.digit(s.charAt(i + 1), 16), lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) return Optional.empty();
                b.write(hi << 4 | lo);
                i += 2;
            } else if (c <= ' ' || c >= 0x7f) {
                return Optional.empty();
            } else {
                b.write(c);
            }
        }
        byte[] bytes = b.toByteArray();
        for (byte x : bytes) if ((x & 0xff) < 0x20 || x == 0x7f) return Optional.empty();
        String out = new String(bytes, StandardCharsets.UTF_8);
        return out.indexOf('\uFFFD') >= 0 ? Optional.empty() : Optional.of(out);
    }
}
