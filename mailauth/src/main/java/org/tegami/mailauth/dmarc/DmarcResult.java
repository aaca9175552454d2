package org.tegami.mailauth.dmarc;

import java.util.Locale;

/** DMARC results as Authentication-Results names them (RFC 7489 §11.2). */
public enum DmarcResult {
    NONE, PASS, FAIL, TEMPERROR, PERMERROR;

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
