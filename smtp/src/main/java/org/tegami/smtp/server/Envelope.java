package org.tegami.smtp.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.tegami.mime.EmailAddress;
import org.tegami.smtp.proto.DsnParameters;
import org.tegami.store.AccountId;
import org.tegami.store.EnvelopeParams;

/** The mail transaction being built between MAIL and the end of data (RFC 5321 §3.3). */
final class Envelope {
    final Optional<EmailAddress> sender;
    final boolean smtpUtf8;
    /** Accepted forward-paths in order, for trace headers and the queue. */
    final List<EmailAddress> recipients = new ArrayList<>();
    final Set<AccountId> localAccounts = new LinkedHashSet<>();
    /** The forward-path that first named each local account, for notices about it. */
    final java.util.Map<AccountId, EmailAddress> localAddress = new java.util.HashMap<>();
    /** The local recipients that have a quota (seen at RCPT), checked again once the message size is known. */
    final Set<AccountId> quotaAccounts = new LinkedHashSet<>();
    final List<EmailAddress> remote = new ArrayList<>();
    /** Per accepted local forward-path, the remote addresses its aliases forward to. */
    final java.util.Map<EmailAddress, List<org.tegami.auth.Recipient.Forward>> forwards = new java.util.LinkedHashMap<>();
    /** Where the bounces sent to our SRS addresses go (decoded at RCPT), each once. */
    final Set<String> srsBounces = new LinkedHashSet<>();
    /** RFC 8689 §2: REQUIRETLS given with MAIL. */
    boolean requireTls;
    /** RFC 3461 §4.3, §4.4: RET and ENVID given with MAIL. */
    DsnParameters.Mail dsn = DsnParameters.Mail.NONE;
    /** RFC 3461 §4.1, §4.2: NOTIFY and ORCPT per accepted forward-path, when given. */
    final Map<EmailAddress, DsnParameters.Rcpt> dsnRcpt = new HashMap<>();
    /** Per accepted local forward-path, the accounts it delivers to (for success notices, RFC 3461 §5.2.2). */
    final Map<EmailAddress, Set<AccountId>> localByAddress = new LinkedHashMap<>();
    /** Set once a BDAT chunk arrived; DATA is then out of sequence (RFC 3030 §2). */
    MessageSink chunks;
    /** Id of the message being received, for the Received header, the reply and the log. */
    String messageId;

    Envelope(Optional<EmailAddress> sender, boolean smtpUtf8) {
        this.sender = sender;
        this.smtpUtf8 = smtpUtf8;
    }

    String reversePath() {
        return sender.map(EmailAddress::toString).orElse("");
    }

    /** The DSN parameters of {@code to} as the queue keeps them. */
    EnvelopeParams.Rcpt rcpt(EmailAddress to) {
        DsnParameters.Rcpt r = dsnRcpt.getOrDefault(to, DsnParameters.Rcpt.NONE);
        return new EnvelopeParams.Rcpt(r.notifyOn().map(n -> n.stream()
                .map(x -> EnvelopeParams.Notify.valueOf(x.name())).collect(Collectors.toSet())), r.orcptType(), r.orcpt());
    }

    /** REQUIRETLS, or else what {@code TLS-Required:} said where it counts (set once the header is read). */
    EnvelopeParams.Tls tls() {
        return requireTls ? EnvelopeParams.Tls.REQUIRED : tlsRequiredNo ? EnvelopeParams.Tls.NOT_REQUIRED : EnvelopeParams.Tls.DEFAULT;
    }

    /** RFC 8689 §4.2.2: a submitted message said {@code TLS-Required: No} (ignored with REQUIRETLS, §4.1). */
    boolean tlsRequiredNo;

    /** The envelope's parameters for a queue entry of {@code recipients}. */
    EnvelopeParams params(List<EmailAddress> recipients) {
        Map<String, EnvelopeParams.Rcpt> m = new HashMap<>();
        for (EmailAddress to : recipients) if (dsnRcpt.containsKey(to)) m.put(to.toString(), rcpt(to));
        return new EnvelopeParams(dsn.ret().map(r -> EnvelopeParams.Ret.valueOf(r.name())), dsn.envid(), tls(), m);
    }

    void discardChunks() {
        if (chunks != null) {
            chunks.close();
            chunks = null;
        }
    }
}
