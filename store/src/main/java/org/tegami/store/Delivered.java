package org.tegami.store;

import java.util.List;
import java.util.Optional;

/** What {@link MailStore#deliver} stored: one message per local account, and the queue entry if any. */
public record Delivered(List<Stored> messages, Optional<QueueId> queued) {
    public Delivered {
        messages = List.copyOf(messages);
    }

    public record Stored(AccountId account, MailboxId mailbox, Uid uid) {
    }
}
