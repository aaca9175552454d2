package org.tegami.net;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes the socket of a peer that stops reading. Java sockets have read timeouts but no write timeout, so a client
 * that sends commands (or asks for IMAP NOTIFY events, RFC 5465 §9) and never reads the answers would otherwise block
 * the writing thread forever once the TCP window is full, holding whatever it holds. Each write is timed; one
 * watchdog thread for the whole process closes sockets whose write has been blocked longer than the deadline, which
 * makes the write fail with an exception.
 */
final class WriteDeadline extends FilterOutputStream {
    private static final Logger LOG = System.getLogger(WriteDeadline.class.getName());
    static final Duration DEFAULT = Duration.ofMinutes(2);
    private static final Set<WriteDeadline> ACTIVE = ConcurrentHashMap.newKeySet();
    private static final Object START = new Object();
    private static Thread watchdog;

    private final Socket socket;
    private volatile long deadlineNanos;
    /** When the write in progress started (System.nanoTime), or 0 when none is. */
    private volatile long since;

    WriteDeadline(Socket socket, OutputStream out, Duration deadline) {
        super(out);
        this.socket = socket;
        this.deadlineNanos = deadline.toNanos();
        ACTIVE.add(this);
        startWatchdog();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        since = Math.max(1, System.nanoTime());
        try {
            out.write(b, off, len);
        } finally {
            since = 0;
        }
    }

    @Override
    public void flush() throws IOException {
        since = Math.max(1, System.nanoTime());
        try {
            out.flush();
        } finally {
            since = 0;
        }
    }

    void deadline(Duration deadline) {
        deadlineNanos = deadline.toNanos();
    }

    /** Stops watching (the connection is closed). */
    void release() {
        ACTIVE.remove(this);
    }

    private boolean stalled(long now) {
        long started = since;
        return started != 0 && now - started > deadlineNanos;
    }

    private static void startWatchdog() {
        synchronized (START) {
            if (watchdog != null) return;
            watchdog = Thread.ofPlatform().daemon().name("write-deadline").start(() -> {
                while (true) {
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                    long now = System.nanoTime();
                    for (WriteDeadline w : ACTIVE) {
                        if (!w.stalled(now)) continue;
                        LOG.log(Level.INFO, "closing a connection whose peer stopped reading: "
                                + w.socket.getRemoteSocketAddress());
                        w.release();
                        try {
                            w.socket.close();
                        } catch (IOException ignored) {
                            // closing anyway
                        }
                    }
                }
            });
        }
    }
}
