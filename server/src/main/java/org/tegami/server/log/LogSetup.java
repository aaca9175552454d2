package org.tegami.server.log;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Routes the JDK's logging ({@code System.Logger} → java.util.logging) to one {@link EventFormatter} handler on
 * the root logger: the only log configuration {@code tegami serve} makes, with no logging library.
 */
public final class LogSetup {
    private LogSetup() {}

    /**
     * Replaces the root logger's handlers with one that writes {@code format} lines at INFO and above to
     * {@code out}, flushed after every event so {@code tail -f} and a crash lose nothing. Returns the handler (to
     * remove in tests).
     */
    public static Handler install(LogFormat format, OutputStream out) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        StreamHandler h = new StreamHandler(out, new EventFormatter(format)) {
            @Override
            public synchronized void publish(LogRecord r) {
                super.publish(r);
                flush();
            }
        };
        h.setLevel(Level.ALL);
        try {
            h.setEncoding(StandardCharsets.UTF_8.name());
        } catch (java.io.UnsupportedEncodingException e) {
            throw new IllegalStateException(e); // UTF-8 is always there
        }
        root.addHandler(h);
        if (root.getLevel() == null || root.getLevel().intValue() > Level.INFO.intValue()) root.setLevel(Level.INFO);
        return h;
    }
}
