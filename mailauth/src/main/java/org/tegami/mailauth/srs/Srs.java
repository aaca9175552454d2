package org.tegami.mailauth.srs;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Sender Rewriting Scheme (Shevek's "Sender Rewriting Scheme" paper, as libsrs2 and postsrsd implement it): a
 * forwarder sends a copy with a reverse-path in its own domain, so the receiver's SPF check (RFC 7208) looks at the
 * forwarder, and a bounce to that address can be verified and sent back to the original sender.
 * <pre>
 *   alice@sender.example         → SRS0=HHHHHH=TT=sender.example=alice@forwarder.example
 *   SRS0=hh=TT=a.example=x@fwd1  → SRS1=HHHHHH=fwd1==hh=TT=a.example=x@forwarder.example
 *   SRS1=hh=fwd1==rest@fwd2      → SRS1=HHHHHH=fwd1==rest@forwarder.example
 * </pre>
 * {@code TT} is the day number modulo 1024 in two base32 characters; {@code HHHHHH} an HMAC-SHA256 of the
 * lower-cased fields after it, cut to 30 bits and written in six base32 characters (RFC 4648 §6). Base32 has one
 * case, so a receiver that lower-cases the address (many do) does not break it; libsrs2's base64 hash would.
 * Pure and thread-safe: the secrets and the clock are given.
 */
public final class Srs {
    /** The longest local part {@link #reverse} reads; longer ones are not ours. */
    public static final int MAX_LOCAL_PART = 512;
    static final int HASH_LENGTH = 6;
    static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    /** Day numbers wrap at 1024 (two base32 characters). */
    static final int TIMESTAMP_RANGE = 1024;

    private final List<byte[]> secrets;
    private final InstantSource clock;
    private final int maxAgeDays;

    /**
     * @param secrets the first signs; all are tried when checking (a secret being retired stays accepted)
     * @param maxAge  how long an address stays valid for bounces (libsrs2's default is 21 days)
     */
    public Srs(List<byte[]> secrets, InstantSource clock, Duration maxAge) {
        if (secrets.isEmpty()) throw new IllegalArgumentException("SRS needs a secret");
        this.secrets = secrets.stream().map(byte[]::clone).toList();
        this.clock = clock;
        this.maxAgeDays = (int) maxAge.toDays();
        if (maxAgeDays < 1 || maxAgeDays >= TIMESTAMP_RANGE / 2) throw new IllegalArgumentException("SRS max age out of range");
    }

    /** What {@link #reverse} found. */
    public sealed interface Reversed {
        /** Not an SRS address: an ordinary local part. */
        record NotSrs() implements Reversed {}

        /** A valid address of ours: where a bounce to it goes. */
        record Valid(String address) implements Reversed {}

        /** Looks like SRS but is forged, expired or malformed; {@code reason} is for the SMTP reply and the log. */
        record Invalid(String reason) implements Reversed {}
    }

    /** Whether a local part has the SRS0 or SRS1 form's start (case-insensitive: receivers may fold it). */
    public static boolean looksLikeSrs(String localPart) {
        return org.tegami.mime.EmailAddress.isSrs(localPart);
    }

    /**
     * The reverse-path for a copy we forward, in {@code ourDomain}: the null reverse-path stays null (a bounce is
     * never rewritten, RFC 5321 §4.5.5), a sender already in our domain stays as it is, an SRS address of another
     * forwarder becomes SRS1, anything else SRS0.
     *
     * @param sender the original reverse-path {@code local@domain}, empty for {@code <>}
     */
    public String forward(String sender, String ourDomain) {
        if (sender.isEmpty()) return "";
        int at = sender.lastIndexOf('@');
        if (at <= 0 || at == sender.length() - 1) throw new IllegalArgumentException("not an address: " + sender);
        String local = sender.substring(0, at);
        String domain = sender.substring(at + 1);
        if (domain.equalsIgnoreCase(ourDomain)) return sender;
        // an address literal with '=' in it cannot be carried (the fields are separated by '='): send as a bounce
        if (domain.indexOf('=') >= 0) return "";
        if (looksLikeSrs(local) && Character.toUpperCase(local.charAt(3)) == '1') {
            // SRS1 from another forwarder: keep the first forwarder and its opaque part, re-sign with ours
            String rest = local.substring(5);
            int hashEnd = rest.indexOf('=');
            int sep = hashEnd < 0 ? -1 : rest.indexOf('=', hashEnd + 1);
            if (hashEnd > 0 && sep > hashEnd + 1 && sep + 2 < rest.length() && isSeparator(rest.charAt(sep + 1))) {
                String host = rest.substring(hashEnd + 1, sep);
                String opaque = rest.substring(sep + 1);
                return "SRS1=" + hash(secrets.getFirst(), host, opaque) + "=" + host + "=" + opaque + "@" + ourDomain;
            }
        }
        if (looksLikeSrs(local)) {
            // SRS0 from another forwarder: its domain is the first hop; its hash is theirs to check
            String opaque = local.substring(4); // from the separator on, as libsrs2 keeps it
            return "SRS1=" + hash(secrets.getFirst(), domain, opaque) + "=" + domain + "=" + opaque + "@" + ourDomain;
        }
        String ts = timestamp(today());
        return "SRS0=" + hash(secrets.getFirst(), ts, domain, local) + "=" + ts + "=" + domain + "=" + local + "@" + ourDomain;
    }

    /**
     * Where a bounce to one of our SRS addresses goes: SRS0 gives the original sender once its hash and age check,
     * SRS1 the first forwarder's SRS0 address once its hash checks (the first forwarder checks the age).
     *
     * @param localPart the local part of a recipient in one of our domains
     */
    public Reversed reverse(String localPart) {
        if (!looksLikeSrs(localPart)) return new Reversed.NotSrs();
        if (localPart.length() > MAX_LOCAL_PART) return new Reversed.Invalid("SRS address too long");
        boolean srs1 = localPart.charAt(3) == '1';
        String rest = localPart.substring(5);
        if (srs1) {
            // HHHHHH=host==opaque (the opaque part starts with the first forwarder's separator)
            int h = rest.indexOf('=');
            int sep = h < 0 ? -1 : rest.indexOf('=', h + 1);
            if (h <= 0 || sep < 0 || sep + 2 >= rest.length() || !isSeparator(rest.charAt(sep + 1))) {
                return new Reversed.Invalid("malformed SRS1 address");
            }
            String hash = rest.substring(0, h);
            String host = rest.substring(h + 1, sep);
            String opaque = rest.substring(sep + 1);
            if (host.isEmpty() || !validHost(host)) return new Reversed.Invalid("malformed SRS1 address");
            if (!hashMatches(hash, host, opaque)) return new Reversed.Invalid("SRS address has an invalid hash");
            return new Reversed.Valid("SRS0" + opaque + "@" + host);
        }
        // HHHHHH=TT=domain=local (the local part may itself hold '=')
        String[] f = rest.split("=", 4);
        if (f.length != 4 || f[0].isEmpty() || f[1].length() != 2 || f[2].isEmpty() || f[3].isEmpty() || !validHost(f[2])) {
            return new Reversed.Invalid("malformed SRS0 address");
        }
        int ts = decodeTimestamp(f[1]);
        if (ts < 0) return new Reversed.Invalid("malformed SRS0 address");
        if (!hashMatches(f[0], f[1], f[2], f[3])) return new Reversed.Invalid("SRS address has an invalid hash");
        int age = Math.floorMod(today() - ts, TIMESTAMP_RANGE);
        if (age > maxAgeDays) return new Reversed.Invalid("SRS address has expired");
        return new Reversed.Valid(f[3] + "@" + f[2]);
    }

    private boolean hashMatches(String given, String... fields) {
        if (given.length() != HASH_LENGTH) return false;
        byte[] g = given.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        boolean ok = false;
        for (byte[] s : secrets) {
            // constant time, and every secret tried, so timing tells nothing about which part matched
            ok |= MessageDigest.isEqual(g, hash(s, fields).getBytes(StandardCharsets.US_ASCII));
        }
        return ok;
    }

    /** Six base32 characters of HMAC-SHA256 over the lower-cased fields, each followed by a NUL. */
    static String hash(byte[] secret, String... fields) {
        Mac mac;
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
        for (String f : fields) {
            mac.update(f.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
        }
        byte[] d = mac.doFinal();
        long bits = ((d[0] & 0xffL) << 24) | ((d[1] & 0xffL) << 16) | ((d[2] & 0xffL) << 8) | (d[3] & 0xffL);
        char[] out = new char[HASH_LENGTH];
        for (int i = 0; i < HASH_LENGTH; i++) out[i] = BASE32.charAt((int) (bits >>> (32 - 5 * (i + 1))) & 31);
        return new String(out);
    }

    private int today() {
        return (int) Math.floorMod(clock.instant().getEpochSecond() / 86_400, (long) TIMESTAMP_RANGE);
    }

    static String timestamp(int day) {
        return "" + BASE32.charAt((day >> 5) & 31) + BASE32.charAt(day & 31);
    }

    /** The day number of two base32 characters (either case), or -1. */
    static int decodeTimestamp(String tt) {
        int hi = BASE32.indexOf(Character.toUpperCase(tt.charAt(0)));
        int lo = BASE32.indexOf(Character.toUpperCase(tt.charAt(1)));
        return hi < 0 || lo < 0 ? -1 : hi << 5 | lo;
    }

    private static boolean isSeparator(char c) {
        return c == '=' || c == '+' || c == '-';
    }

    private static boolean validHost(String host) {
        return host.length() <= 255 && org.tegami.mime.EmailAddress.validDomain(host.toLowerCase(Locale.ROOT));
    }

    /** The decoded address as a mailbox, when it parses as one. */
    public static Optional<org.tegami.mime.EmailAddress> address(Reversed.Valid v) {
        return org.tegami.mime.EmailAddress.parse(v.address());
    }
}
