package org.tegami.sieve;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The addr-specs of an address-list header value (RFC 5322 §3.4), groups flattened, for the address test. */
final class Addresses {
    private static final int MAX = 1_000;
    /** Fields holding addresses (RFC 5322 §3.6.2, §3.6.3, §3.6.6, RFC 8098, and common delivery fields). */
    static final Set<String> FIELDS = Set.of("from", "sender", "reply-to", "to", "cc", "bcc", "resent-from",
            "resent-sender", "resent-to", "resent-cc", "resent-bcc", "resent-reply-to", "return-path",
            "disposition-notification-to", "delivered-to", "x-original-to", "envelope-to", "errors-to", "mail-followup-to",
            "mail-reply-to", "original-recipient", "x-envelope-to", "x-envelope-from", "apparently-to");

    private Addresses() {}

    static List<String> parse(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int comment = 0;
        boolean quoted = false, angle = false;
        for (int i = 0; i < value.length() && out.size() < MAX; i++) {
            char c = value.charAt(i);
            if (quoted) {
                cur.append(c);
                if (c == '\\' && i + 1 < value.length()) cur.append(value.charAt(++i));
                else if (c == '"') quoted = false;
                continue;
            }
            if (comment > 0) {
                if (c == '\\') i++;
                else if (c == '(') comment++;
                else if (c == ')') comment--;
                continue;
            }
            switch (c) {
                case '"' -> {
                    quoted = true;
                    cur.append(c);
                }
                case '(' -> comment = 1;
                case '<' -> {
                    angle = true;
                    cur.append(c);
                }
                case '>' -> {
                    angle = false;
                    cur.append(c);
                }
                case ':' -> {
                    if (angle) cur.append(c);
                    else cur.setLength(0); // RFC 5322 §3.4: group display name
                }
                case ',', ';' -> {
                    if (angle) {
                        cur.append(c);
                    } else {
                        add(out, cur.toString());
                        cur.setLength(0);
                    }
                }
                default -> cur.append(c);
            }
        }
        add(out, cur.toString());
        return out;
    }

    private static void add(List<String> out, String element) {
        String e = element.strip();
        if (e.isEmpty()) return;
        int lt = e.lastIndexOf('<');
        if (lt >= 0) {
            int gt = e.indexOf('>', lt);
            e = e.substring(lt + 1, gt < 0 ? e.length() : gt).strip();
            // RFC 5322 §4.4: obsolete route
            int colon = e.indexOf(':');
            if (e.startsWith("@") && colon > 0) e = e.substring(colon + 1);
        } else if (e.indexOf(' ') >= 0 || e.indexOf('\t') >= 0) {
            e = e.replaceAll("[ \t]+", "");
        }
        out.add(e);
    }

    /** RFC 5228 §2.7.4 address parts and RFC 5233 §4 :user / :detail; null when the part does not exist. */
    static String part(String address, Call c) {
        int at = address.lastIndexOf('@');
        // RFC 5228 §5.1: an address that is not valid matches only as a whole
        if ((at <= 0 || at == address.length() - 1) && !address.isEmpty()
                && (c.has("localpart") || c.has("domain") || c.has("user") || c.has("detail"))) {
            return null;
        }
        String local = at < 0 ? address : address.substring(0, at);
        if (c.has("localpart")) return local;
        if (c.has("domain")) return at < 0 ? "" : address.substring(at + 1);
        if (c.has("user") || c.has("detail")) {
            int plus = local.indexOf('+');
            if (c.has("user")) return plus < 0 ? local : local.substring(0, plus);
            return plus < 0 ? null : local.substring(plus + 1);
        }
        return address;
    }

    /** A plausible forwarding address: one {@code @}, no spaces or controls, RFC 5321 lengths. */
    static boolean validMailbox(String a) {
        int at = a.lastIndexOf('@');
        if (at <= 0 || at == a.length() - 1 || a.length() > 320 || at > 64) return false;
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';') return false;
        }
        return a.indexOf('@') == at || a.charAt(0) == '"';
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
