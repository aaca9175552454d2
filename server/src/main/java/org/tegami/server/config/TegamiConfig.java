package org.tegami.server.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tegami.core.Limits;

/**
 * The whole configuration, as read from {@code tegami.toml} with defaults filled in (see README).
 *
 * @param listen service name (smtp, submission, submissions, pop3, pop3s, ...) → addresses; empty disables it
 * @param tlsCert PEM chain (certbot's fullchain.pem); absent: a self-signed certificate in the data directory
 * @param nameservers DNS servers for MX lookups ({@code [dns] nameservers}); empty: the system's resolver
 * @param mxPort port used to reach other domains' MX hosts ({@code [outbound] mx_port}, 25)
 * @param relay smarthost for all outbound mail ({@code [outbound] relay}), when set
 * @param relayBySenderDomain smarthosts by envelope sender domain ({@code [outbound.relay_for."domain"]})
 * @param outboundTrust CAs that verify relay and MTA-STS certificates: the JDK's, plus {@code [outbound] tls_ca}
 * @param giveUpAfter how long undeliverable mail is retried before it bounces ({@code [outbound] give_up_after_days}, 5)
 * @param outboundConnections connection reuse and politeness per MX host ({@code [outbound] connections_per_host,
 *        messages_per_connection, idle_timeout_seconds, host_backoff_seconds})
 * @param mtaStsPort HTTPS port of MTA-STS policy hosts (443; {@code [outbound] mta_sts_port} is for tests)
 * @param spam the spam classifier's thresholds and learning ({@code [spam]})
 * @param inbound sender authentication of mail from outside ({@code [inbound]})
 * @param fetch collecting mail from users' other accounts ({@code [fetch] enabled, interval})
 * @param abuse DNSBLs, greylisting and rspamd ({@code [spam] dnsbl, greylisting, greylist_delay, rspamd, rspamd_reject})
 * @param forwarding aliases' forwarding to remote addresses ({@code [forwarding] max_per_hour, srs_max_age_days})
 * @param sieve per-account Sieve script quotas ({@code [sieve] max_scripts, max_script_size})
 * @param sieveBefore the site's Sieve script run before each user's ({@code [sieve] before}, the file's text)
 * @param sieveAfter the site's Sieve script run after each user's ({@code [sieve] after})
 * @param tlsReports whether outbound TLS sessions are counted and reported daily (RFC 8460, {@code [outbound] tls_reports})
 * @param log {@code [log] format, history_days}
 * @param acme certificates from an ACME CA ({@code [tls] acme, acme_email, acme_ca}); absent: files or self-signed
 * @param store which store backend to open ({@code [store]}: embedded, or PostgreSQL with url, user, password)
 * @param dnssecAnchors DNSSEC trust anchors for DANE ({@code [dns] trust_anchor}, the root's by default); empty when
 *                      {@code [dns] dane = false}
 * @param s3Blobs where large blobs live when {@code [blobs] kind = "s3"}; empty: files under the data directory
 */
public record TegamiConfig(
        String hostname,
        Path dataDir,
        Map<String, List<InetSocketAddress>> listen,
        Optional<Path> tlsCert,
        Optional<Path> tlsKey,
        Limits limits,
        List<InetSocketAddress> nameservers,
        int mxPort,
        Optional<org.tegami.queue.QueueRunner.Relay> relay,
        Map<String, org.tegami.queue.QueueRunner.Relay> relayBySenderDomain,
        javax.net.ssl.SSLContext outboundTrust,
        int mtaStsPort,
        java.time.Duration giveUpAfter,
        org.tegami.queue.QueueRunner.Connections outboundConnections,
        org.tegami.delivery.spam.SpamSettings spam,
        org.tegami.delivery.InboundSettings inbound,
        org.tegami.delivery.abuse.AbuseSettings abuse,
        org.tegami.delivery.forward.ForwardingSettings forwarding,
        org.tegami.store.SieveScriptStore.Quota sieve,
        Optional<String> sieveBefore,
        Optional<String> sieveAfter,
        org.tegami.fetch.FetchSettings fetch,
        Optional<String> dnssecAnchors,
        boolean tlsReports,
        Optional<Path> source,
        org.tegami.server.log.LogSettings log,
        Optional<org.tegami.server.acme.AcmeSettings> acme,
        StoreSettings store,
        Optional<org.tegami.objects.s3.S3Settings> s3Blobs) {

    public TegamiConfig withListen(String hostname, Map<String, List<InetSocketAddress>> listen) {
        return new TegamiConfig(hostname, dataDir, listen, tlsCert, tlsKey, limits, nameservers, mxPort, relay,
                relayBySenderDomain, outboundTrust, mtaStsPort, giveUpAfter, outboundConnections, spam, inbound, abuse, forwarding, sieve, sieveBefore, sieveAfter, fetch, dnssecAnchors, tlsReports, source, log, acme, store, s3Blobs);
    }

    public TegamiConfig withSpam(org.tegami.delivery.spam.SpamSettings spam) {
        return new TegamiConfig(hostname, dataDir, listen, tlsCert, tlsKey, limits, nameservers, mxPort, relay,
                relayBySenderDomain, outboundTrust, mtaStsPort, giveUpAfter, outboundConnections, spam, inbound, abuse, forwarding, sieve, sieveBefore, sieveAfter, fetch, dnssecAnchors, tlsReports, source, log, acme, store, s3Blobs);
    }

    public TegamiConfig withInbound(org.tegami.delivery.InboundSettings inbound) {
        return new TegamiConfig(hostname, dataDir, listen, tlsCert, tlsKey, limits, nameservers, mxPort, relay,
                relayBySenderDomain, outboundTrust, mtaStsPort, giveUpAfter, outboundConnections, spam, inbound, abuse, forwarding, sieve, sieveBefore, sieveAfter, fetch, dnssecAnchors, tlsReports, source, log, acme, store, s3Blobs);
    }

    public TegamiConfig withAbuse(org.tegami.delivery.abuse.AbuseSettings abuse) {
        return new TegamiConfig(hostname, dataDir, listen, tlsCert, tlsKey, limits, nameservers, mxPort, relay,
                relayBySenderDomain, outboundTrust, mtaStsPort, giveUpAfter, outboundConnections, spam, inbound, abuse, forwarding, sieve, sieveBefore, sieveAfter, fetch, dnssecAnchors, tlsReports, source, log, acme, store, s3Blobs);
    }

    public TegamiConfig withForwarding(org.tegami.delivery.forward.ForwardingSettings forwarding) {
        return new TegamiConfig(hostname, dataDir, listen, tlsCert, tlsKey, limits, nameservers, mxPort, relay,
                relayBySenderDomain, outboundTrust, mtaStsPort, giveUpAfter, outboundConnections, spam, inbound, abuse, forwarding, sieve, sieveBefore, sieveAfter, fetch, dnssecAnchors, tlsReports, source, log, acme, store, s3Blobs);
    }

    public TegamiConfig withFetch(org.tegami.fetch.FetchSettings fetch) {
        return new TegamiConfig(hostname, dataDir, listen, tlsCert, tlsKey, limits, nameservers, mxPort, relay,
                relayBySenderDomain, outboundTrust, mtaStsPort, giveUpAfter, outboundConnections, spam, inbound, abuse, forwarding, sieve, sieveBefore, sieveAfter, fetch, dnssecAnchors, tlsReports, source, log, acme, store, s3Blobs);
    }

    /** {@code [log] format}. */
    public org.tegami.server.log.LogFormat logFormat() {
        return log.format();
    }

    public List<InetSocketAddress> listen(String service) {
        return listen.getOrDefault(service, List.of());
    }
}
