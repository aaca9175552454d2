package org.tegami.mailauth.dkim;

import java.util.Locale;

/** DKIM results as Authentication-Results names them (RFC 8601 §2.7.1). */
public enum DkimResult {
    NONE, PASS, FAIL, POLICY, NEUTRAL, TEMPERROR, PERMERROR;

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
