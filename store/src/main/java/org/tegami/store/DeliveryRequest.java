package org.tegami.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One accepted message: a committed blob to put in the INBOX of each local account, and optionally the same blob
 * queued for remote recipients. Applied atomically: all or nothing.
 *
 * @param outbound remote part of a submission, if any
 */
public record DeliveryRequest(
        BlobId blob, long size, Instant internalDate, Set<AccountId> accounts, Optional<Outbound> outbound) {

    public DeliveryRequest {
        accounts = Set.copyOf(accounts);
    }

    /**
     * Envelope for the outbound queue.
     *
     * @param sender      reverse-path, empty string for the null sender {@code <>}
     * @param recipients  forward-paths, each {@code local@domain}
     * @param skipBytes   bytes at the start of the blob that are not sent onward (the {@code Return-Path:} line
     *                    that local delivery adds, RFC 5321 §4.4)
     * @param submitter   the authenticated user who submitted the message, who gets its bounces
     * @param dkimDomain  the domain the message may be DKIM-signed for (its From: address, checked to be the
     *                    submitter's), or empty: never taken from the message itself
     */
    public record Outbound(String sender, List<String> recipients, long skipBytes, Optional<AccountId> submitter,
                           String dkimDomain) {
        public Outbound {
            recipients = List.copyOf(recipients);
        }

        /** Without a submitter, not to be signed. */
        public Outbound(String sender, List<String> recipients, long skipBytes) {
            this(sender, recipients, skipBytes, Optional.empty(), "");
        }
    }
}
