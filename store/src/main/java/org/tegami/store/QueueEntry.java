package org.tegami.store;

import java.time.Instant;
import java.util.List;

/** A message waiting in the outbound queue. */
public record QueueEntry(
        QueueId id,
        BlobId blob,
        long size,
        long skipBytes,
        String sender,
        List<String> recipients,
        Instant created,
        Instant nextAttempt,
        int attempts,
        String lastError,
        boolean delayNotified) {
    public QueueEntry {
        recipients = List.copyOf(recipients);
    }
}
