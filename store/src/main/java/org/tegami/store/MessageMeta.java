package org.tegami.store;

import java.time.Instant;
import java.util.Set;

/** One message in a mailbox: where its bytes are and its mutable state. */
public record MessageMeta(
        MailboxId mailbox, Uid uid, BlobId blob, long size, Instant internalDate, Set<String> flags, ModSeq modSeq) {
    public MessageMeta {
        flags = Set.copyOf(flags);
    }
}
