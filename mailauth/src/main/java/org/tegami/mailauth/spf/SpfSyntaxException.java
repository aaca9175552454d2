package org.tegami.mailauth.spf;

/** An SPF record, macro string or explanation that breaks the grammar of RFC 7208 §12 or one of our limits. */
public final class SpfSyntaxException extends Exception {
    public SpfSyntaxException(String message) {
        super(message, null, false, false);
    }
}
