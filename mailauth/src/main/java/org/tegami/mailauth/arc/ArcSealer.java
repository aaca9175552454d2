package org.tegami.mailauth.arc;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tegami.mailauth.HeaderSection;
import org.tegami.mailauth.dkim.BodyHasher;
import org.tegami.mailauth.dkim.Canonicalization;
import org.tegami.mailauth.dkim.DkimKey;
import org.tegami.mailauth.dkim.DkimSigner;
import org.tegami.mailauth.dkim.DkimVerifier;

/**
 * Adds an ARC set (RFC 8617 §5.1) for a forwarder: ARC-Authentication-Results with the results we recorded,
 * an ARC-Message-Signature (relaxed/relaxed, the headers {@link DkimSigner} signs) and an ARC-Seal over all
 * sets with the chain validation status we found.
 */
public final class ArcSealer {
    private ArcSealer() {}

    /**
     * The three fields of the next ARC set, each ending in CRLF, to prepend to the message.
     *
     * @param results     the authserv-id and results to record, e.g. {@code "mx.example.org; spf=pass smtp.mailfrom=a.test"}
     * @param chain       what validating the incoming chain gave ({@link ArcVerifier})
     * @param message     the message as it will be sent on, read to its end
     * @throws IllegalStateException when the chain already has 50 sets (RFC 8617 §4.2.1)
     */
    public static String seal(DkimKey key, String results, ArcVerdict chain, InputStream message, Instant now) throws IOException {
        HeaderSection h = HeaderSection.read(message);
        int i = (chain.result() == ArcResult.NONE ? 0 : highestInstance(h)) + 1;
        if (i > ArcSeal.MAX_INSTANCE) throw new IllegalStateException("the ARC chain is full");
        String bh = Base64.getEncoder().encodeToString(BodyHasher.hash(Canonicalization.RELAXED, message));
        String aar = "ARC-Authentication-Results: i=" + i + "; " + results.strip();

        List<String> fields = h.fields();
        Set<String> present = new HashSet<>();
        for (String f : fields) present.add(HeaderSection.name(f));
        List<String> names = new ArrayList<>();
        for (String n : DkimSigner.SIGNED) if (present.contains(n)) names.add(n);
        String amsValue = "i=" + i + "; a=" + key.algorithm().tag() + "; c=relaxed/relaxed; d=" + key.domain() + "; s=" + key.selector()
                + ";\r\n\tt=" + now.getEpochSecond() + "; h=" + String.join(":", names) + ";\r\n\tbh=" + bh + "; b=";
        byte[] amsData = DkimVerifier.headerData(h, names, Canonicalization.RELAXED, "ARC-Message-Signature: " + amsValue);
        String ams = "ARC-Message-Signature: " + amsValue + DkimSigner.fold(Base64.getEncoder().encodeToString(DkimSigner.signBytes(key, amsData)));

        ArcResult cv = i == 1 ? ArcResult.NONE : chain.result() == ArcResult.PASS ? ArcResult.PASS : ArcResult.FAIL;
        String asValue = "i=" + i + "; a=" + key.algorithm().tag() + "; t=" + now.getEpochSecond() + "; cv=" + cv.keyword()
                + "; d=" + key.domain() + "; s=" + key.selector() + ";\r\n\tb=";
        List<String[]> sets = new ArrayList<>(existingSets(h, i - 1));
        sets.add(new String[] {aar, ams, "ARC-Seal: " + asValue});
        String seal = "ARC-Seal: " + asValue + DkimSigner.fold(Base64.getEncoder().encodeToString(DkimSigner.signBytes(key, ArcVerifier.sealData(sets))));
        return seal + "\r\n" + ams + "\r\n" + aar + "\r\n";
    }

    private static int highestInstance(HeaderSection h) {
        int max = 0;
        for (String f : h.all("arc-seal")) {
            try {
                max = Math.max(max, ArcSeal.parse(HeaderSection.value(f)).instance());
            } catch (Exception e) {
                // an unreadable seal: the chain is failed anyway
            }
        }
        return max;
    }

    private static List<String[]> existingSets(HeaderSection h, int n) {
        List<String[]> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String[] s = new String[3];
            for (String f : h.fields()) {
                String name = HeaderSection.name(f);
                String v = HeaderSection.value(f);
                try {
                    if (name.equals("arc-authentication-results") && (Integer) ArcSeal.aar(v)[0] == i) s[0] = f;
                    if (name.equals("arc-message-signature") && ArcSeal.instance(org.tegami.mailauth.dkim.TagList.parse(v).get("i")) == i) s[1] = f;
                    if (name.equals("arc-seal") && ArcSeal.parse(v).instance() == i) s[2] = f;
                } catch (Exception e) {
                    // skipped: the verifier reports broken sets
                }
            }
            if (s[0] != null && s[1] != null && s[2] != null) out.add(s);
        }
        return out;
    }
}
