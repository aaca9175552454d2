package org.tegami.mailauth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A message's header section as a list of fields, each with its folding (CRLF + WSP) and without the final CRLF,
 * as byte strings: one char per octet (ISO-8859-1), so that the simple canonicalization of DKIM and ARC sees the
 * exact octets. Reading stops at the empty line, leaving the stream at the body.
 */
public record HeaderSection(List<String> fields) {
    /** The largest header section read (RFC 5322 sets no limit; 256 KiB is far beyond real mail). */
    public static final int MAX_BYTES = 256 * 1024;
    /** The most fields read. */
    public static final int MAX_FIELDS = 2000;

    public HeaderSection {
        fields = List.copyOf(fields);
    }

    /** Reads the header section (bounded) and leaves {@code in} positioned at the body. */
    public static HeaderSection read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int prev = -1, prev2 = -1, prev3 = -1, b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            if (b == '\n' && prev == '\r' && prev2 == '\n' && prev3 == '\r') break;
            if (head.size() == 2 && prev == '\r' && b == '\n') break; // no header fields at all
            if (head.size() > MAX_BYTES) throw new IOException("header section larger than " + MAX_BYTES + " bytes");
            prev3 = prev2;
            prev2 = prev;
            prev = b;
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        List<String> fields = new ArrayList<>();
        for (String line : h.split("\r\n", -1)) {
            if (line.isEmpty()) continue;
            if ((line.startsWith(" ") || line.startsWith("\t")) && !fields.isEmpty()) {
                fields.set(fields.size() - 1, fields.getLast() + "\r\n" + line);
            } else {
                if (fields.size() >= MAX_FIELDS) throw new IOException("more than " + MAX_FIELDS + " header fields");
                fields.add(line);
            }
        }
        return new HeaderSection(fields);
    }

    /** The lower-case field name. */
    public static String name(String field) {
        int colon = field.indexOf(':');
        return (colon < 0 ? field : field.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
    }

    /** The raw value after the colon, folding kept. */
    public static String value(String field) {
        int colon = field.indexOf(':');
        return colon < 0 ? "" : field.substring(colon + 1);
    }

    /** The fields with this name (case-insensitive), top to bottom. */
    public List<String> all(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return fields.stream().filter(f -> name(f).equals(n)).toList();
    }

    /** The octets of a byte string (as returned by this class) for hashing. */
    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
