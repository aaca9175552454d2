package org.tegami.sieve;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Variables of one script run (RFC 5229): its locals, the globals it declared (RFC 6609 §3.3) backed by the
 * evaluation's shared map, and the match variables. Names are case-insensitive; values are truncated at
 * {@link SieveLimits#variableLength()} (RFC 5229 §4).
 */
final class Variables {
    private final Map<String, String> locals = new HashMap<>();
    private final Shared shared;
    private final Set<String> declaredGlobal = new HashSet<>();
    private List<String> match = List.of();

    /** What every script of one evaluation shares: globals and the count of variables. */
    static final class Shared {
        final Map<String, String> globals = new HashMap<>();
        final SieveLimits limits;
        final Budget budget;
        int count;

        Shared(SieveLimits limits, Budget budget) {
            this.limits = limits;
            this.budget = budget;
        }
    }

    Variables(Shared shared) {
        this.shared = shared;
    }

    /** RFC 5229 §3: identifier, optionally with namespace prefixes; {@code numeric} allows match variables. */
    static boolean validName(String name, boolean numeric) {
        if (name.isEmpty()) return false;
        String[] parts = name.split("\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty()) return false;
            boolean digits = p.chars().allMatch(Character::isDigit);
            if (digits) {
                if (!numeric || i != parts.length - 1 || parts.length > 1) return false;
                continue;
            }
            if (!(Character.isLetter(p.charAt(0)) || p.charAt(0) == '_') || p.charAt(0) > 0x7f) return false;
            for (int k = 0; k < p.length(); k++) {
                char c = p.charAt(k);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
            }
        }
        // RFC 6609 §3.5: "global." is the only namespace we know
        return parts.length == 1 || (parts.length == 2 && parts[0].equalsIgnoreCase("global"));
    }

    void declareGlobal(String name) {
        declaredGlobal.add(name.toLowerCase(Locale.ROOT));
    }

    void setMatch(List<String> groups) {
        match = groups;
    }

    String get(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("global.")) return shared.globals.getOrDefault(n.substring(7), "");
        if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
            int i = n.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(n);
            return i < match.size() ? match.get(i) : "";
        }
        if (declaredGlobal.contains(n)) return shared.globals.getOrDefault(n, "");
        return locals.getOrDefault(n, "");
    }

    void set(String name, String value) {
        String n = name.toLowerCase(Locale.ROOT);
        String v = truncate(value, shared.limits.variableLength());
        Map<String, String> target = locals;
        if (n.startsWith("global.")) {
            n = n.substring(7);
            target = shared.globals;
        } else if (declaredGlobal.contains(n)) {
            target = shared.globals;
        }
        if (!target.containsKey(n) && ++shared.count > shared.limits.variables()) {
            throw new SieveRuntimeException("more than " + shared.limits.variables() + " variables");
        }
        target.put(n, v);
    }

    /** Truncates on a character boundary, never splitting a surrogate pair (RFC 5229 §4). */
    static String truncate(String v, int max) {
        if (v.length() <= max) return v;
        int end = max;
        if (end > 0 && Character.isHighSurrogate(v.charAt(end - 1))) end--;
        return v.substring(0, end);
    }

    /** Replaces {@code ${name}} references (RFC 5229 §3); unknown variables are empty, malformed ones stay. */
    String expand(String s) {
        if (s.indexOf("${") < 0) return s;
        int max = shared.limits.stringLength();
        StringBuilder out = new StringBuilder(Math.min(s.length() + 16, max));
        int i = 0;
        while (i < s.length()) {
            int start = s.indexOf("${", i);
            if (start < 0) {
                out.append(s, i, s.length());
                break;
            }
            out.append(s, i, start);
            int close = s.indexOf('}', start + 2);
            String name = close < 0 ? null : s.substring(start + 2, close);
            if (name != null && validName(name, true)) {
                out.append(get(name));
                i = close + 1;
            } else {
                out.append("${");
                i = start + 2;
            }
            if (out.length() > max) throw new SieveRuntimeException("string longer than " + max + " after expanding variables");
        }
        shared.budget.charge(out.length());
        if (out.length() > max) throw new SieveRuntimeException("string longer than " + max + " after expanding variables");
        return out.toString();
    }

    /** RFC 5229 §4.1 modifiers, applied in precedence order (40 lower/upper, 30 first, 20 quotewildcard, 10 length). */
    static String modify(String v, Call set) {
        String r = v;
        if (set.has("lower")) r = r.toLowerCase(Locale.ROOT);
        if (set.has("upper")) r = r.toUpperCase(Locale.ROOT);
        if (set.has("lowerfirst") && !r.isEmpty()) r = r.substring(0, 1).toLowerCase(Locale.ROOT) + r.substring(1);
        if (set.has("upperfirst") && !r.isEmpty()) r = r.substring(0, 1).toUpperCase(Locale.ROOT) + r.substring(1);
        if (set.has("quotewildcard")) r = r.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?");
        if (set.has("length")) r = Integer.toString(r.codePointCount(0, r.length()));
        return r;
    }
}
