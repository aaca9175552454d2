package org.tegami.managesieve.server;

import java.time.Duration;
import org.tegami.auth.Authenticator;
import org.tegami.net.tls.TlsContext;
import org.tegami.store.SieveScriptStore;
import org.tegami.store.Store;

/**
 * What a ManageSieve session needs, wired once at startup.
 *
 * @param quota       per-account script count and size ({@code [sieve] max_scripts, max_script_size})
 * @param idleTimeout how long an authenticated session may stay silent; before login the wait is shorter
 */
public record ManageSieveEnvironment(String hostname, Store store, Authenticator authenticator, TlsContext tls,
                                     ScriptChecker checker, SieveScriptStore.Quota quota, Duration idleTimeout) {
}
