package org.tegami.delivery;

import org.tegami.store.AccountId;

/**
 * The slot for the user's own rules (Sieve, RFC 5228: fileinto, discard, reject) that run after the classifier and
 * may override its choice of mailbox. Until it is implemented every message goes on as the stages before decided.
 */
public final class UserRulesStage implements Stage {
    @Override
    public String name() {
        return "user rules (Sieve, not implemented yet)";
    }

    @Override
    public Outcome apply(InboundMessage message, AccountId recipient, Outcome.Deliver sofar) {
        return sofar;
    }
}
