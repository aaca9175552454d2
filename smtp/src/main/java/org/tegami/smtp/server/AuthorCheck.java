package org.tegami.smtp.server;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.tegami.auth.RecipientResolver;
import org.tegami.mime.EmailAddress;
import org.tegami.mime.message.Authors;
import org.tegami.smtp.proto.SmtpReply;
import org.tegami.store.Account;

/**
 * Submission's check of who a message says it is from (issue 12): every From: and Sender: address must be one the
 * authenticated user may send as ({@link RecipientResolver#mayUseSender}), or the message is refused after the
 * data. What passes decides the DKIM domain, so the queue never signs for an address nobody checked.
 */
final class AuthorCheck {

    /** The outcome for one message. */
    sealed interface Verdict {}

    /** Refused with this reply. */
    record Refused(SmtpReply reply) implements Verdict {}

    /** Accepted; {@code dkimDomain} is the one domain of its From: addresses, or empty when they have several. */
    record Allowed(String dkimDomain) implements Verdict {}

    private AuthorCheck() {}

    static Verdict check(HeaderSection header, int maxHeader, Account user, RecipientResolver resolver) {
        String me = user.address().toString();
        if (header.overflow()) return refuse(552, "5.3.4", "Header section exceeds " + maxHeader + " octets");
        return switch (Authors.read(header.bytes(), header.length())) {
            case Authors.Problem p -> switch (p.kind()) {
                case NOT_A_FIELD -> refuse(550, "5.6.0",
                        "Header line without a colon; the header section must be fields only (RFC 5322 section 2.2)");
                case NO_FROM -> refuse(550, "5.6.0", "Message has no From: header field (RFC 5322 section 3.6); add From: " + me);
                case MANY_FROM -> refuse(550, "5.6.0", "Message has " + p.fields() + " From: header fields; RFC 5322 section 3.6 allows one");
                case MANY_SENDER -> refuse(550, "5.6.0", "Message has " + p.fields() + " Sender: header fields; RFC 5322 section 3.6 allows one");
                case FROM_EMPTY -> refuse(550, "5.6.0", "From: header field has no address; add From: " + me);
                case FROM_UNREADABLE -> refuse(550, "5.6.0", "From: header field has an address that cannot be read; write it as " + me);
                case SENDER_UNREADABLE -> refuse(550, "5.6.0", "Sender: header field must hold one address that can be read, such as " + me);
            };
            case Authors.Found f -> {
                // RFC 6409 §4.1 lets the MSA refuse what the user may not send as; the headers are what recipients see
                for (EmailAddress a : f.from()) {
                    if (!resolver.mayUseSender(user, a)) yield notYours("From:", a, me);
                }
                for (EmailAddress a : f.sender()) {
                    if (!resolver.mayUseSender(user, a)) yield notYours("Sender:", a, me);
                }
                Set<String> domains = new TreeSet<>();
                for (EmailAddress a : f.from()) domains.add(a.domain().toLowerCase(Locale.ROOT));
                yield new Allowed(domains.size() == 1 ? domains.iterator().next() : "");
            }
        };
    }

    private static Refused notYours(String field, EmailAddress a, String me) {
        String shown = a.toString().chars().allMatch(c -> c > 32 && c < 127) ? a.toString() : "(a non-ASCII address)";
        return refuse(550, "5.7.1", field + " header address " + shown + " is not one of yours; send as " + me
                + " or an alias you receive");
    }

    private static Refused refuse(int code, String enhanced, String text) {
        return new Refused(SmtpReply.of(code, enhanced, text));
    }
}
