package org.tegami.mailauth.dkim;

/** A DKIM-Signature, ARC header or key record that breaks the tag-list grammar (RFC 6376 §3.2) or our limits. */
public final class DkimSyntaxException extends Exception {
    public DkimSyntaxException(String message) {
        super(message, null, false, false);
    }
}
