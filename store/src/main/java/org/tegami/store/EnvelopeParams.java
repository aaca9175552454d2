package org.tegami.store;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The ESMTP parameters of a queued envelope that outbound delivery honours and relays: DSN (RFC 3461: RET and
 * ENVID per message, NOTIFY and ORCPT per recipient) and REQUIRETLS (RFC 8689). Values are already checked and
 * decoded (the SMTP parser refused anything else); {@link #NONE} is a message without any of them.
 *
 * @param ret        RFC 3461 §4.3: what a failure notice returns; empty for the server's default
 * @param envid      RFC 3461 §4.4: the sender's envelope id (decoded, printable US-ASCII), echoed as
 *                   {@code Original-Envelope-Id}
 * @param tls        RFC 8689: REQUIRETLS given (relay only over TLS to a verified host that offers REQUIRETLS, or
 *                   bounce), {@code TLS-Required: No} in a submitted message (recipient-side TLS policies relaxed), or
 *                   neither
 * @param recipients per forward-path (as in the entry's recipients), its NOTIFY and ORCPT; absent: neither given
 */
public record EnvelopeParams(Optional<Ret> ret, Optional<String> envid, Tls tls, Map<String, Rcpt> recipients) {
    public static final EnvelopeParams NONE = new EnvelopeParams(Optional.empty(), Optional.empty(), Tls.DEFAULT, Map.of());

    public EnvelopeParams {
        recipients = Map.copyOf(recipients);
    }

    /** RFC 8689: how the message must travel on. */
    public enum Tls {
        /** Our usual policy: DANE, MTA-STS, else opportunistic TLS. */
        DEFAULT,
        /** RFC 8689 §4.2.1: the REQUIRETLS parameter was given. */
        REQUIRED,
        /** RFC 8689 §4.2.2: {@code TLS-Required: No}; DANE and MTA-STS failures do not stop delivery. */
        NOT_REQUIRED
    }

    /** The same parameters with another TLS requirement. */
    public EnvelopeParams withTls(Tls t) {
        return new EnvelopeParams(ret, envid, t, recipients);
    }

    /** RFC 3461 §4.3. */
    public enum Ret { FULL, HDRS }

    /** RFC 3461 §4.1: when the sender is told; an empty set is NEVER. */
    public enum Notify { SUCCESS, FAILURE, DELAY }

    /**
     * One recipient's DSN parameters.
     *
     * @param notifyOn  absent: not given (failures and delays are reported, RFC 3461 §4.1); empty set: NEVER
     * @param orcptType the ORCPT address type, lower case ({@code rfc822}); with {@code orcpt}
     * @param orcpt     the original recipient address (decoded)
     */
    public record Rcpt(Optional<Set<Notify>> notifyOn, Optional<String> orcptType, Optional<String> orcpt) {
        public static final Rcpt NONE = new Rcpt(Optional.empty(), Optional.empty(), Optional.empty());

        public Rcpt {
            notifyOn = notifyOn.map(n -> n.isEmpty() ? Set.<Notify>of() : Set.copyOf(EnumSet.copyOf(n)));
            if (orcptType.isPresent() != orcpt.isPresent()) throw new IllegalArgumentException("ORCPT needs type and address");
        }

        /** Whether the sender wants to hear of {@code n} for this recipient (RFC 3461 §4.1; default FAILURE, DELAY). */
        public boolean wants(Notify n) {
            return notifyOn.map(s -> s.contains(n)).orElse(n != Notify.SUCCESS);
        }

        /** The same NOTIFY with another ORCPT. */
        public Rcpt withOrcpt(String type, String address) {
            return new Rcpt(notifyOn, Optional.of(type), Optional.of(address));
        }

        /** The stored form of NOTIFY: null absent, "" NEVER, else the names in RFC order joined with commas. */
        public String notifyText() {
            if (notifyOn.isEmpty()) return null;
            if (notifyOn.get().isEmpty()) return "NEVER";
            return String.join(",", EnumSet.copyOf(notifyOn.get()).stream().map(Enum::name).toList());
        }

        /** Parses {@link #notifyText()}. */
        public static Optional<Set<Notify>> parseNotify(String text) {
            if (text == null) return Optional.empty();
            if (text.equals("NEVER")) return Optional.of(Set.of());
            EnumSet<Notify> s = EnumSet.noneOf(Notify.class);
            for (String p : text.split(",")) s.add(Notify.valueOf(p.toUpperCase(Locale.ROOT)));
            return Optional.of(s);
        }
    }

    /** The xtext form of printable US-ASCII {@code s} (RFC 3461 §4), for relaying a parameter onward. */
    public static String xtext(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '!' && c <= '~' && c != '+' && c != '=') sb.append(c);
            else sb.append('+').append(String.format(Locale.ROOT, "%02X", (int) c & 0xff));
        }
        return sb.toString();
    }

    /** The parameters of {@code recipient} ({@link Rcpt#NONE} when none were given). */
    public Rcpt recipient(String recipient) {
        return recipients.getOrDefault(recipient, Rcpt.NONE);
    }

    /** Whether REQUIRETLS was given. */
    public boolean requireTls() {
        return tls == Tls.REQUIRED;
    }

    /** Whether any DSN parameter is present (then a DSN-capable next hop gets them relayed, RFC 3461 §5.2.1). */
    public boolean anyDsn() {
        return ret.isPresent() || envid.isPresent() || recipients.values().stream()
                .anyMatch(r -> r.notifyOn().isPresent() || r.orcpt().isPresent());
    }

    /** Only the given recipients' parameters kept (after some were delivered or bounced). */
    public EnvelopeParams only(java.util.Collection<String> keep) {
        Map<String, Rcpt> m = new java.util.HashMap<>();
        for (String k : keep) if (recipients.containsKey(k)) m.put(k, recipients.get(k));
        return new EnvelopeParams(ret, envid, tls, m);
    }
}
