package org.tegami.mime.message;

import java.util.List;
import java.util.Locale;

/**
 * One node of the MIME tree with exact byte offsets into the raw message: the header is
 * {@code [start, bodyStart)} (including the blank line when there is one), the body {@code [bodyStart, end)}.
 * For a body part of a multipart, {@code end} excludes the line break before the next boundary
 * (RFC 2046 §5.1.1: that CRLF belongs to the delimiter). Built once by {@link MimeParser}, then read-only.
 */
final class Part {

    /** One header field; {@code [start, end)} covers its lines including folded continuations and the final line break. */
    record Field(String name, int start, int end, String value) {
        boolean is(String lowerName) {
            return name.equals(lowerName);
        }
    }

    /** A MIME parameter, name lower-cased as Dovecot prints it. */
    record Param(String name, String value) {}

    final int start;
    int bodyStart;
    int end;
    List<Field> fields = List.of();

    String type = "TEXT";
    String subtype = "PLAIN";
    List<Param> params = List.of();
    String id;
    String description;
    String encoding = "7BIT";
    String md5;
    String dispositionType;
    List<Param> dispositionParams = List.of();
    List<String> languages = List.of();
    String location;
    int lines;

    /** Children of a multipart; empty for every other part. */
    List<Part> children = List.of();
    boolean multipart;
    /** The embedded message of a message/rfc822 (or message/global) part, else null. */
    Part message;

    Part(int start) {
        this.start = start;
        this.bodyStart = start;
        this.end = start;
    }

    boolean isText() {
        return type.equals("TEXT");
    }

    int bodySize() {
        return end - bodyStart;
    }

    /** First field with this name (lower-case), or null. */
    Field field(String lowerName) {
        for (Field f : fields) {
            if (f.is(lowerName)) return f;
        }
        return null;
    }

    String value(String lowerName) {
        Field f = field(lowerName);
        return f == null ? null : f.value();
    }

    String param(String name) {
        for (Param p : params) {
            if (p.name().equals(name.toLowerCase(Locale.ROOT))) return p.value();
        }
        return null;
    }
}
