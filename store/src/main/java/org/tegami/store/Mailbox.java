package org.tegami.store;

import java.util.Optional;

/**
 * A mailbox's identity and counters (RFC 9051 §2.3.1.1, RFC 7162 §3.1).
 *
 * @param specialUse RFC 6154 attribute such as {@code \Sent}, when the mailbox has one
 */
public record Mailbox(
        MailboxId id,
        AccountId account,
        String name,
        long uidValidity,
        long uidNext,
        ModSeq highestModSeq,
        Optional<String> specialUse,
        boolean subscribed) {

    public static final String INBOX = "INBOX";
}
