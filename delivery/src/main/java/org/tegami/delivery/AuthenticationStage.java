package org.tegami.delivery;

import java.util.List;
import org.tegami.store.AccountId;

/**
 * The slot for sender authentication: SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489) and ARC (RFC 8617) from the
 * {@code mailauth} module go here. It will add {@code Authentication-Results} (RFC 8601), may refuse on a DMARC
 * reject policy, and leaves its results for the classifier through {@link #tokens}. Until it is wired it checks
 * nothing and claims nothing: no header, no tokens.
 */
public final class AuthenticationStage implements Stage {
    /** The memo key under which the authentication results, as classifier tokens, are left for later stages. */
    public static final Object TOKENS = new Object();

    @Override
    public String name() {
        return "authentication (not wired yet)";
    }

    @Override
    public Outcome apply(InboundMessage message, AccountId recipient, Outcome.Deliver sofar) {
        return sofar;
    }

    /**
     * The classifier's tokens for the authentication results (such as {@code auth:spf=pass}, {@code auth:dkim=fail});
     * none until the stage checks something.
     */
    public static List<String> tokens(InboundMessage message) {
        return message.memo().<List<String>>peek(TOKENS).orElse(List.of());
    }
}
