package org.tegami.mailauth.arc;

import java.util.Base64;
import java.util.Locale;
import org.tegami.mailauth.dkim.DkimSyntaxException;
import org.tegami.mailauth.dkim.TagList;

/** A parsed ARC-Seal (RFC 8617 §4.1.3): i=, a=, b=, cv=, d=, s=, t=; h= is not allowed. */
public record ArcSeal(int instance, String algorithm, byte[] signature, ArcResult cv, String domain, String selector) {
    /** RFC 8617 §4.2.1: instance numbers run from 1 to 50. */
    public static final int MAX_INSTANCE = 50;

    public static ArcSeal parse(String value) throws DkimSyntaxException {
        TagList t = TagList.parse(value);
        for (String req : new String[] {"i", "a", "b", "cv", "d", "s"}) {
            if (t.get(req) == null) throw new DkimSyntaxException("ARC-Seal without " + req + "=");
        }
        if (t.get("h") != null) throw new DkimSyntaxException("h= in ARC-Seal"); // RFC 8617 §4.1.3
        int i = instance(t.get("i"));
        String a = t.get("a").toLowerCase(Locale.ROOT);
        if (!a.equals("rsa-sha256") && !a.equals("ed25519-sha256")) throw new DkimSyntaxException("unknown algorithm");
        ArcResult cv = switch (t.get("cv").toLowerCase(Locale.ROOT)) {
            case "none" -> ArcResult.NONE;
            case "pass" -> ArcResult.PASS;
            case "fail" -> ArcResult.FAIL;
            default -> throw new DkimSyntaxException("bad cv=");
        };
        byte[] b;
        try {
            b = Base64.getDecoder().decode(TagList.noWhitespace(t.get("b")));
        } catch (IllegalArgumentException e) {
            throw new DkimSyntaxException("b= is not base64");
        }
        String d = t.get("d").toLowerCase(Locale.ROOT);
        if (d.isEmpty() || d.length() > 253 || t.get("s").isEmpty() || t.get("s").length() > 253) throw new DkimSyntaxException("bad d= or s=");
        return new ArcSeal(i, a, b, cv, d, t.get("s"));
    }

    /** An instance number i= between 1 and 50. */
    static int instance(String v) throws DkimSyntaxException {
        String s = v == null ? "" : v.strip();
        if (!s.matches("[0-9]{1,2}") || Integer.parseInt(s) < 1 || Integer.parseInt(s) > MAX_INSTANCE) {
            throw new DkimSyntaxException("bad instance i=");
        }
        return Integer.parseInt(s);
    }

    /** The instance of an ARC-Authentication-Results value ("i=N; ..."), and the rest after the semicolon. */
    static Object[] aar(String value) throws DkimSyntaxException {
        int semi = value.indexOf(';');
        if (semi < 0) throw new DkimSyntaxException("ARC-Authentication-Results without i=");
        String head = value.substring(0, semi).strip();
        if (!head.startsWith("i=")) throw new DkimSyntaxException("ARC-Authentication-Results without i=");
        return new Object[] {instance(head.substring(2)), value.substring(semi + 1).strip()};
    }
}
