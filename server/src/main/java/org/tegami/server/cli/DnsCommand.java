package org.tegami.server.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tegami.mime.EmailAddress;
import org.tegami.mailauth.dkim.DkimKey;
import org.tegami.mailauth.dkim.DkimKeys;
import org.tegami.server.config.TegamiConfig;
import org.tegami.server.http.ClientSettings;
import org.tegami.server.http.ClientSettings.Security;
import org.tegami.server.http.ClientSettings.Service;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code tegami dns DOMAIN}: the zone records a mail domain served by this server needs, ready to paste. */
@Command(name = "dns", mixinStandardHelpOptions = true,
        description = "Print the DNS records DOMAIN needs (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, SRV, autoconfig) in zone-file syntax.")
public final class DnsCommand implements Runnable {
    private static final DateTimeFormatter STS_ID = DateTimeFormatter.ofPattern("yyyyMMddHHmm", Locale.ROOT).withZone(ZoneOffset.UTC);

    @Mixin Cli.ConfigOption config;
    @Parameters(paramLabel = "DOMAIN") String domain;

    @Override
    public void run() {
        if (!EmailAddress.validDomain(domain) || domain.startsWith("[")) {
            throw new IllegalArgumentException("\"" + domain + "\" is not a domain name");
        }
        TegamiConfig cfg = config.load();
        String d = domain.toLowerCase(Locale.ROOT);
        var sieve = cfg.listen("managesieve");
        java.util.OptionalInt sievePort = sieve.isEmpty() || sieve.getFirst().getPort() == 0
                ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(sieve.getFirst().getPort());
        records(d, ClientSettings.from(cfg), new DkimKeys(cfg.dataDir()).forDomain(d), Instant.now(), sievePort,
                ourCertificate(cfg)).forEach(System.out::println);
    }

    /**
     * The records as zone-file lines (comments start with {@code ;}). Pure: the same inputs give the same text.
     *
     * @param dkim the domain's signing keys; empty: a note on how to create them
     * @param now the MTA-STS policy id is its UTC minute, so re-running after a policy change yields a new id
     */
    public static List<String> records(String domain, ClientSettings s, List<DkimKey> dkim, Instant now) {
        return records(domain, s, dkim, now, java.util.OptionalInt.empty());
    }

    /** As {@link #records(String, ClientSettings, List, Instant)}, with the ManageSieve port when it listens. */
    public static List<String> records(String domain, ClientSettings s, List<DkimKey> dkim, Instant now,
                                       java.util.OptionalInt managesieve) {
        return records(domain, s, dkim, now, managesieve, java.util.Optional.empty());
    }

    /**
     * Our certificate's leaf: the configured one, or the self-signed one once the server has created it (DANE-EE
     * needs no CA, RFC 7672 §3.1.1); empty when neither can be read.
     */
    static java.util.Optional<java.security.cert.X509Certificate> ourCertificate(TegamiConfig cfg) {
        return ourChain(cfg).stream().findFirst();
    }

    /** Our certificate chain, leaf first (see {@link #ourCertificate}); empty when it cannot be read. */
    static List<java.security.cert.X509Certificate> ourChain(TegamiConfig cfg) {
        try {
            if (cfg.tlsCert().isPresent()) {
                return org.tegami.net.tls.TlsContext.fromPem(cfg.tlsCert().get(), cfg.tlsKey().orElseThrow()).certificateChain();
            }
            if (java.nio.file.Files.exists(cfg.dataDir().resolve("tls/selfsigned-cert.pem"))) {
                return org.tegami.net.tls.TlsContext.selfSigned(cfg.dataDir(), cfg.hostname(),
                        java.time.InstantSource.system()).certificateChain();
            }
        } catch (RuntimeException e) {
            // no record then; 'tegami check' reports the certificate problem itself
        }
        return List.of();
    }

    /** As above, with our certificate's TLSA record (DANE, RFC 7672) when {@code leaf} is known. */
    public static List<String> records(String domain, ClientSettings s, List<DkimKey> dkim, Instant now,
                                       java.util.OptionalInt managesieve, java.util.Optional<java.security.cert.X509Certificate> leaf) {
        List<String> out = base(domain, s, dkim, now, managesieve);
        String host = s.hostname().toLowerCase(Locale.ROOT) + ".";
        out.add("");
        out.add("; DANE (RFC 7672): senders that validate DNSSEC accept only the key named here for " + host);
        out.add("; (the zone of " + host + " must be DNSSEC-signed for it to count). Before changing the key, publish the");
        out.add("; next key's record beside this one and wait for the TTL to pass; renewing with the same key");
        out.add("; (certbot --reuse-key) keeps the record valid.");
        if (leaf.isPresent()) {
            out.add("_25._tcp." + host + " IN TLSA " + org.tegami.queue.dane.Tlsa.daneEe311(leaf.get()));
        } else {
            out.add("; (no certificate yet: start the server once, or set [tls] cert and key, then run this again)");
        }
        return out;
    }

    private static List<String> base(String domain, ClientSettings s, List<DkimKey> dkim, Instant now,
                                     java.util.OptionalInt managesieve) {
        String d = domain + ".";
        String host = s.hostname().toLowerCase(Locale.ROOT) + ".";
        List<String> out = new ArrayList<>();
        out.add("; DNS records for " + domain + ", whose mail is served by " + s.hostname());
        out.add("");
        out.add("; Where other servers deliver mail for " + domain + " (RFC 5321 §5.1).");
        out.add(d + " IN MX 10 " + host);
        if (!s.inboundSmtp()) out.add("; warning: [listen] smtp is empty, so this server does not accept mail from the internet");
        out.add("; The server's own addresses (fill in; keep AAAA only if the server has IPv6):");
        out.add("; " + host + " IN A    <IPv4 address>");
        out.add("; " + host + " IN AAAA <IPv6 address>");
        out.add("; PTR: the reverse DNS of those addresses should be " + host + " (set at your hosting provider);");
        out.add(";      many receivers distrust mail from an address whose PTR does not match.");
        out.add("");
        out.add("; SPF (RFC 7208): only the MX hosts send mail from " + domain + ".");
        out.add(d + " IN TXT \"v=spf1 mx -all\"");
        if (dkim.isEmpty()) {
            out.add("; DKIM: no signing key yet; run 'tegami dkim generate " + domain + "' and publish the records it prints.");
        } else {
            out.add("; DKIM (RFC 6376): the public halves of the signing keys.");
            dkim.forEach(k -> out.add(k.dnsName() + ". IN TXT ( " + quoted(k.dnsRecord()) + " )"));
        }
        out.add("; DMARC (RFC 7489): quarantine mail that fails SPF and DKIM; aggregate reports to postmaster.");
        out.add("_dmarc." + d + " IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@" + domain + "\"");
        out.add("");
        out.add("; MTA-STS (RFC 8461): senders must use TLS to reach the MX. Change the id whenever the policy changes.");
        out.add("_mta-sts." + d + " IN TXT \"v=STSv1; id=" + STS_ID.format(now) + "\"");
        out.add("mta-sts." + d + " IN CNAME " + host);
        out.add("; Serve this as https://mta-sts." + domain + "/.well-known/mta-sts.txt (certificate must name mta-sts." + domain + ");");
        out.add("; switch mode to enforce once the TLS reports show no failures:");
        out.add(";   version: STSv1");
        out.add(";   mode: testing");
        out.add(";   mx: " + s.hostname().toLowerCase(Locale.ROOT));
        out.add(";   max_age: 604800");
        out.add("; TLS-RPT (RFC 8460): daily reports of TLS failures, shown by `tegami tls-report`. Give the address a mailbox:");
        out.add(";   tegami alias add tlsrpt@" + domain + " postmaster@" + domain);
        out.add("_smtp._tls." + d + " IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@" + domain + "\"");
        out.add("");
        out.add("; Client service discovery (RFC 6186, RFC 8314 §5.1): implicit TLS first; \"0 0 0 .\" = not offered (RFC 6186 §3.4).");
        for (Service svc : new Service[] {Service.SUBMISSIONS, Service.SUBMISSION, Service.IMAPS, Service.IMAP, Service.POP3S, Service.POP3}) {
            String name = "_" + svc.configKey() + "._tcp." + d;
            var port = s.port(svc);
            out.add(port.isPresent()
                    ? name + " IN SRV " + (svc.security() == Security.SSL ? 0 : 10) + " 1 " + port.getAsInt() + " " + host
                    : name + " IN SRV 0 0 0 .");
        }
        if (managesieve.isPresent()) {
            out.add("; ManageSieve (RFC 5804 §1.8): where mail clients edit their filter rules (STARTTLS).");
            out.add("_sieve._tcp." + d + " IN SRV 0 1 " + managesieve.getAsInt() + " " + host);
        }
        out.add("; Automatic client setup (Thunderbird autoconfig, Outlook Autodiscover), served by the http/https listeners;");
        out.add("; the certificate must also name autoconfig." + domain + " and autodiscover." + domain + ".");
        out.add("autoconfig." + d + " IN CNAME " + host);
        out.add("autodiscover." + d + " IN CNAME " + host);
        out.add("_autodiscover._tcp." + d + " IN SRV 0 1 443 " + host);
        return out;
    }

    /** TXT character-strings hold at most 255 octets; zone files accept several quoted strings (RFC 7208 §3.3). */
    private static String quoted(String record) {
        StringBuilder q = new StringBuilder();
        for (int i = 0; i < record.length(); i += 250) {
            if (i > 0) q.append(' ');
            q.append('"').append(record, i, Math.min(record.length(), i + 250)).append('"');
        }
        return q.toString();
    }
}
