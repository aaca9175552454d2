package org.tegami.auth.sasl;

/** The three fields of a SASL PLAIN response (RFC 4616 §2). {@code authzid} is empty when absent. */
public record PlainCredentials(String authzid, String authcid, String password) {

    /** True when the client asks to act as someone else, which we do not allow. */
    public boolean impersonates() {
        return !authzid.isEmpty() && !authzid.equalsIgnoreCase(authcid);
    }

    @Override
    public String toString() {
        return "PlainCredentials[authzid=" + authzid + ", authcid=" + authcid + ", password=***]";
    }
}
