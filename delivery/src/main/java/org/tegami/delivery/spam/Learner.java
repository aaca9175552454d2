package org.tegami.delivery.spam;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tegami.delivery.abuse.RspamdLearner;
import org.tegami.store.AccountId;
import org.tegami.store.ClassifierStore;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;

/**
 * Works through the learning queue that moves into and out of Junk (and the junk keywords) leave in the store, off
 * the IMAP command path: reads each message, tokenizes it and learns it for its owner and the shared model. A message
 * is learned at most once per verdict and unlearned when the user reverses it ({@link ClassifierStore#learn}); one
 * expunged before its turn is skipped. Each model's vocabulary stays within its bound.
 */
public final class Learner implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Learner.class.getName());
    /** Tasks per batch. */
    static final int BATCH = 100;
    /** Tokens a user's model keeps; the shared model keeps four times as many. */
    public static final int MAX_USER_TOKENS = 100_000;

    private final Store store;
    private final boolean learning;
    private final Duration interval;
    private final Optional<RspamdLearner> rspamd;
    private volatile boolean closed;
    private Thread thread;

    /** With {@code learning} false, queued tasks are dropped unread. */
    public Learner(Store store, boolean learning, Duration interval) {
        this(store, learning, interval, Optional.empty());
    }

    /** Also teaching an rspamd controller each lesson the built-in classifier takes. */
    public Learner(Store store, boolean learning, Duration interval, Optional<RspamdLearner> rspamd) {
        this.store = store;
        this.learning = learning;
        this.interval = interval;
        this.rspamd = rspamd;
    }

    public Learner start() {
        thread = Thread.ofPlatform().daemon().name("spam-learner").start(this::loop);
        return this;
    }

    private void loop() {
        while (!closed) {
            try {
                if (drain() == 0) Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "spam learning failed; retrying later", e);
                try {
                    Thread.sleep(interval.multipliedBy(10));
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Processes one batch of queued tasks; returns how many there were. */
    public int drain() {
        ClassifierStore c = store.classifier();
        List<ClassifierStore.LearnTask> tasks = c.learningTasks(BATCH);
        if (tasks.isEmpty()) return 0;
        List<Long> done = new ArrayList<>();
        Set<AccountId> touched = new HashSet<>();
        for (ClassifierStore.LearnTask t : tasks) {
            if (learning) {
                try {
                    if (learn(t)) touched.add(t.account());
                } catch (IOException | RuntimeException e) {
                    // a message that cannot be read now is not worth blocking the queue for
                    LOG.log(Level.WARNING, "could not learn message " + t.uid() + " of mailbox " + t.mailbox(), e);
                }
            }
            done.add(t.id());
        }
        c.learningDone(done);
        for (AccountId a : touched) c.prune(Optional.of(a), MAX_USER_TOKENS);
        if (!touched.isEmpty()) c.prune(Optional.empty(), 4 * MAX_USER_TOKENS);
        return tasks.size();
    }

    private boolean learn(ClassifierStore.LearnTask t) throws IOException {
        List<MessageMeta> found = store.mail().messages(t.mailbox(), t.uid(), t.uid());
        if (found.isEmpty()) return false; // expunged meanwhile
        MessageMeta m = found.getFirst();
        byte[] head;
        try (InputStream in = store.blobs().open(m.content())) {
            head = in.readNBytes(Tokenizer.MAX_INPUT);
        }
        Set<String> tokens = Tokenizer.tokens(head, List.of());
        boolean changed = store.classifier().learn(t.account(), m.blob().hex(), t.verdict(), tokens);
        if (changed) LOG.log(Level.DEBUG, () -> "learned " + m.blob() + " as " + t.verdict() + " for " + t.account());
        // the same lesson for rspamd, once per change of mind (a message learned again as the same is not resent)
        if (changed && rspamd.isPresent()) {
            rspamd.get().learn(t.verdict(), store.accounts().user(t.account()).map(a -> a.address().toString()),
                    () -> store.blobs().open(m.content()), m.size());
        }
        return changed;
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) thread.interrupt();
    }
}
