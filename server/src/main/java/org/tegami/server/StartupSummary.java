package org.tegami.server;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.tegami.net.TlsMode;
import org.tegami.net.tls.CertificateInfo;

/** The one block an operator reads at startup: what listens where, with which TLS, on what data. */
public final class StartupSummary {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private StartupSummary() {}

    public static void print(TegamiServer s, Instant now, PrintStream out) {
        var cfg = s.config();
        out.println("Tegami mail server");
        out.println("  hostname      " + cfg.hostname());
        out.println("  config        " + cfg.source().map(p -> p.toAbsolutePath().toString()).orElse("(none: defaults)"));
        out.println("  data          " + cfg.dataDir().toAbsolutePath());
        if (cfg.store() instanceof org.tegami.server.config.StoreSettings.Postgres pg) {
            // the URL may carry credentials in its parameters: print only up to them
            String url = pg.url().contains("?") ? pg.url().substring(0, pg.url().indexOf('?')) : pg.url();
            out.println("  store         PostgreSQL " + url + " ");
        } else {
            out.println("  store         embedded (SQLite and blob files under data)");
        }
        out.println("  blobs         " + org.tegami.server.Stores.blobsDescription(cfg));
        out.println("  listening");
        for (TegamiServer.Bound b : s.listeners()) {
            var a = b.listener().address();
            out.printf("    %-12s %-22s %-13s %s%n", b.service(), a.getAddress().getHostAddress() + ":" + a.getPort(),
                    b.listener().mode() == TlsMode.IMPLICIT ? "implicit TLS" : "STARTTLS", role(b.service()));
        }
        for (var h : s.http()) {
            var a = h.address();
            out.printf("    %-12s %-22s %-13s %s%n", "autoconfig", a.getAddress().getHostAddress() + ":" + a.getPort(),
                    "", "client setup for Thunderbird, Outlook, Apple Mail");
        }
        for (var m : s.metricsHttp()) {
            var a = m.address();
            out.printf("    %-12s %-22s %-13s %s%n", "metrics", a.getAddress().getHostAddress() + ":" + a.getPort(),
                    "plain HTTP", "Prometheus GET /metrics, no authentication");
        }
        if (s.listeners().isEmpty()) out.println("    (nothing: every [listen] list is empty)");
        clientSettings(s, out);
        out.println("  inbound       " + String.join(" -> ", s.pipeline().stages().stream().map(st -> st.name()).toList())
                + " -> store");
        for (var st : s.pipeline().stages()) {
            if (st instanceof org.tegami.delivery.AuthenticationStage auth) {
                for (String line : auth.describe()) out.println("  senders       " + line);
            }
            if (st instanceof org.tegami.delivery.abuse.DnsblStage dnsbl) {
                for (String line : dnsbl.describe()) out.println("  dnsbl         " + line);
            }
            if (st instanceof org.tegami.delivery.abuse.GreylistStage grey) {
                for (String line : grey.describe()) out.println("  greylisting   " + line);
            }
            if (st instanceof org.tegami.delivery.abuse.RspamdStage rspamd) {
                for (String line : rspamd.describe()) out.println("  rspamd        " + line);
            }
            if (st instanceof org.tegami.delivery.spam.SpamStage spam) {
                for (String line : spam.describe()) out.println("  spam          " + line);
            }
        }
        if (s.forwarder() != null) out.println("  forwarding    " + s.forwarder().describe());
        int sources = s.store().fetchSources().sources(java.util.Optional.empty()).size();
        out.println("  fetch         " + (cfg.fetch().enabled() ? "every " + cfg.fetch().interval().toMinutes() + " min, "
                + sources + " source" + (sources == 1 ? "" : "s") + " (tegami fetch list)"
                : "off ([fetch] enabled = false; " + sources + " source" + (sources == 1 ? "" : "s") + " not polled)"));
        CertificateInfo c = s.tls().info();
        out.println("  certificate   " + c.subject() + " (issuer " + c.issuer() + "), valid until " + DATE.format(c.notAfter()));
        if (s.acme().isPresent()) {
            // ADR 0019: the self-signed certificate only until the CA's arrives (obtained in the background)
            out.println("  acme          " + cfg.acme().orElseThrow().directory() + (c.selfSigned()
                    ? ": obtaining a certificate (self-signed until then; failures are logged with the fix)"
                    : ": renewal due " + DATE.format(org.tegami.server.acme.AcmeManager.renewalDue(
                            s.tls().certificateChain().getFirst()))));
        } else if (c.selfSigned() && cfg.hostname().equals("localhost")) {
            out.println("  WARNING       the certificate is self-signed: fine for a local trial; clients ask once to accept it.");
        } else if (c.selfSigned()) {
            out.println("  WARNING       the certificate is self-signed: clients will warn. Set [tls] cert and key to"
                    + " certbot's fullchain.pem and privkey.pem for " + cfg.hostname() + ".");
        }
        if (c.isExpired(now)) {
            out.println("  WARNING       the certificate EXPIRED on " + DATE.format(c.notAfter()) + ": renew it (certbot renew).");
        } else if (c.expiresWithin(Duration.ofDays(14), now)) {
            out.println("  WARNING       the certificate expires on " + DATE.format(c.notAfter())
                    + ", within 14 days: renew it (certbot renew); Tegami picks up the new files without a restart.");
        }
        var accounts = s.store().accounts();
        int domains = accounts.domains().size();
        int users = accounts.userCount();
        out.println("  accounts      " + domains + " domain(s), " + users + " user(s)");
        if (domains == 0) out.println("                add one: tegami domain add example.com");
        if (users == 0) out.println("                add a user: tegami user add alice@example.com");
    }

    /** The table a provider's help page would show, from the listeners really bound. */
    private static void clientSettings(TegamiServer s, PrintStream out) {
        // IMAP first: it keeps mail on the server for every device; POP3 downloads the INBOX to one
        String[][] rows = {{"incoming", "IMAP", "imaps", "SSL/TLS"}, {"incoming", "IMAP", "imap", "STARTTLS"},
                {"incoming", "POP3", "pop3s", "SSL/TLS"}, {"incoming", "POP3", "pop3", "STARTTLS"},
                {"outgoing", "SMTP", "submissions", "SSL/TLS"}, {"outgoing", "SMTP", "submission", "STARTTLS"}};
        out.println("  mail client settings (user name: the full email address; password: normal)");
        String last = "";
        for (String[] r : rows) {
            var b = s.listeners().stream().filter(x -> x.service().equals(r[2])).findFirst();
            if (b.isEmpty()) continue;
            out.printf("    %-9s %-5s %-28s port %-5d %s%n", r[0].equals(last) ? "" : r[0], r[1],
                    clientHost(s.config().hostname(), b.get().listener().address()), b.get().listener().port(), r[3]);
            last = r[0];
        }
        if (last.isEmpty()) out.println("    (none: no submission, submissions, pop3, pop3s, imap or imaps listener is configured)");
    }

    /**
     * The server name a client should enter: the hostname (the certificate's name), except for a loopback listener,
     * where "localhost" may resolve to ::1 first while only 127.0.0.1 is bound.
     */
    static String clientHost(String hostname, java.net.InetSocketAddress bound) {
        return bound.getAddress().isLoopbackAddress() ? bound.getAddress().getHostAddress() : hostname;
    }

    private static String role(String service) {
        return switch (service) {
            case "smtp" -> "inbound MX: mail for local domains, no AUTH";
            case "submission", "submissions" -> "mail submission: AUTH required (over TLS)";
            case "pop3", "pop3s" -> "POP3: INBOX download (login over TLS only)";
            case "imap", "imaps" -> "IMAP4rev2/rev1 mailboxes (login over TLS only)";
            case "managesieve" -> "ManageSieve: users' Sieve filter scripts (login over TLS only)";
            default -> "";
        };
    }
}
