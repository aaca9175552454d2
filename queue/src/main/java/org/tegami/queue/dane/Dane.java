package org.tegami.queue.dane;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.tegami.mailauth.dns.Resolvers;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.Type;

/**
 * DANE for SMTP (RFC 7672): decides, per destination domain and MX host, whether TLSA records bind the host's
 * certificate. TLSA records are looked up only where the MX RRset and the host's address records validated
 * (§2.2.1, §2.2.2), and used only when they validated themselves (§2.2.3).
 */
public final class Dane {
    private static final Logger LOG = System.getLogger(Dane.class.getName());

    /** What DANE says about one MX host. */
    public sealed interface HostPolicy {
        /** No DANE for this host: deliver as without it (MTA-STS or opportunistic TLS). */
        record None(String why) implements HostPolicy {}

        /**
         * Usable TLSA records: TLS is mandatory and the certificate must match them (RFC 7672 §2.2); with
         * {@code records} empty (only unusable records) TLS is mandatory but unauthenticated (§2.2: "TLS is
         * required but the server need not be authenticated").
         */
        record Required(String host, List<Tlsa> records) implements HostPolicy {
            public boolean authenticated() {
                return !records.isEmpty();
            }

            /** A TLS context that checks the server against these records ({@link DaneTrustManager}). */
            public SSLContext context() {
                try {
                    SSLContext c = SSLContext.getInstance("TLS");
                    TrustManager tm = authenticated() ? new DaneTrustManager(records, host)
                            : new javax.net.ssl.X509TrustManager() {
                                @Override
                                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                                    // unusable records only: encryption without authentication (RFC 7672 §2.2)
                                }

                                @Override
                                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType)
                                        throws java.security.cert.CertificateException {
                                    throw new java.security.cert.CertificateException("not a server");
                                }

                                @Override
                                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                                    return new java.security.cert.X509Certificate[0];
                                }
                            };
                    c.init(null, new TrustManager[] {tm}, new SecureRandom());
                    return c;
                } catch (java.security.GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        /** The lookups failed or did not validate: try this host later, never without TLS (RFC 7672 §2.2). */
        record Defer(String reason) implements HostPolicy {}
    }

    /** Whether a domain's MX RRset validated (§2.2.1): DANE is considered for its hosts only then. */
    public enum MxSecurity { SECURE, INSECURE, BOGUS }

    private final DnssecResolver dns;
    private volatile boolean warned;

    public Dane(DnssecResolver dns) {
        this.dns = dns;
    }

    /** RFC 7672 §2.2.1: whether {@code domain}'s MX RRset (or proof that it has none) validated. */
    public MxSecurity mx(String domain) {
        if (!available()) return MxSecurity.INSECURE;
        Optional<Name> n = Resolvers.name(domain);
        if (n.isEmpty()) return MxSecurity.INSECURE;
        return switch (dns.lookup(n.get(), Type.MX)) {
            case DnssecResolver.Answer.Secure s -> MxSecurity.SECURE;
            case DnssecResolver.Answer.Insecure i -> MxSecurity.INSECURE;
            case DnssecResolver.Answer.Bogus b -> MxSecurity.BOGUS;
            // the same servers just answered the MX lookup: a validated one that fails now is treated as bogus,
            // or dropping it would switch DANE off (RFC 7672 §2.2.1)
            case DnssecResolver.Answer.Failed f -> MxSecurity.BOGUS;
        };
    }

    /** The DANE policy of MX host {@code host}, reached through an MX RRset whose security is {@code mx}. */
    public HostPolicy forHost(String host, MxSecurity mx) {
        if (mx == MxSecurity.BOGUS) return new HostPolicy.Defer("4.7.5 DANE: the MX records could not be validated (DNSSEC bogus or no answer)");
        if (mx != MxSecurity.SECURE) return new HostPolicy.None("MX records not DNSSEC-signed");
        Optional<Name> n = Resolvers.name(host);
        if (n.isEmpty()) return new HostPolicy.None("invalid host name");
        // RFC 7672 §2.2.2: TLSA records are looked up only when the host's address records are secure
        boolean secure = false;
        for (int type : new int[] {Type.A, Type.AAAA}) {
            switch (dns.lookup(n.get(), type)) {
                case DnssecResolver.Answer.Secure s -> secure |= !s.records().isEmpty();
                case DnssecResolver.Answer.Insecure i -> {
                    if (!i.records().isEmpty()) return new HostPolicy.None("address records of " + host + " not signed");
                }
                case DnssecResolver.Answer.Bogus b -> {
                    return new HostPolicy.Defer("4.7.5 DANE: address records of " + host + " did not validate: " + b.reason());
                }
                case DnssecResolver.Answer.Failed f -> {
                    return new HostPolicy.Defer("4.7.5 DANE: " + f.reason());
                }
            }
        }
        if (!secure) return new HostPolicy.None("address records of " + host + " not signed");
        return tlsa(host);
    }

    /** RFC 7672 §2.2.3: the TLSA RRset of {@code _25._tcp.<host>}. */
    public HostPolicy tlsa(String host) {
        Name base;
        try {
            base = Name.concatenate(Name.fromConstantString("_25._tcp"), Resolvers.name(host).orElseThrow());
        } catch (org.xbill.DNS.NameTooLongException | java.util.NoSuchElementException e) {
            return new HostPolicy.None("host name too long for a TLSA lookup");
        }
        return switch (dns.lookup(base, Type.TLSA)) {
            case DnssecResolver.Answer.Secure s -> {
                if (s.records().isEmpty()) yield new HostPolicy.None("no TLSA records at " + base);
                List<Tlsa> usable = new ArrayList<>();
                for (Record r : s.records()) {
                    if (r instanceof TLSARecord t && Tlsa.of(t).usable()) usable.add(Tlsa.of(t));
                }
                yield new HostPolicy.Required(host, usable);
            }
            case DnssecResolver.Answer.Insecure i -> new HostPolicy.None("TLSA records at " + base + " not signed");
            // RFC 7672 §2.2: a TLSA lookup that fails (bogus, or no answer) means delivery to this host is deferred
            case DnssecResolver.Answer.Bogus b -> new HostPolicy.Defer("4.7.5 DANE: TLSA records of " + host
                    + " did not validate (DNSSEC bogus): " + b.reason());
            case DnssecResolver.Answer.Failed f -> new HostPolicy.Defer("4.7.5 DANE: TLSA lookup for " + host + " failed: " + f.reason());
        };
    }

    /** The TLSA records published for {@code host}, validated; empty when none or not validated (for checks). */
    public Optional<List<Tlsa>> published(String host) {
        if (!available()) return Optional.empty();
        return tlsa(host) instanceof HostPolicy.Required r ? Optional.of(r.records()) : Optional.empty();
    }

    public boolean available() {
        boolean ok = dns.available();
        if (!ok && !warned) {
            warned = true;
            LOG.log(Level.WARNING, "DANE not applied: the name servers give no validated answer for the DNSSEC trust"
                    + " anchor (they strip DNSSEC records or do not answer); see [dns] in the README");
        } else if (ok) {
            warned = false;
        }
        return ok;
    }
}
