package org.tegami.imap.proto;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/** Mailbox name helpers: INBOX normalisation and modified UTF-7 (RFC 3501 §5.1.3) for IMAP4rev1 clients. */
public final class MailboxName {
    public static final String INBOX = "INBOX";
    /**
     * Longest level of a new mailbox name, in UTF-8 octets: 255 is NAME_MAX of common file systems and Dovecot's
     * limit, so a name can always become a directory (export, maildir) and clients display it.
     */
    public static final int MAX_LEVEL_OCTETS = 255;
    /** Deepest hierarchy of a new name; deeper trees are unusable in clients and only cost LIST and RENAME work. */
    public static final int MAX_DEPTH = 32;
    /**
     * Longest new name in UTF-8 octets, all levels and separators: keeps names, LIST responses and LIST pattern
     * matching (which costs the name's length times the pattern's) small (issue 12).
     */
    public static final int MAX_OCTETS = 1024;

    private MailboxName() {}

    /** RFC 9051 §5.1: {@code INBOX} is case-insensitive; every other name is kept exactly. */
    public static String normalize(String name) {
        return name.length() == 5 && name.toUpperCase(Locale.ROOT).equals(INBOX) ? INBOX : name;
    }

    /** Whether the name may be stored: non-empty and without NUL, CR or LF. */
    public static boolean isValid(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') return false;
        }
        return true;
    }

    /**
     * Why a name is too long or too deep to be created (CREATE, RENAME target), as the text of a {@code NO [LIMIT]}
     * (RFC 5530 §3), or null when it is within {@link #MAX_OCTETS}, {@link #MAX_LEVEL_OCTETS} and {@link #MAX_DEPTH}.
     */
    public static String overLimit(String name, char separator) {
        int total = 0;
        int level = 0;
        int depth = 1;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == separator) {
                depth++;
                level = 0;
                total++;
                continue;
            }
            // UTF-8 octets of the UTF-16 unit: a surrogate pair is 4 octets, 2 per half
            int octets = c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
            level += octets;
            total += octets;
            if (level > MAX_LEVEL_OCTETS) return "A mailbox name level is at most " + MAX_LEVEL_OCTETS + " octets";
        }
        if (depth > MAX_DEPTH) return "Mailbox names are at most " + MAX_DEPTH + " levels deep";
        if (total > MAX_OCTETS) return "A mailbox name is at most " + MAX_OCTETS + " octets";
        return null;
    }

    /** Encodes to modified UTF-7: printable ASCII as is, {@code &} as {@code &-}, the rest as {@code &base64-}. */
    public static String encodeModifiedUtf7(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 8);
        int i = 0;
        while (i < name.length()) {
            char c = name.charAt(i);
            if (c >= 0x20 && c <= 0x7e) {
                sb.append(c == '&' ? "&-" : String.valueOf(c));
                i++;
                continue;
            }
            int start = i;
            while (i < name.length() && (name.charAt(i) < 0x20 || name.charAt(i) > 0x7e)) i++;
            byte[] utf16 = name.substring(start, i).getBytes(StandardCharsets.UTF_16BE);
            sb.append('&')
                    .append(Base64.getEncoder().withoutPadding().encodeToString(utf16).replace('/', ','))
                    .append('-');
        }
        return sb.toString();
    }

    /**
     * Decodes modified UTF-7.
     *
     * @throws IllegalArgumentException when the text is not well-formed: raw non-ASCII or control characters, an
     *         unterminated or malformed shift sequence, non-zero padding bits, an encoded printable ASCII
     *         character, or an unpaired surrogate
     */
    public static String decodeModifiedUtf7(String encoded) {
        StringBuilder sb = new StringBuilder(encoded.length());
        int i = 0;
        while (i < encoded.length()) {
            char c = encoded.charAt(i);
            if (c < 0x20 || c > 0x7e) throw new IllegalArgumentException("not modified UTF-7: raw character U+" + Integer.toHexString(c));
            if (c != '&') {
                sb.append(c);
                i++;
                continue;
            }
            int dash = encoded.indexOf('-', i + 1);
            if (dash < 0) throw new IllegalArgumentException("not modified UTF-7: unterminated &");
            String b64 = encoded.substring(i + 1, dash);
            i = dash + 1;
            if (b64.isEmpty()) {
                sb.append('&');
                continue;
            }
            sb.append(decodeShift(b64));
        }
        return sb.toString();
    }

    private static String decodeShift(String b64) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int bits = 0;
        int acc = 0;
        for (int j = 0; j < b64.length(); j++) {
            int v = value(b64.charAt(j));
            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                bytes.write((acc >> bits) & 0xff);
                acc &= (1 << bits) - 1;
            }
        }
        // RFC 3501 §5.1.3 via RFC 2152: leftover bits are padding and must be zero; a full octet left over is garbage
        if (acc != 0 || bytes.size() % 2 != 0) throw new IllegalArgumentException("not modified UTF-7: bad padding");
        String text;
        try {
            text = StandardCharsets.UTF_16BE.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not modified UTF-7: unpaired surrogate", e);
        }
        for (int k = 0; k < text.length(); k++) {
            char d = text.charAt(k);
            // printable US-ASCII must represent itself, so that each name has exactly one encoding
            if (d >= 0x20 && d <= 0x7e) throw new IllegalArgumentException("not modified UTF-7: encoded ASCII");
        }
        return text;
    }

    private static int value(char c) {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == ',') return 63;
        throw new IllegalArgumentException("not modified UTF-7: '" + c + "' in shift sequence");
    }
}
