package org.tegami.mailauth.dmarc;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.tegami.mailauth.AuthenticationResult;
import org.tegami.mailauth.dkim.DkimVerdict;

/**
 * One row of a DMARC aggregate report (RFC 7489 §7.2, Appendix C {@code RecordType}): what one kind of message from
 * one source did; messages alike are counted together. Every text field is reduced to the characters a domain name,
 * selector or IP address has (anything else becomes {@code ?}), so a row is safe to store as one line and to write
 * into XML.
 *
 * @param sourceIp      the sending client's address
 * @param headerFrom    the RFC5322.From domain
 * @param envelopeFrom  the MAIL FROM domain (empty for the null sender)
 * @param disposition   what we did: none, quarantine or reject
 * @param dkimAligned   DMARC's DKIM result: an aligned signature passed
 * @param spfAligned    DMARC's SPF result: an aligned SPF pass
 * @param override      why the disposition differs from the policy, a {@code PolicyOverrideType} such as
 *                      {@code trusted_forwarder} or {@code local_policy}, or empty
 * @param dkim          the DKIM signatures checked, at most {@link #MAX_DKIM}
 * @param spfDomain     the domain SPF checked
 * @param spfScope      {@code mfrom} or {@code helo}
 * @param spfResult     its result keyword
 */
public record ReportRow(String sourceIp, String headerFrom, String envelopeFrom, DmarcPolicy disposition,
                        boolean dkimAligned, boolean spfAligned, String override, List<Dkim> dkim, String spfDomain,
                        String spfScope, String spfResult) {
    /** Signatures listed per row: a message with dozens of signatures does not make a row of dozens. */
    public static final int MAX_DKIM = 4;

    /** One DKIM signature's result. */
    public record Dkim(String domain, String selector, String result) {
        public Dkim {
            domain = clean(domain);
            selector = clean(selector);
            result = clean(result);
        }
    }

    public ReportRow {
        sourceIp = clean(sourceIp);
        headerFrom = clean(headerFrom);
        envelopeFrom = clean(envelopeFrom);
        override = clean(override);
        dkim = List.copyOf(dkim.subList(0, Math.min(MAX_DKIM, dkim.size())));
        spfDomain = clean(spfDomain);
        spfScope = clean(spfScope);
        spfResult = clean(spfResult);
    }

    /**
     * The row for one message.
     *
     * @param applied  the disposition we applied
     * @param override why it differs from the policy, or empty
     */
    public static ReportRow of(AuthenticationResult r, InetAddress client, String mailFrom, DmarcPolicy applied,
                               Optional<String> override) {
        List<Dkim> dkim = new ArrayList<>();
        for (DkimVerdict v : r.dkim()) {
            if (!v.domain().isEmpty()) dkim.add(new Dkim(v.domain(), v.selector(), v.result().keyword()));
        }
        int at = mailFrom == null ? -1 : mailFrom.lastIndexOf('@');
        String envelope = mailFrom == null || mailFrom.isEmpty() ? "" : mailFrom.substring(at + 1);
        boolean helo = mailFrom == null || mailFrom.isEmpty();
        return new ReportRow(client.getHostAddress(), r.dmarc().fromDomain(), envelope, applied, r.dmarc().dkimAligned(),
                r.dmarc().spfAligned(), override.orElse(""), dkim, r.spf().domain(), helo ? "helo" : "mfrom",
                r.spf().result().keyword());
    }

    /** The row as one line of tab-separated fields, for storage; {@link #decode} reads it back. */
    public String encode() {
        StringBuilder d = new StringBuilder();
        for (Dkim k : dkim) {
            if (!d.isEmpty()) d.append(' ');
            d.append(k.domain()).append('/').append(k.selector()).append('/').append(k.result());
        }
        return String.join("\t", sourceIp, headerFrom, envelopeFrom, disposition.keyword(), dkimAligned ? "pass" : "fail",
                spfAligned ? "pass" : "fail", override, d, spfDomain, spfScope, spfResult);
    }

    /** A row from {@link #encode}; empty for a line that is not one. */
    public static Optional<ReportRow> decode(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 11) return Optional.empty();
        DmarcPolicy disposition = DmarcPolicy.parse(f[3]);
        if (disposition == null) return Optional.empty();
        List<Dkim> dkim = new ArrayList<>();
        if (!f[7].isEmpty()) {
            for (String k : f[7].split(" ")) {
                String[] p = k.split("/", -1);
                if (p.length != 3) return Optional.empty();
                dkim.add(new Dkim(p[0], p[1], p[2]));
            }
        }
        return Optional.of(new ReportRow(f[0], f[1], f[2], disposition, "pass".equals(f[4]), "pass".equals(f[5]), f[6],
                dkim, f[8], f[9], f[10]));
    }

    /** Letters, digits, '.', '-', '_' and ':' (IPv6) kept, lower-cased, at most 255; anything else becomes '?'. */
    static String clean(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(Math.min(s.length(), 255));
        for (int i = 0; i < s.length() && b.length() < 255; i++) {
            char c = s.charAt(i);
            b.append(c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == ':') ? c : '?');
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }
}
