package org.tegami.mailauth.dmarc;

import java.util.List;
import java.util.Locale;
import org.tegami.mailauth.dkim.DkimSyntaxException;
import org.tegami.mailauth.dkim.TagList;

/**
 * A DMARC policy record (RFC 7489 §6.3, with DMARCbis's np= and t=). Tags we do not use (ruf, fo, rf, ri)
 * are skipped; an invalid value of an optional tag falls back to its default (§6.3 "syntax errors in the
 * remainder of the record SHOULD be discarded in favor of default values").
 *
 * @param sp       policy for subdomains (defaults to p)
 * @param np       DMARCbis: policy for non-existent subdomains (defaults to sp)
 * @param pct      percentage of failing mail the policy applies to (RFC 7489; DMARCbis drops it)
 * @param testing  DMARCbis t=y: apply the policy one step weaker
 * @param rua      where the domain wants aggregate reports: its {@code mailto:} URIs (RFC 7489 §6.4), at most
 *                 {@link ReportUri#MAX_URIS}
 */
public record DmarcRecord(DmarcPolicy p, DmarcPolicy sp, DmarcPolicy np, boolean strictDkim, boolean strictSpf, int pct,
        boolean testing, List<ReportUri> rua) {
    public DmarcRecord {
        rua = List.copyOf(rua);
    }

    /** The longest record accepted. */
    public static final int MAX_LENGTH = 4096;

    /** True for a TXT record that is a DMARC record: it starts with the v=DMARC1 tag (RFC 7489 §6.6.3). */
    public static boolean isDmarc(String txt) {
        return txt.matches("(?s)v[ \t]*=[ \t]*DMARC1[ \t]*(;.*)?");
    }

    public static DmarcRecord parse(String txt) throws DkimSyntaxException {
        if (txt.length() > MAX_LENGTH) throw new DkimSyntaxException("DMARC record longer than " + MAX_LENGTH);
        if (!isDmarc(txt)) throw new DkimSyntaxException("not a DMARC record");
        TagList t = TagList.parse(txt);
        DmarcPolicy p = DmarcPolicy.parse(t.get("p"));
        if (p == null) {
            // RFC 7489 §6.6.3: without a valid p=, a record with rua= counts as p=none; otherwise there is none.
            if (t.get("rua") != null && !t.get("rua").isBlank()) p = DmarcPolicy.NONE;
            else throw new DkimSyntaxException("no valid p=");
        }
        DmarcPolicy sp = DmarcPolicy.parse(t.get("sp"));
        if (sp == null) sp = p;
        DmarcPolicy np = DmarcPolicy.parse(t.get("np"));
        if (np == null) np = sp;
        int pct = 100;
        String v = t.get("pct");
        if (v != null && v.matches("[0-9]{1,3}") && Integer.parseInt(v) <= 100) pct = Integer.parseInt(v);
        return new DmarcRecord(p, sp, np, "s".equalsIgnoreCase(t.get("adkim")), "s".equalsIgnoreCase(t.get("aspf")), pct,
                "y".equals(lower(t.get("t"))), ReportUri.parseList(t.get("rua")));
    }

    /**
     * The record in its TXT form with the tags we keep (what {@link #parse} reads back to an equal record), for
     * storing the policy as it was published.
     */
    public String toText() {
        StringBuilder b = new StringBuilder("v=DMARC1; p=").append(p.keyword()).append("; sp=").append(sp.keyword())
                .append("; np=").append(np.keyword()).append("; adkim=").append(strictDkim ? 's' : 'r')
                .append("; aspf=").append(strictSpf ? 's' : 'r').append("; pct=").append(pct);
        if (testing) b.append("; t=y");
        for (int i = 0; i < rua.size(); i++) {
            ReportUri u = rua.get(i);
            b.append(i == 0 ? "; rua=" : ",").append("mailto:")
                    .append(u.address().replace("%", "%25").replace("!", "%21").replace(",", "%2C").replace(";", "%3B"));
            if (u.maxBytes() > 0) b.append('!').append(u.maxBytes());
        }
        return b.toString();
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
