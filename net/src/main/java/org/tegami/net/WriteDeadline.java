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

    /**
     * Starts the watchdog, or starts it again if it ever died: it must outlive anything thrown inside it (an
     * OutOfMemoryError included), or every connection whose peer stops reading would hang forever (issue 12).
     */
    private static void startWatchdog() {
        synchronized (START) {
            if (watchdog != null && watchdog.isAlive()) return;
            watchdog = Thread.ofPlatform().daemon().name("write-deadline").start(WriteDeadline::watch);
        }
    }

    private static void watch() {
        while (true) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            try {
                closeStalled(System.nanoTime());
            } catch (Throwable t) {
                LOG.log(Level.ERROR, "write watchdog: " + t, t);
            }
        }
    }

    private static void closeStalled(long now) {
        for (WriteDeadline w : ACTIVE) {
            if (!w.stalled(now)) continue;
            w.release();
            try {
                LOG.log(Level.INFO, "closing a connection whose peer stopped reading: " + w.socket.getRemoteSocketAddress());
                w.socket.close();
            } catch (Throwable t) {
                // one connection's failure must not keep the others open
                LOG.log(Level.ERROR, "write watchdog could not close a connection: " + t, t);
            }
        }
    }
}
