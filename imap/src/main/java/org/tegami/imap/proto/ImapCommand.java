package org.tegami.imap.proto;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every IMAP command the server understands (RFC 9051 §6, RFC 3501 §6, and the extensions named per record).
 * Mailbox names are as sent (modified UTF-7 from IMAP4rev1 clients, see {@link MailboxName}) except that any
 * case of {@code INBOX} is normalised to {@code INBOX}; LIST patterns and references are left untouched.
 */
public sealed interface ImapCommand {
    record Capability() implements ImapCommand {}

    record Noop() implements ImapCommand {}

    record Logout() implements ImapCommand {}

    record StartTls() implements ImapCommand {}

    /** RFC 9051 §6.2.2; the initial response is RFC 4959 SASL-IR, {@code =} meaning an empty response. */
    record Authenticate(String mechanism, Optional<String> initialResponse) implements ImapCommand {}

    record Login(String user, String password) implements ImapCommand {}

    /** RFC 5161; capability names upper-cased. */
    record Enable(List<String> capabilities) implements ImapCommand {
        public Enable {
            capabilities = List.copyOf(capabilities);
        }
    }

    /** RFC 7162 §3.2.5 QRESYNC select parameter; {@code knownSeqs}/{@code knownSeqUids} are the seq-match-data. */
    record Qresync(long uidValidity, long modSeq, Optional<SequenceSet> knownUids,
            Optional<SequenceSet> knownSeqs, Optional<SequenceSet> knownSeqUids) {}

    /** RFC 9051 §6.3.2; CONDSTORE and QRESYNC parameters from RFC 7162 §3.1.8 and §3.2.5. */
    record Select(String mailbox, boolean condstore, Optional<Qresync> qresync) implements ImapCommand {}

    record Examine(String mailbox, boolean condstore, Optional<Qresync> qresync) implements ImapCommand {}

    /** RFC 6154 §5.3: {@code specialUse} from the {@code USE} parameter, e.g. {@code \Sent}. */
    record Create(String mailbox, List<String> specialUse) implements ImapCommand {
        public Create {
            specialUse = List.copyOf(specialUse);
        }
    }

    record Delete(String mailbox) implements ImapCommand {}

    record Rename(String from, String to) implements ImapCommand {}

    record Subscribe(String mailbox) implements ImapCommand {}

    record Unsubscribe(String mailbox) implements ImapCommand {}

    /** RFC 5258 §3 RETURN options; {@code status} from RFC 5819 (upper-cased status items, empty when absent). */
    /** LIST RETURN options (RFC 5258 §6, RFC 5819, RFC 6154, and MYRIGHTS: RFC 8440). */
    record ReturnOptions(boolean subscribed, boolean children, boolean specialUse, List<String> status, boolean myRights) {
        public static final ReturnOptions NONE = new ReturnOptions(false, false, false, List.of(), false);

        public ReturnOptions {
            status = List.copyOf(status);
        }
    }

    /** RFC 9051 §6.3.9 with LIST-EXTENDED (RFC 5258): select options upper-cased, several patterns allowed. */
    record ListCmd(String reference, List<String> patterns, Set<String> selectOptions, ReturnOptions returns)
            implements ImapCommand {
        public ListCmd {
            patterns = List.copyOf(patterns);
            selectOptions = Set.copyOf(selectOptions);
        }
    }

    /** RFC 3501 §6.3.9. */
    record Lsub(String reference, String pattern) implements ImapCommand {}

    /** RFC 9051 §6.3.10, RFC 2342. */
    record Namespace() implements ImapCommand {}

    /** RFC 9051 §6.3.11; items upper-cased. */
    record Status(String mailbox, List<String> items) implements ImapCommand {
        public Status {
            items = List.copyOf(items);
        }
    }

    /**
     * RFC 9051 §6.3.12. The message octets are not part of the record: the parser stops after the literal header,
     * and the server checks {@code literalSize} against its message limit, sends {@code +} for a synchronizing
     * literal, streams the octets and then calls {@link ImapParser#appendEnd} for the rest of the line.
     *
     * @param binary true for {@code ~{n}} (RFC 3516 §4.4 literal8)
     * @param utf8   true for {@code UTF8 (~{n})} (RFC 6855 §4): the closing parenthesis follows the octets
     */
    record Append(String mailbox, List<String> flags, Optional<OffsetDateTime> date, long literalSize,
            boolean nonSync, boolean binary, boolean utf8) implements ImapCommand {
        public Append {
            flags = List.copyOf(flags);
        }

        /** A plain APPEND message, without the RFC 6855 {@code UTF8 (...)} wrapper. */
        public Append(String mailbox, List<String> flags, Optional<OffsetDateTime> date, long literalSize,
                boolean nonSync, boolean binary) {
            this(mailbox, flags, date, literalSize, nonSync, binary, false);
        }
    }

    /** One part of a CATENATE (RFC 4469 §5): literal text, or an IMAP URL of a message or section to copy. */
    sealed interface CatPart {
        /** A literal of {@code size} octets, not read yet: the server streams it into the message. */
        record Text(long size, boolean nonSync) implements CatPart {}

        record Url(String url) implements CatPart {}
    }

    /**
     * RFC 4469: APPEND of a message assembled from text and parts of messages already stored; the parts are read
     * as the server assembles it.
     */
    record Catenate(String mailbox, List<String> flags, Optional<OffsetDateTime> date, CatenateParts parts)
            implements ImapCommand {
        public Catenate {
            flags = List.copyOf(flags);
        }
    }

    /** RFC 8508: replace message {@code number} (a sequence number, or a UID) by {@code message}, appended to its mailbox. */
    record Replace(boolean uid, long number, Append message) implements ImapCommand {}

    /** RFC 5464 §4.3: set (value present) or remove (empty) entries; mailbox {@code ""} means the server. */
    record SetMetadata(String mailbox, Map<String, Optional<String>> entries) implements ImapCommand {
        public SetMetadata {
            entries = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(entries));
        }
    }

    /**
     * RFC 5464 §4.2; {@code depth} 0, 1 or -1 for infinity; {@code maxSize} from the MAXSIZE option.
     */
    record GetMetadata(String mailbox, List<String> entries, int depth, Optional<Long> maxSize) implements ImapCommand {
        public GetMetadata {
            entries = List.copyOf(entries);
        }
    }

    /** RFC 9208 §4.2: the quota of a quota root. */
    record GetQuota(String root) implements ImapCommand {}

    /** RFC 9208 §4.3: the quota roots of a mailbox and their quotas. */
    record GetQuotaRoot(String mailbox) implements ImapCommand {}

    /** RFC 5465 §3.1: NOTIFY SET (groups non-empty) or NOTIFY NONE (no groups). */
    record Notify(boolean status, List<EventGroup> groups) implements ImapCommand {
        public Notify {
            groups = List.copyOf(groups);
        }
    }

    /**
     * RFC 5465 §8 event-group: a filter ({@code selected}, {@code selected-delayed}, {@code inboxes},
     * {@code personal}, {@code subscribed}, {@code subtree}, {@code mailboxes}; lower case), its mailboxes, the event
     * names (RFC spelling; unknown ones as sent; empty for NONE) and MessageNew's fetch attributes.
     */
    record EventGroup(String filter, List<String> mailboxes, List<String> events, List<FetchItem> fetch) {
        public EventGroup {
            mailboxes = List.copyOf(mailboxes);
            events = List.copyOf(events);
            fetch = List.copyOf(fetch);
        }

        public boolean selected() {
            return filter.startsWith("selected");
        }
    }

    /** RFC 4314 §3.1: rights replaced, or added ({@code +}) or removed ({@code -}). */
    record SetAcl(String mailbox, String identifier, String rights) implements ImapCommand {}

    /** RFC 4314 §3.2. */
    record DeleteAcl(String mailbox, String identifier) implements ImapCommand {}

    /** RFC 4314 §3.3. */
    record GetAcl(String mailbox) implements ImapCommand {}

    /** RFC 4314 §3.4. */
    record ListRights(String mailbox, String identifier) implements ImapCommand {}

    /** RFC 4314 §3.5. */
    record MyRights(String mailbox) implements ImapCommand {}

    /** RFC 9208 §4.1: set limits (resource name upper-cased to limit). */
    record SetQuota(String root, Map<String, Long> limits) implements ImapCommand {
        public SetQuota {
            limits = Map.copyOf(limits);
        }
    }

    /** RFC 9051 §6.3.13, RFC 2177. */
    record Idle() implements ImapCommand {}

    /** RFC 3501 §6.4.1: an IMAP4rev1 checkpoint, a no-op here. */
    record Check() implements ImapCommand {}

    record Close() implements ImapCommand {}

    /** RFC 9051 §6.4.2, RFC 3691. */
    record Unselect() implements ImapCommand {}

    record Expunge() implements ImapCommand {}

    /** RFC 8437: back to the not-authenticated state. */
    record Unauthenticate() implements ImapCommand {}

    /** RFC 4978; the mechanism upper-cased ({@code DEFLATE} is the only one defined). */
    record Compress(String mechanism) implements ImapCommand {}

    /** RFC 9051 §6.4.9, RFC 4315. */
    record UidExpunge(SequenceSet set) implements ImapCommand {}

    /**
     * RFC 9051 §6.4.4; {@code returnOptions} (ESEARCH, RFC 4731 §3.1) upper-cased, e.g. {@code MIN}, {@code SAVE};
     * an empty {@code RETURN ()} is given as {@code ALL}. Several top-level keys form one {@link SearchKey.And}.
     */
    record Search(boolean uid, Optional<String> charset, SearchKey key, List<String> returnOptions,
            Optional<PartialRange> partial) implements ImapCommand {
        public Search {
            returnOptions = List.copyOf(returnOptions);
        }

        public Search(boolean uid, Optional<String> charset, SearchKey key, List<String> returnOptions) {
            this(uid, charset, key, returnOptions, Optional.empty());
        }
    }

    /**
     * RFC 9394 §3 partial-range: positions in a result, 1-based from the start ({@code 1:100}) or, negative, from the
     * end ({@code -1:-100} is the last hundred); normalised so that {@code first} is nearer that end.
     */
    record PartialRange(long first, long last) {
        public PartialRange {
            // RFC 9394 §3.1: 4:2 is the range 2:4 and -4:-2 the range -2:-4, and the response echoes it that way
            if (Math.abs(first) > Math.abs(last)) {
                long t = first;
                first = last;
                last = t;
            }
        }

        /** The slice of {@code ascending} this range names, in ascending order. */
        public <T> List<T> of(List<T> ascending) {
            long lo = Math.min(Math.abs(first), Math.abs(last));
            long hi = Math.max(Math.abs(first), Math.abs(last));
            int n = ascending.size();
            long from = first > 0 ? lo - 1 : n - hi;
            long to = first > 0 ? hi : n - lo + 1;
            from = Math.max(0, from);
            to = Math.min(n, to);
            return from >= to ? List.of() : ascending.subList((int) from, (int) to);
        }

        @Override
        public String toString() {
            return first + ":" + last;
        }
    }

    /** One SORT criterion (RFC 5256 §3, RFC 5957): ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, DISPLAYFROM, DISPLAYTO. */
    record SortCriterion(boolean reverse, String key) {}

    /**
     * RFC 5256 §3 SORT and UID SORT; the charset is required there; several keys form one {@link SearchKey.And};
     * {@code returnOptions} from ESORT (RFC 5267 §3.2: MIN MAX ALL COUNT; §4: PARTIAL, UPDATE, CONTEXT), empty for a
     * plain SORT.
     */
    record Sort(boolean uid, List<SortCriterion> criteria, String charset, SearchKey key, List<String> returnOptions,
            Optional<PartialRange> partial) implements ImapCommand {
        public Sort {
            criteria = List.copyOf(criteria);
            returnOptions = List.copyOf(returnOptions);
        }

        public Sort(boolean uid, List<SortCriterion> criteria, String charset, SearchKey key, List<String> returnOptions) {
            this(uid, criteria, charset, key, returnOptions, Optional.empty());
        }
    }

    /** RFC 5267 §4.2.1: stop the updates of the searches started with these tags (RETURN (UPDATE)). */
    record CancelUpdate(List<String> tags) implements ImapCommand {
        public CancelUpdate {
            tags = List.copyOf(tags);
        }
    }

    /** RFC 5256 §3 THREAD and UID THREAD; algorithm upper-cased (ORDEREDSUBJECT, REFERENCES). */
    record Thread(boolean uid, String algorithm, String charset, SearchKey key) implements ImapCommand {}

    /** An RFC 7377 source: a filter name (lower-cased, e.g. {@code personal}, {@code subtree}) and its mailboxes. */
    record SearchSource(String filter, List<String> mailboxes) {
        public SearchSource {
            mailboxes = List.copyOf(mailboxes);
        }
    }

    /** RFC 7377 ESEARCH: a SEARCH over several mailboxes, answered with UIDs per mailbox. */
    record MultiSearch(List<SearchSource> sources, Search search) implements ImapCommand {
        public MultiSearch {
            sources = List.copyOf(sources);
        }
    }

    /** RFC 9051 §6.4.5; macros are expanded; CHANGEDSINCE and VANISHED from RFC 7162 §3.1.4 and §3.2.6. */
    record Fetch(boolean uid, SequenceSet set, List<FetchItem> items, Optional<Long> changedSince, boolean vanished,
            Optional<PartialRange> partial) implements ImapCommand {
        public Fetch {
            items = List.copyOf(items);
        }

        public Fetch(boolean uid, SequenceSet set, List<FetchItem> items, Optional<Long> changedSince, boolean vanished) {
            this(uid, set, items, changedSince, vanished, Optional.empty());
        }
    }

    enum StoreMode { ADD, REMOVE, REPLACE }

    /** RFC 9051 §6.4.6; UNCHANGEDSINCE from RFC 7162 §3.1.3; system flags in canonical case. */
    record Store(boolean uid, SequenceSet set, StoreMode mode, boolean silent, List<String> flags,
            Optional<Long> unchangedSince) implements ImapCommand {
        public Store {
            flags = List.copyOf(flags);
        }
    }

    record Copy(boolean uid, SequenceSet set, String mailbox) implements ImapCommand {}

    /** RFC 9051 §6.4.8, RFC 6851. */
    record Move(boolean uid, SequenceSet set, String mailbox) implements ImapCommand {}

    /** RFC 2971; empty for {@code ID NIL}; fields whose value is NIL are left out. */
    record Id(Optional<Map<String, String>> fields) implements ImapCommand {}
}
