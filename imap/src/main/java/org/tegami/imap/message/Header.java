package org.tegami.imap.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.tegami.core.Utf8;

/**
 * The header of a message or body part (RFC 5322 §2.2): its fields in order, each with its raw lines (folding
 * intact, for HEADER.FIELDS) and its unfolded value. Lenient: a line without a colon is kept as a field with an
 * empty name so that nothing is lost or misplaced.
 */
final class Header {
    /** One field: its name, the raw octets of its lines (with CRLF), and the unfolded value as text. */
    record Field(String name, int start, int end, String value) {}

    final List<Field> fields;

    private Header(List<Field> fields) {
        this.fields = fields;
    }

    /** Parses the header in {@code raw[start, end)}, the blank line excluded. */
    static Header parse(byte[] raw, int start, int end) {
        List<Field> fields = new ArrayList<>();
        int i = start;
        while (i < end) {
            int fieldStart = i;
            int lineEnd = lineEnd(raw, i, end);
            // continuation lines begin with SP or HTAB (RFC 5322 §2.2.3)
            while (lineEnd < end && (raw[lineEnd] == ' ' || raw[lineEnd] == '\t')) lineEnd = lineEnd(raw, lineEnd, end);
            fields.add(field(raw, fieldStart, lineEnd));
            i = lineEnd;
        }
        return new Header(fields);
    }

    /** The index just past the LF ending the line that starts at {@code i} (or {@code end}). */
    static int lineEnd(byte[] raw, int i, int end) {
        while (i < end && raw[i] != '\n') i++;
        return i < end ? i + 1 : end;
    }

    private static Field field(byte[] raw, int start, int end) {
        String text = decode(raw, start, end);
        int colon = text.indexOf(':');
        if (colon < 0) return new Field("", start, end, "");
        String name = text.substring(0, colon).trim();
        String value = text.substring(colon + 1).replace("\r\n", "").replace("\n", "").replace("\r", "").strip();
        return new Field(name, start, end, value);
    }

    /** UTF-8 (RFC 6532), or Latin-1 for legacy 8-bit headers that are not valid UTF-8. */
    static String decode(byte[] raw, int start, int end) {
        return Utf8.decode(raw, start, end).orElseGet(() -> new String(raw, start, end - start, StandardCharsets.ISO_8859_1));
    }

    /** The unfolded value of the first field of that name (case-insensitive). */
    Optional<String> get(String name) {
        for (Field f : fields) if (f.name.equalsIgnoreCase(name)) return Optional.of(f.value);
        return Optional.empty();
    }

    List<String> all(String name) {
        List<String> out = new ArrayList<>();
        for (Field f : fields) if (f.name.equalsIgnoreCase(name)) out.add(f.value);
        return out;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
