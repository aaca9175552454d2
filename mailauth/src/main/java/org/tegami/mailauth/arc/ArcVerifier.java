package org.tegami.mailauth.arc;

import java.io.IOException;
import java.io.InputStream;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tegami.mailauth.HeaderSection;
import org.tegami.mailauth.dkim.BodyHasher;
import org.tegami.mailauth.dkim.Canonicalization;
import org.tegami.mailauth.dkim.DkimResult;
import org.tegami.mailauth.dkim.DkimSignature;
import org.tegami.mailauth.dkim.DkimSyntaxException;
import org.tegami.mailauth.dkim.DkimVerdict;
import org.tegami.mailauth.dkim.DkimVerifier;
import org.tegami.mailauth.dns.Dns;

/**
 * Validates an ARC chain (RFC 8617 §5.2): the sets are complete and numbered 1..N (N ≤ 50), the newest seal
 * does not say cv=fail, instance 1 says cv=none and the others cv=pass, the newest ARC-Message-Signature
 * verifies, and every ARC-Seal verifies over the sets up to its own. Older AMS are checked for
 * {@link ArcVerdict#oldestPass()} only. Key lookups per message: at most 2 × N.
 */
public final class ArcVerifier {
    private final Dns dns;
    private final DkimVerifier dkim;

    public ArcVerifier(Dns dns, InstantSource clock) {
        this.dns = dns;
        this.dkim = new DkimVerifier(dns, clock);
    }

    /** Validates the chain of a message read from {@code message} to its end. */
    public ArcVerdict verify(InputStream message) throws IOException {
        HeaderSection h = HeaderSection.read(message);
        Job job = start(h);
        DkimVerifier.feed(message, job.hashers());
        return job.finish();
    }

    private record Set(int instance, String aar, String aarRest, String ams, DkimSignature amsSig, String seal, ArcSeal sealSig) {}

    /** A validation waiting for its body; feed {@link #hashers()}, then {@link #finish()}. */
    public final class Job {
        private final HeaderSection headers;
        private final List<Set> sets;
        private final ArcVerdict early;
        private final Map<String, BodyHasher> hashers = new LinkedHashMap<>();

        private Job(HeaderSection headers, List<Set> sets, ArcVerdict early) {
            this.headers = headers;
            this.sets = sets;
            this.early = early;
            if (early == null) {
                for (Set s : sets) hashers.computeIfAbsent(DkimVerifier.bodyKey(s.amsSig()), k -> new BodyHasher(s.amsSig().bodyCanon(), s.amsSig().length()));
            }
        }

        public Collection<BodyHasher> hashers() {
            return hashers.values();
        }

        public ArcVerdict finish() {
            return early != null ? early : validate(headers, sets, hashers);
        }
    }

    private static ArcVerdict fail(String reason) {
        return new ArcVerdict(ArcResult.FAIL, 0, -1, List.of(), reason);
    }

    /** Collects and checks the structure of the chain (RFC 8617 §5.2 steps 1-3). */
    public Job start(HeaderSection h) {
        Map<Integer, String[]> byInstance = new HashMap<>(); // aar, ams, seal
        int count = 0;
        for (String f : h.fields()) {
            int kind = switch (HeaderSection.name(f)) {
                case "arc-authentication-results" -> 0;
                case "arc-message-signature" -> 1;
                case "arc-seal" -> 2;
                default -> -1;
            };
            if (kind < 0) continue;
            if (++count > 3 * ArcSeal.MAX_INSTANCE) return new Job(h, List.of(), fail("more than " + ArcSeal.MAX_INSTANCE + " ARC sets"));
            int i;
            try {
                String v = HeaderSection.value(f);
                i = kind == 0 ? (Integer) ArcSeal.aar(v)[0] : ArcSeal.instance(tagI(v));
            } catch (DkimSyntaxException e) {
                return new Job(h, List.of(), fail(e.getMessage()));
            }
            String[] slot = byInstance.computeIfAbsent(i, k -> new String[3]);
            if (slot[kind] != null) return new Job(h, List.of(), fail("two ARC header fields of one kind for i=" + i));
            slot[kind] = f;
        }
        if (count == 0) return new Job(h, List.of(), new ArcVerdict(ArcResult.NONE, 0, -1, List.of(), "no ARC sets"));
        int n = byInstance.size();
        List<Set> sets = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String[] slot = byInstance.get(i);
            // RFC 8617 §5.2 step 2: instances 1..N, each with all three fields
            if (slot == null || slot[0] == null || slot[1] == null || slot[2] == null) return new Job(h, List.of(), fail("incomplete ARC set i=" + i));
            try {
                DkimSignature ams = DkimSignature.parse(HeaderSection.value(slot[1]), true);
                ArcSeal seal = ArcSeal.parse(HeaderSection.value(slot[2]));
                // RFC 8617 §5.2 step 3-4: the newest cv is not fail; i=1 has cv=none, later ones cv=pass
                ArcResult want = i == 1 ? ArcResult.NONE : ArcResult.PASS;
                if (seal.cv() != want) return new Job(h, List.of(), fail("ARC-Seal i=" + i + " has cv=" + seal.cv().keyword()));
                sets.add(new Set(i, slot[0], (String) ArcSeal.aar(HeaderSection.value(slot[0]))[1], slot[1], ams, slot[2], seal));
            } catch (DkimSyntaxException e) {
                return new Job(h, List.of(), fail("ARC set i=" + i + ": " + e.getMessage()));
            }
        }
        return new Job(h, sets, null);
    }

    /** The i= of an AMS or ARC-Seal value, before full parsing. */
    private static String tagI(String value) throws DkimSyntaxException {
        return org.tegami.mailauth.dkim.TagList.parse(value).get("i");
    }

    private ArcVerdict validate(HeaderSection h, List<Set> sets, Map<String, BodyHasher> hashers) {
        int n = sets.size();
        Set newest = sets.getLast();
        DkimVerdict ams = dkim.check(newest.amsSig(), newest.ams(), h, hashers.get(DkimVerifier.bodyKey(newest.amsSig())));
        if (ams.result() != DkimResult.PASS) return fail("ARC-Message-Signature i=" + n + ": " + ams.reason());
        int oldestPass = 0;
        for (int i = n - 1; i >= 1; i--) { // RFC 8617 §5.2 step 5
            Set s = sets.get(i - 1);
            if (dkim.check(s.amsSig(), s.ams(), h, hashers.get(DkimVerifier.bodyKey(s.amsSig()))).result() != DkimResult.PASS) {
                oldestPass = i + 1;
                break;
            }
        }
        for (int i = n; i >= 1; i--) { // RFC 8617 §5.2 step 6
            ArcSeal seal = sets.get(i - 1).sealSig();
            String problem = checkSeal(sets, i);
            if (problem != null) return fail("ARC-Seal i=" + i + " (" + seal.domain() + "): " + problem);
        }
        List<ArcVerdict.Hop> hops = sets.stream().map(s -> new ArcVerdict.Hop(s.instance(), s.sealSig().domain(), s.aarRest())).toList();
        return new ArcVerdict(ArcResult.PASS, n, oldestPass, hops, "chain of " + n + " validated");
    }

    /** Verifies seal {@code i}: null when good, else why not. */
    private String checkSeal(List<Set> sets, int i) {
        ArcSeal seal = sets.get(i - 1).sealSig();
        byte[] data = sealData(sets.subList(0, i).stream().map(s -> new String[] {s.aar(), s.ams(), s.seal()}).toList());
        DkimVerifier.KeyResult k = DkimVerifier.key(dns, seal.selector() + "._domainkey." + seal.domain(),
                seal.algorithm().startsWith("ed25519") ? "ed25519" : "rsa", seal.algorithm());
        if (k instanceof DkimVerifier.KeyResult.Error e) return e.reason();
        var key = ((DkimVerifier.KeyResult.Found) k).key().key();
        return DkimVerifier.verifyBytes(seal.algorithm(), key, data, seal.signature()) ? null : "signature did not verify";
    }

    /**
     * What an ARC-Seal signs (RFC 8617 §5.1.1): the sets up to its own, oldest first, each as AAR, AMS, AS in
     * relaxed header canonicalization, the last seal with its b= emptied and without the final CRLF.
     */
    static byte[] sealData(List<String[]> sets) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < sets.size(); j++) {
            String[] s = sets.get(j);
            sb.append(Canonicalization.RELAXED.header(s[0])).append("\r\n");
            sb.append(Canonicalization.RELAXED.header(s[1])).append("\r\n");
            if (j < sets.size() - 1) sb.append(Canonicalization.RELAXED.header(s[2])).append("\r\n");
            else sb.append(Canonicalization.RELAXED.header(DkimVerifier.withoutB(s[2])));
        }
        return HeaderSection.bytes(sb.toString());
    }
}
