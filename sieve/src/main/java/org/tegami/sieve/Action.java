package org.tegami.sieve;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The actions a script leaves for the delivery agent to execute, in script order (RFC 5228 §4). */
public sealed interface Action {

    /** Store into INBOX (RFC 5228 §4.3) with these IMAP flags (RFC 5232 §5). */
    record Keep(List<String> flags) implements Action {}

    /**
     * Store into {@code mailbox} (RFC 5228 §4.1), creating it first when {@code create} (RFC 5490 §3.2); {@code copy}
     * (RFC 3894) only records that this action did not cancel the implicit keep.
     */
    record FileInto(String mailbox, List<String> flags, boolean create, boolean copy) implements Action {}

    /** Forward to {@code address} (RFC 5228 §4.2); {@code copy} as above. */
    record Redirect(String address, boolean copy) implements Action {}

    /** Throw the message away silently (RFC 5228 §4.4): only ever present when nothing else stores it. */
    record Discard() implements Action {}

    /** Refuse with a DSN/MDN (RFC 5429 §2.2). */
    record Reject(String reason) implements Action {}

    /** Refuse in the SMTP transaction when possible, else like {@link Reject} (RFC 5429 §2.1). */
    record Ereject(String reason) implements Action {}

    /**
     * Send an automatic reply (RFC 5230, RFC 6131), already checked against the RFC 5230 §4.5 rules by
     * {@link Vacations#shouldReply}. The agent sends at most one reply per {@code (handle, recipient)} within
     * {@code period}, and builds it with {@link Vacations#reply}.
     *
     * @param handle    the key for the once-per-period tracking (RFC 5230 §4.2), derived from the arguments when
     *                  the script gave none
     * @param recipient who gets the reply: the envelope sender of the message
     * @param period    {@code :days} or {@code :seconds}
     * @param subject   the subject to use, empty for the RFC 5230 §4.3 default
     * @param from      the From address to use, empty for the user's address
     * @param addresses the user's extra addresses (:addresses)
     * @param mime      whether {@code reason} is a MIME entity (RFC 5230 §4.4)
     * @param reason    the reply text
     */
    record Vacation(String handle, String recipient, Duration period, Optional<String> subject, Optional<String> from,
            List<String> addresses, boolean mime, String reason) implements Action {}
}
