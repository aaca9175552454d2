package org.tegami.imap.server;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Message flags (RFC 9051 §2.3.2): the system flags and how a flag list is written. */
final class Flags {
    static final List<String> SYSTEM = List.of("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft");
    static final String SEEN = "\\Seen";
    static final String DELETED = "\\Deleted";

    private Flags() {}

    /** {@code (\Seen $Forwarded)}: system flags first in their usual order, then keywords sorted. */
    static String list(Collection<String> flags) {
        StringBuilder sb = new StringBuilder("(");
        for (String f : SYSTEM) {
            if (flags.contains(f)) sb.append(sb.length() > 1 ? " " : "").append(f);
        }
        for (String f : new TreeSet<>(flags)) {
            if (!f.startsWith("\\")) sb.append(sb.length() > 1 ? " " : "").append(f);
        }
        return sb.append(')').toString();
    }

    /** The flags a client may store: the system flags (not \Recent, RFC 9051 §2.3.2) and keywords. */
    static boolean storable(String flag) {
        return SYSTEM.contains(flag) || !flag.startsWith("\\");
    }

    /**
     * The PERMANENTFLAGS list (RFC 9051 §7.1): none when read-only, else what the user's rights let them change
     * (RFC 4314 §5.1.1: it MUST reflect them), with {@code \*} when they may create keywords.
     */
    static String permanent(Rights rights, boolean readOnly) {
        if (readOnly) return "()";
        List<String> out = new java.util.ArrayList<>();
        for (String f : SYSTEM) if (rights.mayChange(f)) out.add(f);
        if (rights.has('w')) out.add("\\*");
        return "(" + String.join(" ", out) + ")";
    }

    static Set<String> of(Collection<String> flags) {
        return Set.copyOf(flags);
    }
}
