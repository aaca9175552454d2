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

    static final String RECENT = "\\Recent";

    /** {@code (\Seen $Forwarded)}: system flags first in their usual order, then keywords sorted. */
    static String list(Collection<String> flags) {
        return list(flags, false);
    }

    /**
     * The same with {@code \Recent} when the message is recent to this IMAP4rev1 session (RFC 3501 §2.3.2), after the
     * other system flags as Dovecot writes it.
     */
    static String list(Collection<String> flags, boolean recent) {
        StringBuilder sb = new StringBuilder("(");
        for (String f : SYSTEM) {
            if (flags.contains(f)) sb.append(sb.length() > 1 ? " " : "").append(f);
        }
        if (recent) sb.append(sb.length() > 1 ? " " : "").append(RECENT);
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
    static List<String> permanent(Rights rights, boolean readOnly) {
        return permanent(rights, readOnly, Set.of());
    }

    /** The same listing the keywords in use too, when the user may change them (as Dovecot does). */
    static List<String> permanent(Rights rights, boolean readOnly, Collection<String> keywords) {
        if (readOnly) return List.of();
        List<String> out = new java.util.ArrayList<>();
        for (String f : SYSTEM) if (rights.mayChange(f)) out.add(f);
        if (rights.has('w')) out.addAll(new TreeSet<>(keywords));
        if (rights.has('w')) out.add("\\*");
        return out;
    }

    static Set<String> of(Collection<String> flags) {
        return Set.copyOf(flags);
    }
}
