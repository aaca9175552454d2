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
 * @param clock          for APPEND's default internal date and SEARCH OLDER/YOUNGER
 */
public record ImapEnvironment(String hostname, Store store, Authenticator authenticator, TlsContext tls,
                              Duration idleTimeout, long maxMessageSize, ImapLimits limits, StructureCache structures,
                              InstantSource clock) {

    /** RFC 9051 §5.4: at least 30 minutes. */
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);
    /** Before login a client gets much less time to say something. */
    public static final Duration PREAUTH_TIMEOUT = Duration.ofMinutes(1);

    public ImapEnvironment(String hostname, Store store, Authenticator authenticator, TlsContext tls,
                           long maxMessageSize, InstantSource clock) {
        this(hostname, store, authenticator, tls, IDLE_TIMEOUT, maxMessageSize, ImapLimits.DEFAULTS,
                new StructureCache(store.blobs(), StructureCache.DEFAULT_ENTRIES), clock);
    }
}
