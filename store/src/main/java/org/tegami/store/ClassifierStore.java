package org.tegami.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spam classifier's state: per-account token counts (and a shared model that every account's learning also
 * feeds, for accounts that have learned too little yet), what each account has learned from which message, and the
 * queue of learning work that moves and flag changes leave behind (see {@link MailStore#copy}).
 *
 * <p>Thread-safe; each method is one transaction. The empty account means the shared model.
 */
public interface ClassifierStore {

    /** What a message was learned as. */
    enum Verdict { SPAM, HAM }

    /** Messages learned per class. */
    record Totals(long spam, long ham) {
        public static final Totals ZERO = new Totals(0, 0);
    }

    /** How many learned messages of each class held a token. */
    record Counts(long spam, long ham) {}

    Totals totals(Optional<AccountId> account);

    /** The counts of the given tokens that the model has; tokens it never saw are absent. */
    Map<String, Counts> counts(Optional<AccountId> account, Collection<String> tokens);

    /**
     * Learns one message as {@code verdict} for an account and the shared model, at most once per message and
     * verdict: a message already learned as {@code verdict} changes nothing; one learned as the other verdict is
     * unlearned from that class first (the user reversed the verdict). {@code message} identifies the content
     * (its blob), {@code tokens} are its distinct tokens.
     *
     * @return false when nothing changed (learned already)
     */
    boolean learn(AccountId account, String message, Verdict verdict, Collection<String> tokens);

    /** What {@code message} was learned as for the account, if anything. */
    Optional<Verdict> learned(AccountId account, String message);

    /**
     * Keeps a model's vocabulary bounded: while it holds more than {@code maxTokens} tokens, drops those seen in
     * the fewest messages (ties: any). Returns how many were dropped.
     */
    int prune(Optional<AccountId> account, int maxTokens);

    /** One message to learn from, left by a move into or out of Junk or by a flag change. */
    record LearnTask(long id, AccountId account, MailboxId mailbox, Uid uid, Verdict verdict) {}

    /** The oldest queued learning tasks, up to {@code max}. */
    List<LearnTask> learningTasks(int max);

    /** Removes done (or skipped) tasks from the queue. */
    void learningDone(Collection<Long> taskIds);

    /** Queues a learning task (as moves do inside their own transaction); for tests and tools. */
    void queueLearning(AccountId account, MailboxId mailbox, Uid uid, Verdict verdict);
}
