package org.tegami.pop3.server;

import java.time.Duration;
import org.tegami.auth.Authenticator;
import org.tegami.net.tls.TlsContext;
import org.tegami.store.Store;

/**
 * What a POP3 session needs, wired once at startup.
 *
 * @param idleTimeout RFC 1939 §3: the inactivity autologout timer must be at least 10 minutes
 */
public record Pop3Environment(String hostname, Store store, Authenticator authenticator, TlsContext tls,
                              Duration idleTimeout, MaildropLocks locks) {
}
