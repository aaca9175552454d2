package org.tegami.mailauth.dmarc;

import java.util.Locale;

/** A DMARC policy, and the disposition a receiver applies (RFC 7489 §6.3 p=). */
public enum DmarcPolicy {
    NONE, QUARANTINE, REJECT;

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** One step weaker: what pct= and t=y apply to the messages outside the sample (RFC 7489 §6.6.4). */
    DmarcPolicy weaker() {
        return this == REJECT ? QUARANTINE : NONE;
    }

    static DmarcPolicy parse(String s) {
        if (s == null) return null;
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "quarantine" -> QUARANTINE;
            case "reject" -> REJECT;
            default -> null;
        };
    }
}
