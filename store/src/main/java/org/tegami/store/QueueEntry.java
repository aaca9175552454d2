package org.tegami.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A message waiting in the outbound queue.
 *
 * @param submitter  the user who submitted it (bounces go to them), if known
 * @param dkimDomain the checked domain to sign for, or empty (see {@link DeliveryRequest.Outbound})
 * @param prefix     header lines sent in front of the blob for this entry only (see {@link DeliveryRequest.Outbound})
 * @param params     DSN and REQUIRETLS parameters of the envelope (for the recipients still queued)
 */
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
        boolean delayNotified,
        Optional<AccountId> submitter,
        String dkimDomain,
        HeaderPrefix prefix,
        EnvelopeParams params) {
    public QueueEntry {
        recipients = List.copyOf(recipients);
    }

    /** An entry without envelope parameters. */
    public QueueEntry(QueueId id, BlobId blob, long size, long skipBytes, String sender, List<String> recipients,
                      Instant created, Instant nextAttempt, int attempts, String lastError, boolean delayNotified,
                      Optional<AccountId> submitter, String dkimDomain, HeaderPrefix prefix) {
        this(id, blob, size, skipBytes, sender, recipients, created, nextAttempt, attempts, lastError, delayNotified,
                submitter, dkimDomain, prefix, EnvelopeParams.NONE);
    }

    /** An entry without added header lines. */
    public QueueEntry(QueueId id, BlobId blob, long size, long skipBytes, String sender, List<String> recipients,
                      Instant created, Instant nextAttempt, int attempts, String lastError, boolean delayNotified,
                      Optional<AccountId> submitter, String dkimDomain) {
        this(id, blob, size, skipBytes, sender, recipients, created, nextAttempt, attempts, lastError, delayNotified,
                submitter, dkimDomain, HeaderPrefix.NONE);
    }

    /** An entry without a submitter, not to be signed. */
    public QueueEntry(QueueId id, BlobId blob, long size, long skipBytes, String sender, List<String> recipients,
                      Instant created, Instant nextAttempt, int attempts, String lastError, boolean delayNotified) {
        this(id, blob, size, skipBytes, sender, recipients, created, nextAttempt, attempts, lastError, delayNotified,
                Optional.empty(), "");
    }
}
