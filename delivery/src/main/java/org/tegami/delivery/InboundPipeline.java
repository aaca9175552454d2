package org.tegami.delivery;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tegami.store.AccountId;
import org.tegami.store.ReadGroup;

/**
 * The inbound pipeline (ADR 0008): every local delivery passes through it, per recipient, over one blob —
 * [DNSBL → greylisting →] authenticate (SPF/DKIM/DMARC/ARC) → [rspamd →] classify (spam) → user rules (Sieve) →
 * store, the bracketed stages when configured. See {@link Stage} for the
 * call contract. Thread-safe and stateless: the caller stores the outcomes.
 */
public final class InboundPipeline {
    private static final Logger LOG = System.getLogger(InboundPipeline.class.getName());

    private final List<Stage> stages;

    /** The pipeline with these stages in order. */
    public InboundPipeline(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    /** A pipeline that delivers everything to the INBOX unchanged. */
    public static InboundPipeline direct() {
        return new InboundPipeline(List.of());
    }

    public List<Stage> stages() {
        return stages;
    }

    /**
     * The outcome for each recipient of the message, in recipient order. The stages' reads of the store go together
     * ({@link ReadGroup}): on PostgreSQL one read transaction for the message, where each lookup was one of its own.
     */
    public Map<AccountId, Outcome> run(InboundMessage message) {
        return ReadGroup.run(() -> {
            Map<AccountId, Outcome> out = new LinkedHashMap<>();
            for (AccountId rcpt : message.recipients()) out.put(rcpt, run(message, rcpt));
            return out;
        });
    }

    private Outcome run(InboundMessage message, AccountId rcpt) {
        Outcome.Deliver sofar = Outcome.Deliver.INBOX;
        for (Stage stage : stages) {
            Outcome o;
            try {
                o = stage.apply(message, rcpt, sofar);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "inbound stage " + stage.name() + " failed for blob " + message.blob()
                        + "; delivering without it", e);
                continue;
            }
            switch (o) {
                case Outcome.Refuse r -> {
                    return r;
                }
                case Outcome.Deliver d -> sofar = d;
            }
        }
        return sofar;
    }
}
