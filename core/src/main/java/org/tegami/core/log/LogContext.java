package org.tegami.core.log;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the current thread is working on, for the log lines it writes: the listener's service and connection id,
 * and, once known, the queue id and Message-ID of the message at hand. Every connection and every delivery
 * attempt runs on its own virtual thread, so a thread-local is exactly one connection's or one delivery's scope.
 *
 * <p>Values must be identifiers, never secrets or message bodies; the log formatter bounds their length.
 */
public final class LogContext {

    private static final ThreadLocal<Map<String, String>> CURRENT = ThreadLocal.withInitial(LinkedHashMap::new);

    /** Field names, in the order they appear in a log line. */
    public static final String SERVICE = "service";
    public static final String CONN = "conn";
    public static final String QUEUE = "queue";
    public static final String MSGID = "msgid";

    private LogContext() {}

    /** A new connection id: 12 hex digits, unique enough to grep one connection out of a long log. */
    public static String newConnectionId() {
        return String.format("%012x", ThreadLocalRandom.current().nextLong() & 0xffff_ffff_ffffL);
    }

    /** This thread now serves connection {@code id} of the listener {@code service}; clears any message fields. */
    public static void connection(String service, String id) {
        Map<String, String> m = CURRENT.get();
        m.clear();
        m.put(SERVICE, service);
        m.put(CONN, id);
    }

    /** Sets (or, with null, removes) one field. */
    public static void put(String field, String value) {
        if (value == null) CURRENT.get().remove(field);
        else CURRENT.get().put(field, value);
    }

    /** Removes the message fields (queue id, Message-ID) after a transaction or delivery attempt. */
    public static void endMessage() {
        Map<String, String> m = CURRENT.get();
        m.remove(QUEUE);
        m.remove(MSGID);
    }

    /** Forgets everything for this thread. */
    public static void clear() {
        CURRENT.remove();
    }

    /** The service of the connection this thread serves, if it serves one. */
    public static Optional<String> service() {
        return Optional.ofNullable(CURRENT.get().get(SERVICE));
    }

    /** A copy of the current fields, in insertion order. */
    public static Map<String, String> snapshot() {
        Map<String, String> m = CURRENT.get();
        return m.isEmpty() ? Map.of() : new LinkedHashMap<>(m);
    }
}
