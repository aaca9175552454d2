package org.tegami.auth.sasl;

/** A SASL client response that is not valid for its mechanism (bad base64, bad structure). */
public final class SaslException extends Exception {
    public SaslException(String message) {
        super(message, null, false, false);
    }
}
