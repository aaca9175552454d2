package org.tegami.auth.sasl;

import java.util.Base64;
import org.tegami.core.Utf8;

/** Decoding of SASL PLAIN (RFC 4616) and LOGIN responses, shared by SMTP, IMAP and POP3. */
public final class Sasl {
    /** RFC 4616 §2: each field is at most 255 octets. */
    private static final int MAX_FIELD = 255;

    private Sasl() {}

    /** Parses a base64 PLAIN response: {@code [authzid] NUL authcid NUL passwd}. */
    public static PlainCredentials parsePlain(String base64) throws SaslException {
        byte[] b = decode(base64);
        int first = indexOf(b, 0);
        int second = first < 0 ? -1 : indexOf(b, first + 1);
        if (first < 0 || second < 0 || indexOf(b, second + 1) >= 0) {
            throw new SaslException("PLAIN response must be authzid NUL authcid NUL password");
        }
        String authzid = utf8(b, 0, first);
        String authcid = utf8(b, first + 1, second);
        String password = utf8(b, second + 1, b.length);
        if (authcid.isEmpty() || password.isEmpty()) throw new SaslException("empty user name or password");
        if (first > MAX_FIELD || second - first - 1 > MAX_FIELD || b.length - second - 1 > MAX_FIELD) {
            throw new SaslException("field too long");
        }
        return new PlainCredentials(authzid, authcid, password);
    }

    /** Decodes one base64 step of AUTH LOGIN as UTF-8 text without NUL. */
    public static String decodeBase64Utf8(String base64) throws SaslException {
        byte[] b = decode(base64);
        if (indexOf(b, 0) >= 0) throw new SaslException("NUL not allowed");
        if (b.length > MAX_FIELD) throw new SaslException("field too long");
        return utf8(b, 0, b.length);
    }

    /** RFC 4954 §4, RFC 5034 §4, RFC 9051 §6.2.2: a line of just "*" cancels the exchange. */
    public static boolean isCancel(String line) {
        return line.equals("*");
    }

    private static byte[] decode(String s) throws SaslException {
        try {
            return Base64.getDecoder().decode(s.strip());
        } catch (IllegalArgumentException e) {
            throw new SaslException("invalid base64");
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == 0) return i;
        return -1;
    }

    private static String utf8(byte[] b, int from, int to) throws SaslException {
        return Utf8.decode(b, from, to).orElseThrow(() -> new SaslException("invalid UTF-8"));
    }
}
