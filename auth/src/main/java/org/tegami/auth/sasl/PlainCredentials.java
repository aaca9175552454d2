package org.tegami.auth.sasl;

import java.util.Locale;
import org.tegami.mime.EmailAddress;

/** The three fields of a SASL PLAIN response (RFC 4616 §2). {@code authzid} is empty when absent. */
public record PlainCredentials(String authzid, String authcid, String password) {

    /**
     * True when the client asks to act as someone other than the user it authenticates as (RFC 4616 §2), which
     * we do not allow. Compared the way logins are, so {@code Alice@Example.COM} is not someone else.
     */
    public boolean impersonates() {
        return !authzid.isEmpty() && !fold(authzid).equals(fold(authcid));
    }

    private static String fold(String user) {
        return EmailAddress.parse(user).map(EmailAddress::key).orElse(user.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return "PlainCredentials[authzid=" + authzid + ", authcid=" + authcid + ", password=***]";
    }
}
