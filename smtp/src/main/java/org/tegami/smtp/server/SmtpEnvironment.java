package org.tegami.smtp.server;

import java.time.InstantSource;
import org.tegami.auth.Authenticator;
import org.tegami.auth.RecipientResolver;
import org.tegami.core.Limits;
import org.tegami.net.tls.TlsContext;
import org.tegami.store.Store;

/** What an SMTP session needs from the rest of the server, wired once at startup. */
public record SmtpEnvironment(
        String hostname,
        Limits limits,
        Store store,
        Authenticator authenticator,
        RecipientResolver resolver,
        TlsContext tls,
        InstantSource clock,
        SendRate sendRate) {
}
