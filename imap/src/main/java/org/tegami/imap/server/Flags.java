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

    static Set<String> of(Collection<String> flags) {
        return Set.copyOf(flags);
    }
}
