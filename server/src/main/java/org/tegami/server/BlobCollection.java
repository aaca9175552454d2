package org.tegami.server;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import org.tegami.store.BlobStore;

/**
 * Runs the store's blob collector in the serving process: once at start, then every {@link #INTERVAL}, so that
 * expunged mail, removed users' mail and delivered queue entries leave nothing on disk. A failure is logged and the
 * next run tries again; no Throwable ends the thread.
 */
final class BlobCollection implements AutoCloseable {
    private static final Logger LOG = System.getLogger(BlobCollection.class.getName());
    static final Duration INTERVAL = Duration.ofMinutes(1);

    private final Thread thread;

    BlobCollection(BlobStore blobs) {
        thread = Thread.ofPlatform().name("blob-collector").daemon().start(() -> {
            while (true) {
                try {
                    runOnce(blobs);
                    Thread.sleep(INTERVAL);
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable e) {
                    // Even logging can fail (an OutOfMemoryError while the heap is full): never let that end the thread.
                    if (e instanceof org.tegami.core.StoreException se && String.valueOf(se.getMessage()).contains("closed")) {
                        return;
                    }
                }
            }
        });
    }

    private static void runOnce(BlobStore blobs) throws InterruptedException {
        try {
            long n = blobs.collect();
            if (n > 0) LOG.log(Level.INFO, () -> "deleted " + n + " blobs no message names any more");
        } catch (org.tegami.core.StoreException e) {
            if (String.valueOf(e.getMessage()).contains("closed")) throw e;
            LOG.log(Level.ERROR, "blob collection failed; trying again in " + INTERVAL.toSeconds() + " s", e);
        } catch (Exception | Error e) {
            LOG.log(Level.ERROR, "blob collection failed; trying again in " + INTERVAL.toSeconds() + " s", e);
        }
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
