package org.tegami.mailauth.arc;

import java.util.List;

/**
 * The outcome of validating a message's ARC chain (RFC 8617 §5.2).
 *
 * @param instances    the number of ARC sets (0 for none)
 * @param oldestPass   the lowest instance whose AMS and every later one validate; 0 when all validate
 *                     (RFC 8617 §5.2 step 5), -1 when the chain failed
 * @param hops         each set, oldest first: who sealed it and the results it recorded, so a later stage can
 *                     trust the results of a known forwarder
 * @param reason       a short diagnostic
 */
public record ArcVerdict(ArcResult result, int instances, int oldestPass, List<Hop> hops, String reason) {
    public ArcVerdict {
        hops = List.copyOf(hops);
    }

    /**
     * One ARC set.
     *
     * @param sealer         d= of the ARC-Seal
     * @param authResults    the ARC-Authentication-Results value after "i=N;": the authserv-id and results
     *                       the sealer recorded
     */
    public record Hop(int instance, String sealer, String authResults) {}

    /** The most recent sealer's hop, when the chain passed. */
    public java.util.Optional<Hop> latest() {
        return result == ArcResult.PASS && !hops.isEmpty() ? java.util.Optional.of(hops.getLast()) : java.util.Optional.empty();
    }
}
