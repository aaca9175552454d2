package org.tegami.mailauth.spf;

import java.util.Locale;

/** The results of {@code check_host()} (RFC 7208 §2.6), named as in Authentication-Results (RFC 8601 §2.7.2). */
public enum SpfResult {
    NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

    /** The lower-case keyword, e.g. {@code softfail}. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
