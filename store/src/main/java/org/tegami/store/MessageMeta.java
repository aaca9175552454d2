package org.tegami.store;

import java.time.Instant;
import java.util.Set;

/**
 * One message in a mailbox: where its bytes are and its mutable state.
 *
 * @param saveDate when it was put in this mailbox (RFC 8514); empty for messages stored before Tegami kept it
 */
public record MessageMeta(MailboxId mailbox, Uid uid, BlobId blob, long size, Instant internalDate, Set<String> flags,
        ModSeq modSeq, java.util.Optional<Instant> saveDate) {
    public MessageMeta {
        flags = Set.copyOf(flags);
    }
}
