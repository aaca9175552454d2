package org.tegami.store;

import java.time.Instant;
import java.util.Set;

/**
 * One message in a mailbox: where its bytes are and its mutable state.
 *
 * @param blob     the shared blob, without the prefix: read the message's bytes through {@link #content()}
 * @param size     the whole message, prefix included
 * @param saveDate when it was put in this mailbox (RFC 8514); empty for messages stored before Tegami kept it
 * @param prefix   header lines stored with this message in front of its blob (empty for most)
 */
public record MessageMeta(MailboxId mailbox, Uid uid, BlobId blob, long size, Instant internalDate, Set<String> flags,
        ModSeq modSeq, java.util.Optional<Instant> saveDate, HeaderPrefix prefix) {
    public MessageMeta {
        flags = Set.copyOf(flags);
    }

    /** Without a prefix. */
    public MessageMeta(MailboxId mailbox, Uid uid, BlobId blob, long size, Instant internalDate, Set<String> flags,
                       ModSeq modSeq, java.util.Optional<Instant> saveDate) {
        this(mailbox, uid, blob, size, internalDate, flags, modSeq, saveDate, HeaderPrefix.NONE);
    }

    /** What to read for this message's bytes: prefix, then blob. */
    public MessageContent content() {
        return new MessageContent(blob, prefix, size);
    }
}
