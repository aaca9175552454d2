package org.tegami.mailauth.arc;

import java.util.Locale;

/** ARC chain results (RFC 8617 §4.4: the cv= values, and "none" for no chain). */
public enum ArcResult {
    NONE, PASS, FAIL;

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
