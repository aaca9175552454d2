package org.tegami.server.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.tegami.net.tls.CertificateInfo;
import org.tegami.net.tls.TlsContext;
import org.tegami.queue.MxResolver;
import org.tegami.mailauth.dkim.DkimKey;
import org.tegami.mailauth.dkim.DkimKeys;
import org.tegami.server.config.TegamiConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tegami check [DOMAIN]}: resolves the records a mail domain needs through the configured resolver and says,
 * per record, ok / missing / wrong with what was expected: among them our own SPF (present, not allowing everyone),
 * the DKIM key we sign with published as it is, and DMARC. Without DOMAIN, every local domain in turn. Exits 1
 * when a required record is missing or wrong.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Check DOMAIN's (default: every local domain's) DNS records and this server's certificate;"
                + " exit 1 when something required is wrong.")
public final class CheckCommand implements Callable<Integer> {
    @Mixin Cli.ConfigOption config;
    @Parameters(paramLabel = "DOMAIN", arity = "0..1") String domain;

    enum Verdict { OK, MISSING, WRONG }

    /** One line of the report; {@code required} findings decide the exit code. */
    record Finding(Verdict verdict, String what, String detail, boolean required) {
        @Override
        public String toString() {
            String v = verdict.name().toLowerCase(Locale.ROOT) + (required || verdict == Verdict.OK ? "" : " (recommended)");
            return String.format("%-22s %-9s %s", v, what, detail);
        }
    }

    @Override
    public Integer call() {
        TegamiConfig cfg = config.load();
        List<String> domains;
        if (domain != null) {
            domains = List.of(domain.toLowerCase(Locale.ROOT));
        } else {
            try (var store = config.openStore()) {
                domains = store.accounts().domains();
            }
            if (domains.isEmpty()) {
                System.out.println("No local domains yet: add one with 'tegami domain add', or name one: tegami check DOMAIN");
                return 1;
            }
        }
        MxResolver dns = new MxResolver(cfg.nameservers());
        boolean failed = false;
        for (String d : domains) {
            if (domains.size() > 1) System.out.println("== " + d);
            List<Finding> findings = check(cfg, d, dns, InstantSource.system());
            findings.forEach(System.out::println);
            boolean bad = findings.stream().anyMatch(f -> f.required() && f.verdict() != Verdict.OK);
            System.out.println(bad ? "Some required records are missing or wrong: see 'tegami dns " + d + "' for the values."
                    : "All required records are in place.");
            failed |= bad;
        }
        return failed ? 1 : 0;
    }

    /** Whether an SPF record lets any host send: a final {@code all} with the {@code +} qualifier, written or not (RFC 7208 §4.6.2). */
    static boolean allowsAnyone(String spf) {
        for (String term : spf.trim().split("\\s+")) {
            if (term.equalsIgnoreCase("+all") || term.equalsIgnoreCase("all")) return true;
        }
        return false;
    }

    static List<Finding> check(TegamiConfig cfg, String domain, MxResolver dns, InstantSource clock) {
        List<Finding> out = new ArrayList<>();
        String host = cfg.hostname().toLowerCase(Locale.ROOT);
        List<String> mx = dns.mxHosts(domain);
        out.add(mx.isEmpty() ? new Finding(Verdict.MISSING, "MX", domain + " has no MX record; expected: " + domain + ". MX 10 " + host + ".", true)
                : mx.contains(host) ? new Finding(Verdict.OK, "MX", domain + " -> " + String.join(", ", mx), true)
                : new Finding(Verdict.WRONG, "MX", domain + " -> " + String.join(", ", mx) + "; expected " + host, true));
        var addrs = dns.addresses(host);
        out.add(addrs.isEmpty() ? new Finding(Verdict.MISSING, "A/AAAA", host + " has no address record", true)
                : new Finding(Verdict.OK, "A/AAAA", host + " -> " + addrs.stream().map(a -> a.getHostAddress()).toList(), true));
        Optional<String> spf = dns.txt(domain, "v=spf1");
        out.add(spf.isEmpty() ? new Finding(Verdict.MISSING, "SPF", domain + " TXT \"v=spf1 mx -all\"", true)
                : allowsAnyone(spf.get()) ? new Finding(Verdict.WRONG, "SPF", "\"" + spf.get() + "\" allows anyone (+all); use \"v=spf1 mx -all\"", true)
                : new Finding(Verdict.OK, "SPF", "\"" + spf.get() + "\"", true));
        List<DkimKey> keys = new DkimKeys(cfg.dataDir()).forDomain(domain);
        if (keys.isEmpty()) {
            out.add(new Finding(Verdict.MISSING, "DKIM", "no signing key: run 'tegami dkim generate " + domain + "'", true));
        }
        for (DkimKey k : keys) {
            Optional<String> got = dns.txt(k.dnsName(), "v=DKIM1");
            out.add(got.isEmpty() ? new Finding(Verdict.MISSING, "DKIM", k.dnsName() + " TXT \"" + k.dnsRecord() + "\"", true)
                    : got.get().replace(" ", "").equals(k.dnsRecord().replace(" ", ""))
                    ? new Finding(Verdict.OK, "DKIM", k.dnsName(), true)
                    : new Finding(Verdict.WRONG, "DKIM", k.dnsName() + " publishes another key; expected \"" + k.dnsRecord() + "\"", true));
        }
        Optional<String> dmarc = dns.txt("_dmarc." + domain, "v=DMARC1");
        out.add(dmarc.isEmpty() ? new Finding(Verdict.MISSING, "DMARC", "_dmarc." + domain + " TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@" + domain + "\"", true)
                : new Finding(Verdict.OK, "DMARC", "\"" + dmarc.get() + "\"", true));
        Optional<String> sts = dns.txt("_mta-sts." + domain, "v=STSv1");
        out.add(sts.isEmpty() ? new Finding(Verdict.MISSING, "MTA-STS", "_mta-sts." + domain + " TXT \"v=STSv1; id=...\"", false)
                : new Finding(Verdict.OK, "MTA-STS", "\"" + sts.get() + "\"", false));
        Optional<String> rpt = dns.txt("_smtp._tls." + domain, "v=TLSRPTv1");
        out.add(rpt.isEmpty() ? new Finding(Verdict.MISSING, "TLS-RPT", "_smtp._tls." + domain + " TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@" + domain + "\"", false)
                : new Finding(Verdict.OK, "TLS-RPT", "\"" + rpt.get() + "\"", false));
        // RFC 6186 / RFC 8314 §5.1: SRV records let clients find the services by themselves.
        for (String[] svc : new String[][] {{"submissions", "submissions"}, {"submission", "submission"}, {"imaps", "imaps"},
                {"imap", "imap"}, {"pop3s", "pop3s"}, {"pop3", "pop3"}}) {
            var listen = cfg.listen(svc[1]);
            if (listen.isEmpty()) continue;
            String name = "_" + svc[0] + "._tcp." + domain;
            String expected = "0 1 " + listen.getFirst().getPort() + " " + host;
            List<String> got = dns.srv(name);
            out.add(got.isEmpty() ? new Finding(Verdict.MISSING, "SRV", name + " SRV " + expected + ".", false)
                    : got.contains(expected) || got.stream().anyMatch(g -> g.endsWith(" " + listen.getFirst().getPort() + " " + host))
                    ? new Finding(Verdict.OK, "SRV", name + " -> " + got, false)
                    : new Finding(Verdict.WRONG, "SRV", name + " -> " + got + "; expected " + expected, false));
        }
        out.add(certificate(cfg, host, clock.instant()));
        out.add(dane(cfg, host, clock));
        return out;
    }

    /**
     * The TLSA records published for our host name against our certificate (RFC 7672 §3), when the configured
     * resolver lets us validate DNSSEC: a published record that matches nothing makes DANE senders keep our mail.
     */
    static Finding dane(TegamiConfig cfg, String host, InstantSource clock) {
        if (cfg.dnssecAnchors().isEmpty()) return new Finding(Verdict.OK, "DANE", "not checked ([dns] dane = false)", false);
        var dane = new org.tegami.queue.dane.Dane(new org.tegami.queue.dane.DnssecResolver(cfg.nameservers(),
                cfg.dnssecAnchors().get(), clock));
        if (!dane.available()) {
            return new Finding(Verdict.MISSING, "DANE", "TLSA not checked: the name servers give no DNSSEC-validated answers", false);
        }
        var leaf = DnsCommand.ourCertificate(cfg);
        String expected = "_25._tcp." + host + ". IN TLSA " + leaf.map(org.tegami.queue.dane.Tlsa::daneEe311).orElse("3 1 1 <key hash>");
        return switch (dane.tlsa(host)) {
            case org.tegami.queue.dane.Dane.HostPolicy.None n ->
                    new Finding(Verdict.MISSING, "DANE", "no DNSSEC-signed TLSA record (" + n.why() + "); " + expected, false);
            case org.tegami.queue.dane.Dane.HostPolicy.Defer d ->
                    new Finding(Verdict.WRONG, "DANE", d.reason() + ": DANE senders keep mail for " + host, true);
            case org.tegami.queue.dane.Dane.HostPolicy.Required r -> {
                if (!r.authenticated()) {
                    yield new Finding(Verdict.WRONG, "DANE", "only unusable TLSA records at _25._tcp." + host + " " + r.records() + "; " + expected, true);
                }
                if (leaf.isEmpty()) yield new Finding(Verdict.WRONG, "DANE", "TLSA published but our certificate cannot be read", true);
                try {
                    // the same check a DANE sender makes against the chain we present
                    new org.tegami.queue.dane.DaneTrustManager(r.records(), host)
                            .checkServerTrusted(DnsCommand.ourChain(cfg).toArray(new java.security.cert.X509Certificate[0]), "UNKNOWN");
                    yield new Finding(Verdict.OK, "DANE", "_25._tcp." + host + " " + r.records() + " matches our certificate", true);
                } catch (java.security.cert.CertificateException e) {
                    yield new Finding(Verdict.WRONG, "DANE", "_25._tcp." + host + " " + r.records()
                            + " does not match our certificate, so DANE senders keep our mail; expected " + expected, true);
                }
            }
        };
    }

    private static Finding certificate(TegamiConfig cfg, String host, Instant now) {
        if (cfg.tlsCert().isEmpty()) {
            return new Finding(Verdict.WRONG, "TLS", "no certificate configured (self-signed): set [tls] cert and key to"
                    + " certbot's fullchain.pem and privkey.pem for " + host, true);
        }
        CertificateInfo c = TlsContext.fromPem(cfg.tlsCert().get(), cfg.tlsKey().orElseThrow()).info();
        if (c.selfSigned()) return new Finding(Verdict.WRONG, "TLS", "the certificate is self-signed; clients will warn", true);
        if (c.isExpired(now)) return new Finding(Verdict.WRONG, "TLS", "the certificate expired on " + c.notAfter(), true);
        if (c.dnsNames().stream().noneMatch(n -> n.equalsIgnoreCase(host)
                || (n.startsWith("*.") && host.endsWith(n.substring(1)) && host.indexOf('.') == host.length() - n.length() + 1))) {
            return new Finding(Verdict.WRONG, "TLS", "the certificate names " + c.dnsNames() + ", not " + host, true);
        }
        String soon = c.expiresWithin(Duration.ofDays(14), now) ? " (expires within 14 days: renew)" : "";
        return new Finding(Verdict.OK, "TLS", c.subject() + ", valid until " + c.notAfter() + soon, true);
    }
}
