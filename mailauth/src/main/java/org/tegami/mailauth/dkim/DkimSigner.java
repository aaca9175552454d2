package org.tegami.mailauth.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.tegami.mailauth.HeaderSection;

/**
 * DKIM signatures (RFC 6376) with relaxed/relaxed canonicalization (§3.4.2, §3.4.4), for {@code rsa-sha256} and
 * {@code ed25519-sha256} (RFC 8463). Signs the headers that identify a message and that a forwarder must not
 * change; From is over-signed so that a second From cannot be added without breaking the signature.
 */
public final class DkimSigner {
    /** Header fields signed when present, in this order (RFC 6376 §5.4.1's recommendations). */
    public static final List<String> SIGNED = List.of("from", "to", "cc", "subject", "date", "message-id", "reply-to",
            "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding", "list-id",
            "list-unsubscribe", "list-unsubscribe-post", "sender");

    private DkimSigner() {}

    /** A message split into its header fields (each with its folding, without the final CRLF) and body stream. */
    public record Parsed(List<String> fields, InputStream body) {}

    /** Reads the header section (bounded, {@link HeaderSection}) and leaves {@code in} positioned at the body. */
    public static Parsed parse(InputStream in) throws IOException {
        return new Parsed(HeaderSection.read(in).fields(), in);
    }

    /**
     * Returns the {@code DKIM-Signature:} header fields (one per key, each ending in CRLF) to prepend to the
     * message read from {@code message}.
     */
    public static String sign(List<DkimKey> keys, InputStream message, Instant now) throws IOException {
        Parsed p = parse(message);
        String bodyHash = Base64.getEncoder().encodeToString(BodyHasher.hash(Canonicalization.RELAXED, p.body()));
        StringBuilder out = new StringBuilder();
        for (DkimKey k : keys) out.append(signature(k, p.fields(), bodyHash, now)).append("\r\n");
        return out.toString();
    }

    private static String signature(DkimKey k, List<String> fields, String bodyHash, Instant now) {
        List<String> names = new ArrayList<>();
        StringBuilder data = new StringBuilder();
        Set<String> present = new java.util.HashSet<>();
        for (String f : fields) present.add(name(f));
        for (String n : SIGNED) {
            if (!present.contains(n)) continue;
            // §5.4.2: with one listing, the last instance of the field is the one signed.
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (name(fields.get(i)).equals(n)) {
                    data.append(relaxedHeader(fields.get(i))).append("\r\n");
                    break;
                }
            }
            names.add(n);
        }
        names.add("from"); // over-signing: a listed-but-absent instance signs as empty (§5.4.2)
        String value = "v=1; a=" + k.algorithm().tag + "; c=relaxed/relaxed; d=" + k.domain() + "; s=" + k.selector()
                + ";\r\n\tt=" + now.getEpochSecond() + "; h=" + String.join(":", names) + ";\r\n\tbh=" + bodyHash + "; b=";
        data.append(relaxedHeader("DKIM-Signature: " + value));
        return "DKIM-Signature: " + value + fold(Base64.getEncoder().encodeToString(signBytes(k, HeaderSection.bytes(data.toString()))));
    }

    /** Signs header data: RSA with SHA-256, or Ed25519 over its SHA-256 hash (RFC 8463 §3). */
    public static byte[] signBytes(DkimKey k, byte[] data) {
        try {
            byte[] signed = data;
            Signature s;
            if (k.algorithm() == DkimKey.Algorithm.ED25519) {
                signed = MessageDigest.getInstance("SHA-256").digest(signed);
                s = Signature.getInstance("Ed25519");
            } else {
                s = Signature.getInstance("SHA256withRSA");
            }
            s.initSign(k.privateKey());
            s.update(signed);
            return s.sign();
        } catch (Exception e) {
            throw new IllegalStateException("DKIM signing failed for " + k.dnsName(), e);
        }
    }

    /** Breaks a long base64 value into folded lines; folding whitespace is ignored by verifiers. */
    public static String fold(String b64) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b64.length(); i += 72) {
            if (i > 0) sb.append("\r\n\t");
            sb.append(b64, i, Math.min(b64.length(), i + 72));
        }
        return sb.toString();
    }

    private static String name(String field) {
        return HeaderSection.name(field);
    }

    /** RFC 6376 §3.4.2 relaxed header canonicalization. */
    static String relaxedHeader(String field) {
        return Canonicalization.RELAXED.header(field);
    }

    /** RFC 6376 §3.4.4 relaxed body, hashed with SHA-256 while streaming. */
    static byte[] relaxedBodyHash(InputStream body) throws IOException {
        return BodyHasher.hash(Canonicalization.RELAXED, body);
    }
}
