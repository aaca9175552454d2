package org.tegami.imap.proto;

import java.time.LocalDate;
import java.util.List;

/** A SEARCH criterion (RFC 9051 §6.4.4, RFC 3501 §6.4.4; MODSEQ from RFC 7162 §3.1.5). */
public sealed interface SearchKey {
    record All() implements SearchKey {}

    record Answered() implements SearchKey {}

    record Deleted() implements SearchKey {}

    record Draft() implements SearchKey {}

    record Flagged() implements SearchKey {}

    record Seen() implements SearchKey {}

    /** RFC 3501: RECENT and UNSEEN; IMAP4rev2 has no \Recent, so a rev2 server treats it as matching nothing. */
    record New() implements SearchKey {}

    record Old() implements SearchKey {}

    record Recent() implements SearchKey {}

    record Unanswered() implements SearchKey {}

    record Undeleted() implements SearchKey {}

    record Undraft() implements SearchKey {}

    record Unflagged() implements SearchKey {}

    record Unseen() implements SearchKey {}

    record Keyword(String flag) implements SearchKey {}

    record Unkeyword(String flag) implements SearchKey {}

    /**
     * A header field containing {@code value}; FROM, TO, CC, BCC and SUBJECT become this with the field name
     * {@code From}, {@code To}, {@code Cc}, {@code Bcc}, {@code Subject}. An empty value matches every message that
     * has the field (RFC 9051 §6.4.4).
     */
    record Header(String field, String value) implements SearchKey {}

    record Body(String value) implements SearchKey {}

    record Text(String value) implements SearchKey {}

    /** Internal date before the day (disregarding time and zone). */
    record Before(LocalDate date) implements SearchKey {}

    record On(LocalDate date) implements SearchKey {}

    record Since(LocalDate date) implements SearchKey {}

    /** Date header before the day. */
    record SentBefore(LocalDate date) implements SearchKey {}

    record SentOn(LocalDate date) implements SearchKey {}

    record SentSince(LocalDate date) implements SearchKey {}

    record Larger(long size) implements SearchKey {}

    record Smaller(long size) implements SearchKey {}

    record UidSet(SequenceSet set) implements SearchKey {}

    record SeqSet(SequenceSet set) implements SearchKey {}

    record Not(SearchKey key) implements SearchKey {}

    record Or(SearchKey a, SearchKey b) implements SearchKey {}

    /** Several keys that must all match: a parenthesised list or the top-level key list. */
    record And(List<SearchKey> keys) implements SearchKey {
        public And {
            keys = List.copyOf(keys);
        }
    }

    /** RFC 8514 §4: save date before the day. */
    record SavedBefore(LocalDate date) implements SearchKey {}

    record SavedOn(LocalDate date) implements SearchKey {}

    record SavedSince(LocalDate date) implements SearchKey {}

    /** RFC 8514 §4: every message when the mailbox keeps save dates. */
    record SaveDateSupported() implements SearchKey {}

    /** RFC 8474 §6: messages with this EMAILID. */
    record EmailId(String id) implements SearchKey {}

    /** RFC 8474 §6: messages with this THREADID. */
    record ThreadId(String id) implements SearchKey {}

    /** RFC 5032 WITHIN: internal date at least {@code seconds} ago. */
    record Older(long seconds) implements SearchKey {}

    /** RFC 5032 WITHIN: internal date less than {@code seconds} ago. */
    record Younger(long seconds) implements SearchKey {}

    /** RFC 7162 §3.1.5: messages whose mod-sequence is at least {@code modSeq}; entry name and type are ignored. */
    record ModSeq(long modSeq) implements SearchKey {}
}
