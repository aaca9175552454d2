package org.tegami.imap.server;

import java.time.Duration;
import java.time.InstantSource;
import org.tegami.auth.Authenticator;
import org.tegami.imap.proto.ImapLimits;
import org.tegami.net.tls.TlsContext;
import org.tegami.store.Store;

/**
 * What an IMAP session needs, wired once at startup.
 *
 * @param idleTimeout    RFC 9051 §5.4: the autologout timer must be at least 30 minutes once authenticated
 * @param maxMessageSize largest APPEND accepted, the same limit SMTP applies
 * @param structures     parsed MIME structure per blob, shared by all sessions
 * @param clock          for APPEND's default internal date, SEARCH OLDER/YOUNGER and progress intervals
 * @param progressInterval how often a long command reports its progress (RFC 9585); zero reports every message
 *                         processed, which only tests want
 */
public record ImapEnvironment(String hostname, Store store, Authenticator authenticator, TlsContext tls,
                              Duration idleTimeout, long maxMessageSize, ImapLimits limits, StructureCache structures,
                              InstantSource clock, Duration progressInterval) {

    /** RFC 9051 §5.4: at least 30 minutes. */
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);
    /** Before login a client gets much less time to say something. */
    public static final Duration PREAUTH_TIMEOUT = Duration.ofMinutes(1);
    /**
     * RFC 9585 sets no rate; 10 s is what mox uses: often enough to keep a waiting client from timing out, rare
     * enough to cost nothing on commands that finish sooner (they send none).
     */
    public static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);

    public ImapEnvironment {
        if (progressInterval.isNegative()) throw new IllegalArgumentException("negative progress interval");
    }

    public ImapEnvironment(String hostname, Store store, Authenticator authenticator, TlsContext tls,
                           Duration idleTimeout, long maxMessageSize, ImapLimits limits, StructureCache structures,
                           InstantSource clock) {
        this(hostname, store, authenticator, tls, idleTimeout, maxMessageSize, limits, structures, clock,
                PROGRESS_INTERVAL);
    }

    public ImapEnvironment(String hostname, Store store, Authenticator authenticator, TlsContext tls,
                           long maxMessageSize, InstantSource clock) {
        this(hostname, store, authenticator, tls, IDLE_TIMEOUT, maxMessageSize, ImapLimits.DEFAULTS,
                new StructureCache(store.blobs(), StructureCache.DEFAULT_ENTRIES), clock);
    }
}
