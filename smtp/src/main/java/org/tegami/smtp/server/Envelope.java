package org.tegami.smtp.server;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tegami.mime.EmailAddress;
import org.tegami.store.AccountId;

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

    void discardChunks() {
        if (chunks != null) {
            chunks.close();
            chunks = null;
        }
    }
}
