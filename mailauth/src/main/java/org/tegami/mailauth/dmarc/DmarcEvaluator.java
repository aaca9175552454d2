package org.tegami.mailauth.dmarc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.tegami.mailauth.HeaderSection;
import org.tegami.mailauth.dkim.DkimResult;
import org.tegami.mailauth.dkim.DkimSyntaxException;
import org.tegami.mailauth.dkim.DkimVerdict;
import org.tegami.mailauth.dns.Dns;
import org.tegami.mailauth.dns.DnsAnswer;
import org.tegami.mailauth.spf.SpfResult;
import org.tegami.mailauth.spf.SpfVerdict;
import org.tegami.mime.EmailAddress;
import org.tegami.mime.message.Authors;

/**
 * DMARC (RFC 7489) from the SPF and DKIM results: policy discovery at {@code _dmarc.<From domain>}, then at the
 * organizational domain (§6.6.3, with the Public Suffix List; DMARCbis replaces this with a DNS tree walk, which
 * we do not do), strict or relaxed alignment (§3.1), and the disposition from p=, sp=, DMARCbis np= (a From
 * domain that does not exist), pct= and DMARCbis t=y.
 *
 * <p>The From field is read strictly ({@link Authors}). A message without a From field or with several (RFC 5322
 * §3.6 allows exactly one) gets {@code permerror} and disposition {@code reject}: RFC 7489 §6.6.1 calls such
 * messages invalid and says they are "typically rejected", and accepting them would let the second From escape
 * the check. One From field with addresses in several domains is checked once per domain and the strictest
 * outcome wins (RFC 7489 §6.6.1).
 */
public final class DmarcEvaluator {
    /** Distinct From domains checked in one message; more is a permerror. */
    public static final int MAX_FROM_DOMAINS = 4;

    private final Dns dns;
    private final RandomGenerator random;

    /** @param random for pct= sampling */
    public DmarcEvaluator(Dns dns, RandomGenerator random) {
        this.dns = dns;
        this.random = random;
    }

    /** Checks a message: its From field(s) from the header section. */
    public DmarcVerdict evaluate(HeaderSection headers, SpfVerdict spf, List<DkimVerdict> dkim) {
        List<String> from = headers.all("from");
        StringBuilder sb = new StringBuilder();
        for (String f : from) sb.append(f).append("\r\n");
        byte[] bytes = HeaderSection.bytes(sb.toString());
        Authors.Result r = Authors.read(bytes, bytes.length);
        if (!(r instanceof Authors.Found found)) {
            String why = r instanceof Authors.Problem p ? switch (p.kind()) {
                case NO_FROM -> "no From field";
                case MANY_FROM -> p.fields() + " From fields";
                default -> "unreadable From field";
            } : "unreadable From field";
            // RFC 7489 §6.6.1, RFC 5322 §3.6: exactly one From field. Several (or one unreadable) could show the reader a
            // domain that was never checked: refused. None at all impersonates nobody; §6.6.1 leaves it to local
            // policy, and it is delivered with dmarc=permerror (a missing From is common in machine-made mail)
            boolean none = r instanceof Authors.Problem p && p.kind() == Authors.Kind.NO_FROM;
            return new DmarcVerdict(DmarcResult.PERMERROR, "", "", none ? DmarcPolicy.NONE : DmarcPolicy.REJECT,
                    Optional.empty(), false, false, List.of(why + " (RFC 5322 §3.6 requires exactly one)"));
        }
        Set<String> domains = new LinkedHashSet<>();
        for (EmailAddress a : found.from()) domains.add(a.domain().toLowerCase(Locale.ROOT));
        if (domains.size() > MAX_FROM_DOMAINS) {
            return new DmarcVerdict(DmarcResult.PERMERROR, "", "", DmarcPolicy.REJECT, Optional.empty(), false, false,
                    List.of("From addresses in more than " + MAX_FROM_DOMAINS + " domains"));
        }
        List<DmarcVerdict> all = new ArrayList<>();
        for (String d : domains) all.add(evaluate(d, spf, dkim));
        return all.stream().max(Comparator.comparing(DmarcVerdict::disposition).thenComparing(v -> severity(v.result()))).orElseThrow();
    }

    private static int severity(DmarcResult r) {
        return switch (r) {
            case PASS -> 0;
            case NONE -> 1;
            case PERMERROR -> 2;
            case TEMPERROR -> 3;
            case FAIL -> 4;
        };
    }

    /** Checks one From domain. */
    public DmarcVerdict evaluate(String fromDomain, SpfVerdict spf, List<DkimVerdict> dkim) {
        String from = fromDomain.toLowerCase(Locale.ROOT);
        List<String> reasons = new ArrayList<>();
        String org = OrganizationalDomain.of(from);
        Found f = discover(from, reasons);
        boolean sub = false;
        if (f == null && !org.equals(from)) { // RFC 7489 §6.6.3 step 3
            f = discover(org, reasons);
            sub = true;
        }
        if (f == null) return new DmarcVerdict(DmarcResult.NONE, from, "", DmarcPolicy.NONE, Optional.empty(), false, false, reasons);
        if (f.temp) return new DmarcVerdict(DmarcResult.TEMPERROR, from, f.domain, DmarcPolicy.NONE, Optional.empty(), false, false, reasons);
        DmarcRecord rec = f.record;
        boolean spfAligned = spf != null && spf.result() == SpfResult.PASS && aligned(spf.domain(), from, rec.strictSpf());
        boolean dkimAligned = false;
        for (DkimVerdict v : dkim) {
            if (v.result() == DkimResult.PASS && aligned(v.domain(), from, rec.strictDkim())) {
                dkimAligned = true;
                reasons.add("aligned DKIM signature of " + v.domain());
                break;
            }
        }
        if (spfAligned) reasons.add("aligned SPF pass for " + spf.domain());
        if (spfAligned || dkimAligned) {
            return new DmarcVerdict(DmarcResult.PASS, from, f.domain, DmarcPolicy.NONE, Optional.of(rec), spfAligned, dkimAligned, reasons);
        }
        reasons.add("no aligned SPF or DKIM pass");
        DmarcPolicy policy = rec.p();
        if (sub) {
            policy = rec.sp();
            if (rec.np() != rec.sp() && dns.a(from) instanceof DnsAnswer.Void<?> v && v.nxdomain()) {
                policy = rec.np(); // DMARCbis np=: the From domain does not exist
                reasons.add("From domain does not exist (np=)");
            }
        }
        if (rec.pct() < 100 && random.nextInt(100) >= rec.pct()) { // RFC 7489 §6.6.4
            policy = policy.weaker();
            reasons.add("outside pct=" + rec.pct() + " sample");
        }
        if (rec.testing()) {
            policy = policy.weaker();
            reasons.add("policy in testing (t=y)");
        }
        return new DmarcVerdict(DmarcResult.FAIL, from, f.domain, policy, Optional.of(rec), false, false, reasons);
    }

    private record Found(String domain, DmarcRecord record, boolean temp) {}

    /** The single DMARC record at {@code _dmarc.domain}, null when there is none usable, temp on DNS failure. */
    private Found discover(String domain, List<String> reasons) {
        DnsAnswer<String> a = dns.txt("_dmarc." + domain);
        if (a instanceof DnsAnswer.TempFail<String>) {
            reasons.add("DNS failure looking up _dmarc." + domain);
            return new Found(domain, null, true);
        }
        List<String> records = a.valuesOrEmpty().stream().filter(DmarcRecord::isDmarc).toList();
        if (records.size() != 1) {
            // RFC 7489 §6.6.3: several records mean no policy.
            if (records.size() > 1) reasons.add("several DMARC records at _dmarc." + domain);
            return null;
        }
        try {
            return new Found(domain, DmarcRecord.parse(records.getFirst()), false);
        } catch (DkimSyntaxException e) {
            reasons.add("invalid DMARC record at _dmarc." + domain + ": " + e.getMessage());
            return null;
        }
    }

    /** RFC 7489 §3.1: strict is the same name, relaxed the same organizational domain. */
    static boolean aligned(String authenticated, String from, boolean strict) {
        String a = authenticated.toLowerCase(Locale.ROOT);
        return strict ? a.equals(from) : OrganizationalDomain.relaxedAligned(a, from);
    }
}
