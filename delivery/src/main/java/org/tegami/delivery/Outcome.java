package org.tegami.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.tegami.store.DeliveryRequest.Own;
import org.tegami.store.DeliveryRequest.Target;

/** What the pipeline decided for one recipient: deliver somewhere, or refuse. */
public sealed interface Outcome {

    /**
     * Store the message in {@code target} with these flags, with {@code headers} (complete fields, without CRLF)
     * stored in front of the blob for this recipient only.
     */
    record Deliver(Target target, Set<String> flags, List<String> headers, Optional<Rules> rules) implements Outcome {
        public Deliver {
            flags = Set.copyOf(flags);
            headers = List.copyOf(headers);
        }

        /** Without user rules: one copy in {@code target}. */
        public Deliver(Target target, Set<String> flags, List<String> headers) {
            this(target, flags, headers, Optional.empty());
        }

        /** Where every recipient starts: the INBOX, no flags, no added lines. */
        public static final Deliver INBOX = new Deliver(Target.INBOX, Set.of(), List.of());

        public Deliver withTarget(Target t) {
            return new Deliver(t, flags, headers, rules);
        }

        public Deliver withFlag(String flag) {
            Set<String> f = new TreeSet<>(flags);
            f.add(flag);
            return new Deliver(target, f, headers, rules);
        }

        /** Adds a header field; stages add theirs in pipeline order, so the first stage's lines come first. */
        public Deliver withHeader(String field) {
            List<String> h = new ArrayList<>(headers);
            h.add(field);
            return new Deliver(target, flags, h, rules);
        }

        /** With header fields in front of those added so far (Sieve editheader's addheader, RFC 5293 §4). */
        public Deliver withHeadersFirst(List<String> fields) {
            List<String> h = new ArrayList<>(fields);
            h.addAll(headers);
            return new Deliver(target, flags, h, rules);
        }

        /** What the user's rules decided; {@link #target} and {@link #flags} are then only the default place. */
        public Deliver withRules(Rules r) {
            return new Deliver(target, flags, headers, Optional.of(r));
        }

        /** The copies to store: the rules' copies when there are rules (none: discarded), else one in the target. */
        public List<Copy> copies() {
            return rules.map(Rules::copies).orElse(List.of(new Copy(target, flags)));
        }
    }

    /** One stored copy of the message for a recipient, with the header its user's rules left for it. */
    record Copy(Target target, Set<String> flags, Edit edit) {
        public Copy {
            flags = Set.copyOf(flags);
        }

        /** The message as the stages left it. */
        public Copy(Target target, Set<String> flags) {
            this(target, flags, Edit.NONE);
        }
    }

    /**
     * How one copy's header differs from the message as the stages left it, after Sieve editheader (RFC 5293 §7: each
     * action stores or sends the message with the header fields as they were when it ran).
     */
    sealed interface Edit {
        /** Not edited. */
        Edit NONE = new Prefix(List.of());

        /**
         * Fields added at the top, each one a header prefix may hold: stored as lines in front of the stages' lines
         * (complete fields without their final CRLF), sent in front of the message when redirected.
         */
        record Prefix(List<String> fields) implements Edit {
            public Prefix {
                fields = List.copyOf(fields);
            }
        }

        /**
         * Any other edit: a committed blob with the edited header (the stages' lines in it) and the original body, for
         * storing; {@code forRemote} writes the blob a remote redirect sends, given the bytes at the start of the
         * shared blob that are not sent on (our Return-Path line): the edited header without the stages' lines and
         * without that line, then the body. Empty when that blob could not be written.
         */
        record Rewritten(Own own, java.util.function.LongFunction<Optional<Own>> forRemote) implements Edit {}
    }

    /** A Sieve redirect (RFC 5228 §4.2) and the header as it was when it ran. */
    record Redirect(String address, Edit edit) {}

    /**
     * What the user's rules (Sieve) asked for one recipient beyond the default delivery.
     *
     * @param copies    the copies to store (RFC 5228 keep and fileinto, the implicit keep), each with its header; none
     *                  when discarded or only redirected
     * @param redirects addresses to send the message on to (RFC 5228 §4.2), through the forwarder, each with its header
     * @param followups what to do once the delivery is stored: replies to queue, notices to the user, marks to record
     */
    record Rules(List<Copy> copies, List<Redirect> redirects, List<Followup> followups) {
        public Rules {
            copies = List.copyOf(copies);
            redirects = List.copyOf(redirects);
            followups = List.copyOf(followups);
        }

        /** The own blob of the first copy or redirect whose header was rewritten, if any. */
        public Optional<Own> edited() {
            for (Copy c : copies) if (c.edit() instanceof Edit.Rewritten r) return Optional.of(r.own());
            for (Redirect r : redirects) if (r.edit() instanceof Edit.Rewritten w) return Optional.of(w.own());
            return Optional.empty();
        }
    }

    /** Work done after the delivery is committed (never before: a refused or failed delivery does none of it). */
    sealed interface Followup {
        /**
         * A message to queue from the null reverse-path (a vacation reply, RFC 5230 §5.1 and RFC 3834 §3.3).
         *
         * @param dkimDomain the domain to sign it for (the user's)
         */
        record Reply(String to, byte[] message, String dkimDomain) implements Followup {}

        /** A message to store in the recipient's INBOX (a note that their filter failed). */
        record Notice(byte[] message) implements Followup {}

        /** A record to make once the message is stored (Sieve duplicate marks, vacation's once-per-period). */
        record AfterCommit(Runnable action) implements Followup {}
    }

    /**
     * Refuse the message for this recipient with an SMTP reply (RFC 5321 §4.2; RFC 3463 enhanced code): 5xx
     * permanently, 4xx "try later". The text goes to the client: keep it generic.
     */
    record Refuse(int code, String enhanced, String text) implements Outcome {
        public Refuse {
            if (code < 400 || code > 599) throw new IllegalArgumentException("not a failure reply: " + code);
            if (enhanced.isEmpty() || enhanced.charAt(0) - '0' != code / 100) {
                throw new IllegalArgumentException("enhanced code " + enhanced + " does not match " + code);
            }
        }

        public boolean temporary() {
            return code < 500;
        }
    }
}
