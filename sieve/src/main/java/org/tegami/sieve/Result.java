package org.tegami.sieve;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of one evaluation.
 *
 * @param actions        what to do, in order, deduplicated (RFC 5228 §2.10.3); empty after a runtime error
 * @param implicitKeep   whether the agent must also file into INBOX (RFC 5228 §2.10.2), with {@link #keepFlags()}
 * @param keepFlags      the flags for the implicit keep (RFC 5232 §3: the internal variable at the end)
 * @param headers        the header section as editheader left it at the end (RFC 5293): what the implicit keep
 *                       stores; see {@link Headers}
 * @param duplicateMarks ids the agent records once the delivery succeeds (RFC 7352 §3)
 * @param runtimeError   why evaluation failed: a runtime error or a runtime limit; the agent then files into
 *                       INBOX as the implicit keep (RFC 5228 §2.10.6) and should tell the user
 * @param states         for each of {@link #actions}, index for index, the header section as it was when that action
 *                       ran (RFC 5293 §7: an action that stores or sends the message uses the current header fields,
 *                       so a fileinto before a deleteheader stores the field); states with no edit between them are
 *                       the same object
 */
public record Result(List<Action> actions, boolean implicitKeep, List<String> keepFlags, Headers headers,
        List<DuplicateMark> duplicateMarks, Optional<String> runtimeError, List<Headers> states) {

    public Result {
        if (states.size() != actions.size()) throw new IllegalArgumentException("one header state per action");
    }

    /** The header section {@code actions().get(i)} saw. */
    public Headers state(int i) {
        return states.get(i);
    }

    /** One RFC 7352 record to store: {@code last} refreshes the expiry on every hit (RFC 7352 §3.4). */
    public record DuplicateMark(String handle, String id, Duration expiry, boolean last) {}

    /**
     * The header section after editheader.
     *
     * @param prepended     fields added at the top, in the order they appear in the final header
     * @param fields        the whole header section as it ends up
     * @param onlyPrepended whether {@code fields} is {@code prepended} followed by the original fields unchanged, so
     *                      an agent that stores header lines as a prefix needs nothing else
     */
    public record Headers(List<HeaderField> prepended, List<HeaderField> fields, boolean onlyPrepended) {

        /** The prefix to store in front of the original message, or empty when the header must be rewritten. */
        public Optional<String> prefix() {
            if (!onlyPrepended) return Optional.empty();
            StringBuilder b = new StringBuilder();
            for (HeaderField f : prepended) b.append(f.toLines());
            return Optional.of(b.toString());
        }
    }

    public boolean failed() {
        return runtimeError.isPresent();
    }
}
