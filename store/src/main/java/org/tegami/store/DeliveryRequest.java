package org.tegami.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One accepted message: a committed blob to store for each local recipient (in the mailbox, with the flags and the
 * header prefix the inbound pipeline chose for that recipient), and the same blob queued for remote recipients in
 * as many queue entries as there are envelopes (a submission's own, and each forwarded copy with its rewritten
 * sender and its own added header lines). Applied atomically: all or nothing.
 *
 * @param size       the blob's size in bytes (each stored message's size adds its prefix)
 * @param recipients the copies to store; an account may have several (Sieve fileinto into two mailboxes)
 * @param outbounds  queue entries to add, in order; none when everything is local
 */
public record DeliveryRequest(
        BlobId blob, long size, Instant internalDate, List<Recipient> recipients, List<Outbound> outbounds) {

    public DeliveryRequest {
        recipients = List.copyOf(recipients);
        outbounds = List.copyOf(outbounds);
    }

    /** With at most one queue entry. */
    public DeliveryRequest(BlobId blob, long size, Instant internalDate, List<Recipient> recipients,
                           Optional<Outbound> outbound) {
        this(blob, size, internalDate, recipients, outbound.stream().toList());
    }

    /** The first queue entry, if any (a submission has at most one of its own). */
    public Optional<Outbound> outbound() {
        return outbounds.stream().findFirst();
    }

    /** Every account's INBOX, no flags, no prefix. */
    public DeliveryRequest(BlobId blob, long size, Instant internalDate, Set<AccountId> accounts,
                           Optional<Outbound> outbound) {
        this(blob, size, internalDate, accounts.stream().sorted(java.util.Comparator.comparingLong(AccountId::value))
                .map(Recipient::inbox).toList(), outbound);
    }

    /** The local accounts this message is stored for. */
    public Set<AccountId> accounts() {
        return recipients.stream().map(Recipient::account).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /**
     * Where one local account gets the message.
     *
     * @param flags  system flags and keywords it is stored with (e.g. {@code $Junk})
     * @param prefix header lines stored for this account only, in front of the blob
     * @param own    this copy's own committed blob instead of the request's (a Sieve editheader copy, RFC 5293: the
     *               user's script rewrote the header); claimed in the same transaction, its size counted for the
     *               quota; empty for the shared blob
     */
    public record Recipient(AccountId account, Target target, Set<String> flags, HeaderPrefix prefix, Optional<Own> own) {
        public Recipient {
            flags = Set.copyOf(flags);
        }

        /** A copy of the request's shared blob. */
        public Recipient(AccountId account, Target target, Set<String> flags, HeaderPrefix prefix) {
            this(account, target, flags, prefix, Optional.empty());
        }

        /** The blob this copy is stored from. */
        public BlobId blob(DeliveryRequest request) {
            return own.map(Own::blob).orElse(request.blob());
        }

        /** The stored message's size: its blob's and its prefix's. */
        public long size(DeliveryRequest request) {
            return own.map(Own::size).orElse(request.size()) + prefix.length();
        }

        public static Recipient inbox(AccountId account) {
            return new Recipient(account, Target.INBOX, Set.of(), HeaderPrefix.NONE);
        }
    }

    /** A recipient's own committed blob and its size in bytes. */
    public record Own(BlobId blob, long size) {}

    /** The mailbox a recipient's copy goes to. */
    public sealed interface Target {
        Target INBOX = new Inbox();
        Target JUNK = new Junk();

        /** The account's INBOX. */
        record Inbox() implements Target {}

        /**
         * The account's mailbox with the {@code \Junk} special use (RFC 6154 §2), created as "Junk" with it when the
         * account has none.
         */
        record Junk() implements Target {}

        /**
         * A mailbox by name (Sieve fileinto, RFC 5228 §4.1); when the account has no mailbox of that name, created
         * first with {@code create} (RFC 5490 §3.2, {@code :create}), else the INBOX. The name must already be
         * checked as a valid mailbox name when {@code create}.
         */
        record Named(String name, boolean create) implements Target {
            /** The INBOX when the account has no mailbox of that name. */
            public Named(String name) {
                this(name, false);
            }
        }
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
     * @param prefix      header lines sent in front of the blob (after {@code skipBytes}) for this entry only: a
     *                    forwarded copy's ARC set and {@code Delivered-To:}
     * @param notBefore   the first attempt's time, when later than the delivery (a forwarding rate limit)
     * @param params      the envelope's DSN and REQUIRETLS parameters, kept with the entry
     * @param own         this entry's own committed blob instead of the request's (a Sieve redirect of a copy whose
     *                    header the user's script edited, RFC 5293); claimed in the same transaction and named by the
     *                    entry, so the collector keeps it until the entry is done; empty for the shared blob
     */
    public record Outbound(String sender, List<String> recipients, long skipBytes, Optional<AccountId> submitter,
                           String dkimDomain, HeaderPrefix prefix, Optional<Instant> notBefore, EnvelopeParams params,
                           Optional<Own> own) {
        public Outbound {
            recipients = List.copyOf(recipients);
        }

        public Outbound(String sender, List<String> recipients, long skipBytes, Optional<AccountId> submitter,
                        String dkimDomain, HeaderPrefix prefix, Optional<Instant> notBefore, EnvelopeParams params) {
            this(sender, recipients, skipBytes, submitter, dkimDomain, prefix, notBefore, params, Optional.empty());
        }

        /** The blob this entry sends. */
        public BlobId blob(DeliveryRequest request) {
            return own.map(Own::blob).orElse(request.blob());
        }

        /** The size of the blob this entry sends. */
        public long size(DeliveryRequest request) {
            return own.map(Own::size).orElse(request.size());
        }

        public Outbound(String sender, List<String> recipients, long skipBytes, Optional<AccountId> submitter,
                        String dkimDomain, HeaderPrefix prefix, Optional<Instant> notBefore) {
            this(sender, recipients, skipBytes, submitter, dkimDomain, prefix, notBefore, EnvelopeParams.NONE);
        }

        /** The same entry with these envelope parameters. */
        public Outbound withParams(EnvelopeParams p) {
            return new Outbound(sender, recipients, skipBytes, submitter, dkimDomain, prefix, notBefore, p, own);
        }

        public Outbound(String sender, List<String> recipients, long skipBytes, Optional<AccountId> submitter,
                        String dkimDomain) {
            this(sender, recipients, skipBytes, submitter, dkimDomain, HeaderPrefix.NONE, Optional.empty());
        }

        /** Without a submitter, not to be signed. */
        public Outbound(String sender, List<String> recipients, long skipBytes) {
            this(sender, recipients, skipBytes, Optional.empty(), "");
        }
    }
}
