package org.tegami.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.tegami.store.DeliveryRequest.Target;

/** What the pipeline decided for one recipient: deliver somewhere, or refuse. */
public sealed interface Outcome {

    /**
     * Store the message in {@code target} with these flags, with {@code headers} (complete fields, without CRLF)
     * stored in front of the blob for this recipient only.
     */
    record Deliver(Target target, Set<String> flags, List<String> headers) implements Outcome {
        public Deliver {
            flags = Set.copyOf(flags);
            headers = List.copyOf(headers);
        }

        /** Where every recipient starts: the INBOX, no flags, no added lines. */
        public static final Deliver INBOX = new Deliver(Target.INBOX, Set.of(), List.of());

        public Deliver withTarget(Target t) {
            return new Deliver(t, flags, headers);
        }

        public Deliver withFlag(String flag) {
            Set<String> f = new TreeSet<>(flags);
            f.add(flag);
            return new Deliver(target, f, headers);
        }

        /** Adds a header field; stages add theirs in pipeline order, so the first stage's lines come first. */
        public Deliver withHeader(String field) {
            List<String> h = new ArrayList<>(headers);
            h.add(field);
            return new Deliver(target, flags, h);
        }
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
