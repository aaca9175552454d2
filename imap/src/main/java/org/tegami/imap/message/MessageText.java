package org.tegami.imap.message;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.codec.QuotedPrintableInputStream;
import org.tegami.core.Utf8;

/**
 * The decoded text of one message for IMAP SEARCH (RFC 9051 §6.4.4): header values with RFC 2047 encoded words
 * decoded, and text/* bodies decoded from their transfer encoding and charset. Matching is a case-insensitive
 * substring test, independent of the JVM's locale.
 */
public final class MessageText {
    /** Decoded body text searched per message; the rest is ignored (bounded memory per SEARCH). */
    static final int MAX_BODY_CHARS = 4 * 1024 * 1024;

    private final Header header;
    private final String body;

    private MessageText(Header header, String body) {
        this.header = header;
        this.body = body;
    }

    public static MessageText of(byte[] raw) {
        MessageStructure s = MessageStructure.parse(raw);
        StringBuilder body = new StringBuilder();
        for (Part p : MessageStructure.leaves(s.root())) {
            if (!p.type.equals("text") || body.length() >= MAX_BODY_CHARS) continue;
            body.append(decodeBody(raw, p)).append('\n');
        }
        if (body.length() > MAX_BODY_CHARS) body.setLength(MAX_BODY_CHARS);
        return new MessageText(s.header(), lower(body.toString()));
    }

    /** RFC 8970 §4: at most 200 characters of preview text. */
    static final int PREVIEW_CHARS = 200;

    /**
     * RFC 8970: the start of the first text part (text/plain preferred, else text/html with the tags removed),
     * decoded, whitespace collapsed, at most 200 characters; empty when there is no text.
     */
    public static String preview(byte[] raw) {
        MessageStructure s = MessageStructure.parse(raw);
        Part text = null;
        for (Part p : MessageStructure.leaves(s.root())) {
            if (!p.type.equals("text")) continue;
            if (p.subtype.equals("plain")) {
                text = p;
                break;
            }
            if (text == null && p.subtype.equals("html")) text = p;
        }
        if (text == null) return "";
        String t = decodeBody(raw, text);
        if (t.length() > 64 * 1024) t = t.substring(0, 64 * 1024);
        if (text.subtype.equals("html")) {
            t = t.replaceAll("(?is)<(script|style)[^>]*>.*?</\\1>", " ").replaceAll("<[^>]*>", " ")
                    .replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        }
        t = t.replaceAll("[\\s\\p{Cntrl}]+", " ").strip();
        if (t.codePointCount(0, t.length()) > PREVIEW_CHARS) t = t.substring(0, t.offsetByCodePoints(0, PREVIEW_CHARS));
        return t;
    }

    /** A field of that name (case-insensitive) contains the needle; an empty needle matches when it exists. */
    public boolean header(String field, String needle) {
        String n = lower(needle);
        for (String v : header.all(field)) {
            if (n.isEmpty() || lower(decodeWords(v)).contains(n)) return true;
        }
        return false;
    }

    public boolean body(String needle) {
        return body.contains(lower(needle));
    }

    /** RFC 9051 §6.4.4 TEXT: the header or the body. */
    public boolean text(String needle) {
        String n = lower(needle);
        for (Header.Field f : header.fields) {
            if (lower(f.name() + ": " + decodeWords(f.value())).contains(n)) return true;
        }
        return body.contains(n);
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static String decodeWords(String v) {
        try {
            return DecoderUtil.decodeEncodedWords(v, DecodeMonitor.SILENT);
        } catch (RuntimeException e) {
            return v;
        }
    }

    private static String decodeBody(byte[] raw, Part p) {
        byte[] bytes = java.util.Arrays.copyOfRange(raw, p.bodyStart, Math.max(p.bodyStart, p.end));
        try {
            bytes = switch (p.encoding()) {
                case "base64" -> Base64.getMimeDecoder().decode(stripInvalidBase64(bytes));
                case "quoted-printable" -> {
                    try (InputStream in = new QuotedPrintableInputStream(new ByteArrayInputStream(bytes), false)) {
                        yield in.readAllBytes();
                    }
                }
                default -> bytes;
            };
        } catch (IOException | IllegalArgumentException e) {
            // undecodable: search the raw octets
        }
        Charset cs = p.param("charset").flatMap(MessageText::charset).orElse(StandardCharsets.UTF_8);
        if (cs.equals(StandardCharsets.UTF_8) || cs.equals(StandardCharsets.US_ASCII)) {
            byte[] b = bytes;
            return Utf8.decode(b).orElseGet(() -> new String(b, StandardCharsets.ISO_8859_1));
        }
        return new String(bytes, cs);
    }

    /** The MIME decoder stops at padding in the middle; drop anything that is not base64 alphabet or padding. */
    private static byte[] stripInvalidBase64(byte[] in) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length);
        for (byte b : in) {
            if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '+' || b == '/' || b == '=') {
                out.write(b);
            }
        }
        byte[] r = out.toByteArray();
        int len = r.length - r.length % 4;
        return java.util.Arrays.copyOf(r, len);
    }

    private static java.util.Optional<Charset> charset(String name) {
        try {
            return java.util.Optional.of(Charset.forName(name.trim()));
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
