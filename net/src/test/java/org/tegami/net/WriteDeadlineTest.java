package org.tegami.net;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one write watchdog of the process keeps working after anything is thrown inside it (issue 12). */
class WriteDeadlineTest {

    /** An output that blocks every write until released, like a peer that stopped reading. */
    private static final class Stuck extends OutputStream {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void write(int b) throws IOException {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }
    }

    private static Thread stall(WriteDeadline w) {
        return Thread.ofVirtual().start(() -> {
            try {
                w.write(new byte[1], 0, 1);
            } catch (IOException ignored) {
                // released
            }
        });
    }

    @Test
    void watchdogSurvivesAnErrorThrownWhileClosingASocket() throws Exception {
        CountDownLatch closedBad = new CountDownLatch(1);
        Socket bad = new Socket() {
            @Override
            public synchronized void close() {
                closedBad.countDown();
                throw new OutOfMemoryError("simulated: the heap ran out inside the watchdog");
            }
        };
        Stuck first = new Stuck();
        WriteDeadline w1 = new WriteDeadline(bad, first, Duration.ofMillis(1));
        stall(w1);
        assertTrue(closedBad.await(10, TimeUnit.SECONDS), "the watchdog reached the first stalled write");

        CountDownLatch closedGood = new CountDownLatch(1);
        Socket good = new Socket() {
            @Override
            public synchronized void close() throws IOException {
                super.close();
                closedGood.countDown();
            }
        };
        Stuck second = new Stuck();
        WriteDeadline w2 = new WriteDeadline(good, second, Duration.ofMillis(1));
        stall(w2);
        try {
            assertTrue(closedGood.await(10, TimeUnit.SECONDS), "the watchdog still closes stalled connections");
        } finally {
            first.release.countDown();
            second.release.countDown();
            w1.release();
            w2.release();
        }
    }
}
