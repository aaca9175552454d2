package org.tegami.smtp.server;

import java.time.InstantSource;
import org.tegami.auth.Authenticator;
import org.tegami.auth.RecipientResolver;
import org.tegami.core.Limits;
import org.tegami.net.tls.TlsContext;
import org.tegami.delivery.InboundPipeline;
import org.tegami.store.Store;

/**
 * What an SMTP session needs from the rest of the server, wired once at startup.
 *
 * @param pipeline  what every local delivery passes through before it is stored (ADR 0008)
 * @param forwarder forwards copies to aliases' remote targets and takes bounces to our SRS addresses (ADR 0013);
 *                  null: aliases' remote targets are skipped and SRS addresses are unknown
 */
public record SmtpEnvironment(
        String hostname,
        Limits limits,
        Store store,
        Authenticator authenticator,
        RecipientResolver resolver,
        TlsContext tls,
        InstantSource clock,
        SendRate sendRate,
        InboundPipeline pipeline,
        org.tegami.delivery.forward.Forwarder forwarder) {

    /** Without forwarding. */
    public SmtpEnvironment(String hostname, Limits limits, Store store, Authenticator authenticator,
                           RecipientResolver resolver, TlsContext tls, InstantSource clock, SendRate sendRate,
                           InboundPipeline pipeline) {
        this(hostname, limits, store, authenticator, resolver, tls, clock, sendRate, pipeline, null);
    }

    /** Without stages: every local delivery to the INBOX as it came. */
    public SmtpEnvironment(String hostname, Limits limits, Store store, Authenticator authenticator,
                           RecipientResolver resolver, TlsContext tls, InstantSource clock, SendRate sendRate) {
        this(hostname, limits, store, authenticator, resolver, tls, clock, sendRate, InboundPipeline.direct());
    }
}
