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

    /** One stored copy of the message for a recipient. */
    record Copy(Target target, Set<String> flags) {
        public Copy {
            flags = Set.copyOf(flags);
        }
    }

    /**
     * What the user's rules (Sieve) asked for one recipient beyond the default delivery.
     *
     * @param copies    the copies to store (RFC 5228 keep and fileinto, the implicit keep); none when discarded or only
     *                  redirected
     * @param redirects addresses to send the message on to (RFC 5228 §4.2), through the forwarder
     * @param followups what to do once the delivery is stored: replies to queue, notices to the user, marks to record
     * @param edited    the recipient's own copy when their script edited the header (RFC 5293) beyond what a header
     *                  prefix can hold: a committed blob with the edited header (the stages' lines in it) and the
     *                  original body, stored for every copy and local redirect of theirs instead of the shared blob
     */
    record Rules(List<Copy> copies, List<String> redirects, List<Followup> followups, Optional<Own> edited) {
        public Rules {
            copies = List.copyOf(copies);
            redirects = List.copyOf(redirects);
            followups = List.copyOf(followups);
        }

        /** Over the shared blob. */
        public Rules(List<Copy> copies, List<String> redirects, List<Followup> followups) {
            this(copies, redirects, followups, Optional.empty());
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
