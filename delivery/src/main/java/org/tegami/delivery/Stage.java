package org.tegami.delivery;

/**
 * One step of the inbound pipeline (authenticate, classify, user rules). The call contract:
 * <ul>
 *   <li>{@link InboundPipeline} calls {@link #apply} once per local recipient, in recipient order, and runs the stages
 *       in pipeline order for each; a stage sees what the stages before it decided ({@code sofar}).</li>
 *   <li>It returns {@code sofar}, a changed copy (target, flags, an added header line) to go on, or a
 *       {@link Outcome.Refuse}, which ends the pipeline for that recipient.</li>
 *   <li>It is called after the blob is durable and before anything is stored; it stores nothing and talks to no
 *       client. Work that does not depend on the recipient is done once per message through
 *       {@link InboundMessage#memo()}.</li>
 *   <li>Calls for different messages run concurrently: a stage is thread-safe. A stage that throws is skipped for
 *       that recipient and logged (a filter's bug must not stop mail): the message goes on as {@code sofar}.</li>
 * </ul>
 */
public interface Stage {

    /** A short name for logs and the startup summary. */
    String name();

    Outcome apply(InboundMessage message, org.tegami.store.AccountId recipient, Outcome.Deliver sofar);
}
