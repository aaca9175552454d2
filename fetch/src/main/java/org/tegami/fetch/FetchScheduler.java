package org.tegami.fetch;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.tegami.store.FetchSourceStore.Source;
import org.tegami.store.Store;

/**
 * Polls due fetch sources: every tick it asks the store which are due (so {@code tegami fetch now} from another
 * process is seen), claims each (so no two pollers fetch one source at once) and polls it on a virtual thread, at
 * most {@link FetchSettings#concurrency()} at a time. Survives any failure of one poll.
 */
public final class FetchScheduler implements AutoCloseable {
    private static final Logger LOG = System.getLogger(FetchScheduler.class.getName());
    /** How long a claim lasts: a poll that takes longer may be started again by another poller. */
    static final Duration CLAIM = Duration.ofMinutes(30);

    private final Store store;
    private final Fetcher fetcher;
    private final FetchSettings settings;
    private final InstantSource clock;
    private final Semaphore slots;
    private final Set<Long> running = ConcurrentHashMap.newKeySet();
    private final ExecutorService polls = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread loop;
    private volatile boolean closed;

    public FetchScheduler(Store store, Fetcher fetcher, FetchSettings settings, InstantSource clock) {
        this.store = store;
        this.fetcher = fetcher;
        this.settings = settings;
        this.clock = clock;
        this.slots = new Semaphore(settings.concurrency());
        this.loop = Thread.ofVirtual().name("fetch-scheduler").unstarted(this::run);
    }

    public FetchScheduler start() {
        loop.start();
        return this;
    }

    private void run() {
        while (!closed) {
            try {
                tick();
            } catch (Throwable t) {
                LOG.log(Level.ERROR, "fetch scheduler tick failed", t);
            }
            try {
                Thread.sleep(settings.tick());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Starts a poll of every due source there is a slot for. */
    void tick() throws InterruptedException {
        Instant now = clock.instant();
        for (Source s : store.fetchSources().due(now, settings.concurrency() * 4)) {
            if (closed || running.contains(s.id())) continue;
            if (!slots.tryAcquire()) return;
            if (!store.fetchSources().claim(s.id(), s.nextAttempt(), now.plus(CLAIM))) {
                slots.release();
                continue;
            }
            running.add(s.id());
            polls.submit(() -> {
                try {
                    fetcher.poll(s);
                } catch (Throwable t) {
                    LOG.log(Level.ERROR, "fetch source " + s.id() + ": poll failed", t);
                } finally {
                    running.remove(s.id());
                    slots.release();
                }
            });
        }
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        polls.shutdownNow();
        try {
            polls.awaitTermination(10, TimeUnit.SECONDS);
            loop.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
