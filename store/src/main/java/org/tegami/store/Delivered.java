package org.tegami.store;

import java.util.List;
import java.util.Optional;

/** What {@link MailStore#deliver} stored: one message per local account, and the queue entries, in request order. */
public record Delivered(List<Stored> messages, List<QueueId> queue) implements MessageWrites.DeliveryOutcome {
    public Delivered {
        messages = List.copyOf(messages);
        queue = List.copyOf(queue);
    }

    /** The first queue entry, if any. */
    public Optional<QueueId> queued() {
        return queue.stream().findFirst();
    }

    public record Stored(AccountId account, MailboxId mailbox, Uid uid) {
    }
}
