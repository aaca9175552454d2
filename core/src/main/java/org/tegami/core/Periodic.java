package org.tegami.core;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * A background task run every {@code interval} of a clock (which tests may move), on its own daemon thread, checked
 * once a second; a failing run is logged and tried again at the next interval. {@link #close} stops the thread and
 * runs the final task once (e.g. saving what is held in memory).
 */
public final class Periodic implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Periodic.class.getName());

    private final String name;
    private final Runnable finalTask;
    private volatile boolean closed;
    private final Thread thread;

    private Periodic(String name, Duration interval, InstantSource clock, Runnable task, Runnable finalTask) {
        this.name = name;
        this.finalTask = finalTask;
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(() -> {
            Instant last = clock.instant();
            while (!closed) {
                try {
                    Thread.sleep(1000);
                    if (!clock.instant().isBefore(last.plus(interval))) {
                        last = clock.instant();
                        task.run();
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, name + " failed; trying again in " + interval.toSeconds() + " s", e);
                }
            }
        });
    }

    /** Starts running {@code task} every {@code interval}; {@code finalTask} runs once at {@link #close}. */
    public static Periodic start(String name, Duration interval, InstantSource clock, Runnable task, Runnable finalTask) {
        Periodic p = new Periodic(name, interval, clock, task, finalTask);
        p.thread.start();
        return p;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            finalTask.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, name + ": the final run at shutdown failed: " + e.getMessage());
        }
    }
}
