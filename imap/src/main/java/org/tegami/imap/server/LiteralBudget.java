package org.tegami.imap.server;

import java.util.HashMap;
import java.util.Map;
import org.tegami.imap.proto.StreamImapReader;
import org.tegami.store.AccountId;

/**
 * The literal octets all IMAP connections of this process may hold in memory at once, with a share per user and one
 * for all connections not yet logged in, so that neither one user nor anonymous clients can take the whole budget
 * (issue 12). A literal beyond it is refused before its "+" with {@code NO [LIMIT]}. APPEND messages are streamed
 * to disk and do not count.
 */
final class LiteralBudget {
    /**
     * 16 MiB: 256 commands holding a full 64 KiB literal at once, far more than honest clients need (their literals
     * are a few octets to a few KiB, and short-lived), and small beside any heap the server runs with.
     */
    static final long GLOBAL = 16L << 20;
    /** 1 MiB: sixteen connections of one user in the middle of a maximal literal. */
    static final long PER_USER = 1L << 20;
    /** 2 MiB for every connection not logged in yet: 256 LOGIN literals of 8 KiB. */
    static final long BEFORE_LOGIN = 2L << 20;

    private static final Object ANONYMOUS = new Object();

    private final long global;
    private final long perUser;
    private final long beforeLogin;
    private long used;
    /** Octets held per user (and {@link #ANONYMOUS}); an entry is removed when it falls to zero. */
    private final Map<Object, Long> byKey = new HashMap<>();

    LiteralBudget() {
        this(GLOBAL, PER_USER, BEFORE_LOGIN);
    }

    LiteralBudget(long global, long perUser, long beforeLogin) {
        this.global = global;
        this.perUser = perUser;
        this.beforeLogin = beforeLogin;
    }

    /** The budget a connection logged in as {@code user} claims from. */
    StreamImapReader.Budget forUser(AccountId user) {
        return share(user, perUser);
    }

    /** The budget of a connection not logged in. */
    StreamImapReader.Budget beforeLogin() {
        return share(ANONYMOUS, beforeLogin);
    }

    private StreamImapReader.Budget share(Object key, long cap) {
        return new StreamImapReader.Budget() {
            @Override
            public boolean take(long octets) {
                return LiteralBudget.this.take(key, cap, octets);
            }

            @Override
            public void give(long octets) {
                LiteralBudget.this.give(key, octets);
            }
        };
    }

    private synchronized boolean take(Object key, long cap, long octets) {
        long mine = byKey.getOrDefault(key, 0L);
        if (octets > global - used || octets > cap - mine) return false;
        used += octets;
        byKey.put(key, mine + octets);
        return true;
    }

    private synchronized void give(Object key, long octets) {
        used -= octets;
        long left = byKey.getOrDefault(key, 0L) - octets;
        if (left > 0) byKey.put(key, left);
        else byKey.remove(key);
    }

    /** Octets held now by all connections; for tests. */
    synchronized long used() {
        return used;
    }
}
