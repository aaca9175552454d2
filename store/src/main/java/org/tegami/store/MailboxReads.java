package org.tegami.store;

import java.util.List;
import java.util.Optional;

/**
 * Reading a mailbox's messages and what changed in it (one of the mail store's roles): SELECT's view, CONDSTORE and
 * QRESYNC changes, ranges of messages. Thread-safe; reads see every committed write.
 */
public interface MailboxReads {

    /** All messages of a mailbox in UID order. */
    List<MessageMeta> messages(MailboxId mailbox);

    /** Messages with UIDs from {@code first} to {@code last} inclusive, in UID order. */
    List<MessageMeta> messages(MailboxId mailbox, Uid first, Uid last);

    /**
     * A new view of a mailbox, read in one snapshot: its counters and every message's UID, flags and modseq in UID
     * order (IMAP SELECT). Empty when the mailbox does not exist.
     */
    Optional<MailboxView> view(MailboxId mailbox);

    /** See {@link #view}. */
    record MailboxView(Mailbox mailbox, List<MessageState> messages) {}

    /** Messages whose modseq is above {@code since}, in UID order (new messages and flag changes). */
    List<MessageMeta> changedSince(MailboxId mailbox, ModSeq since);

    /**
     * What changed in a mailbox since {@code since}, read in one consistent snapshot so that nothing committed in
     * between is missed or seen twice: the mailbox's current counters, messages with a higher modseq (new or with
     * changed flags) and UIDs expunged with a higher modseq. Empty when the mailbox no longer exists.
     */
    Optional<MailboxChanges> changesSince(MailboxId mailbox, ModSeq since);

    /** See {@link #changesSince}. */
    record MailboxChanges(Mailbox mailbox, List<MessageMeta> changed, List<Uid> expunged) {}

    /**
     * IMAP4rev1 {@code \Recent} (RFC 3501 §2.3.2): the first UID of a mailbox that no session has claimed as recent
     * yet (every message from there on is recent to whichever session claims it first); {@link Long#MAX_VALUE} when
     * the mailbox does not exist. A read: an EXAMINE looks without claiming.
     */
    long recentFloor(MailboxId mailbox);

    /** UIDs expunged with a modseq above {@code since}, ascending (QRESYNC VANISHED, RFC 7162 §3.2.10). */
    List<Uid> expungedSince(MailboxId mailbox, ModSeq since);

    /**
     * A mailbox's STATUS counters (RFC 9051 §6.3.11; SIZE, RFC 8438; RECENT, RFC 3501 §6.3.10: the messages no session
     * has claimed), counted by the database in one snapshot rather than read message by message. Empty when the
     * mailbox does not exist.
     */
    Optional<Counters> counters(MailboxId mailbox);

    /**
     * {@link #counters} of several mailboxes, by id, read together (LIST-STATUS, RFC 5819: one query, where one per
     * mailbox cost a round trip each); a mailbox that does not exist is missing from the map.
     */
    default java.util.Map<MailboxId, Counters> counters(java.util.Collection<MailboxId> mailboxes) {
        java.util.Map<MailboxId, Counters> out = new java.util.HashMap<>();
        for (MailboxId id : mailboxes) counters(id).ifPresent(c -> out.put(id, c));
        return out;
    }

    /** See {@link #counters}. */
    record Counters(long messages, long unseen, long deleted, long size, long recent) {}

    /**
     * The UIDs of the messages that have ({@code with}) or lack ({@code !with}) {@code flag} (exactly as stored, e.g.
     * {@code \Deleted}), ascending: SEARCH UNSEEN or DELETED, EXPUNGE, without reading every message.
     */
    List<Uid> uidsWithFlag(MailboxId mailbox, String flag, boolean with);

    /**
     * The UIDs of the messages matching every criterion of {@code filter}, ascending: the search push-down. The
     * default scans the messages in memory; a store answers it with a query.
     */
    default List<Uid> search(MailboxId mailbox, SearchFilter filter) {
        return messages(mailbox).stream().filter(filter::matches).map(MessageMeta::uid).toList();
    }

    /**
     * Criteria a store can evaluate itself (a conjunction; each bound inclusive as named): UID range, RFC 9051 §6.4.4
     * LARGER / SMALLER (octets, strict), internal date on or after {@code since} and before {@code before}, flags
     * present and absent.
     */
    record SearchFilter(long minUid, long maxUid, long largerThan, long smallerThan, Optional<java.time.Instant> since,
                        Optional<java.time.Instant> before, java.util.Set<String> with, java.util.Set<String> without) {
        public static final SearchFilter ALL = new SearchFilter(1, Long.MAX_VALUE, -1, Long.MAX_VALUE, Optional.empty(),
                Optional.empty(), java.util.Set.of(), java.util.Set.of());

        public SearchFilter {
            with = java.util.Set.copyOf(with);
            without = java.util.Set.copyOf(without);
        }

        public SearchFilter larger(long n) {
            return new SearchFilter(minUid, maxUid, Math.max(largerThan, n), smallerThan, since, before, with, without);
        }

        public SearchFilter smaller(long n) {
            return new SearchFilter(minUid, maxUid, largerThan, Math.min(smallerThan, n), since, before, with, without);
        }

        public SearchFilter since(java.time.Instant t) {
            return new SearchFilter(minUid, maxUid, largerThan, smallerThan,
                    Optional.of(since.filter(s -> s.isAfter(t)).orElse(t)), before, with, without);
        }

        public SearchFilter before(java.time.Instant t) {
            return new SearchFilter(minUid, maxUid, largerThan, smallerThan, since,
                    Optional.of(before.filter(b -> b.isBefore(t)).orElse(t)), with, without);
        }

        public SearchFilter uids(long first, long last) {
            return new SearchFilter(Math.max(minUid, first), Math.min(maxUid, last), largerThan, smallerThan, since,
                    before, with, without);
        }

        public SearchFilter flag(String flag, boolean present) {
            java.util.Set<String> w = new java.util.HashSet<>(with);
            java.util.Set<String> wo = new java.util.HashSet<>(without);
            (present ? w : wo).add(flag);
            return new SearchFilter(minUid, maxUid, largerThan, smallerThan, since, before, w, wo);
        }

        /** The in-memory evaluation, which a store's query must agree with. */
        public boolean matches(MessageMeta m) {
            long u = m.uid().value();
            return u >= minUid && u <= maxUid && m.size() > largerThan && m.size() < smallerThan
                    && since.map(t -> !m.internalDate().isBefore(t)).orElse(true)
                    && before.map(t -> m.internalDate().isBefore(t)).orElse(true)
                    && m.flags().containsAll(with) && without.stream().noneMatch(m.flags()::contains);
        }
    }
}
