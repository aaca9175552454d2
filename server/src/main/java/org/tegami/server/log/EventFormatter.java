package org.tegami.server.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.tegami.core.log.LogContext;

/**
 * Writes one log event per line, with the fields of {@link LogContext} (service, connection id, queue id,
 * Message-ID) taken on the thread that logs, so {@code grep conn=…} follows one connection and {@code grep msgid=…}
 * or {@code grep queue=…} one message from its 250 to storage or the remote server's 250.
 *
 * <p>Text written by peers reaches messages (a HELO name, a reply from a remote server): line breaks and other
 * control characters are escaped, so no one can forge a log line. Thread-safe (stateless).
 */
public final class EventFormatter extends Formatter {
    /** Longest context value written; ids are far shorter, this only bounds a bug. */
    static final int MAX_FIELD = 256;
    /** Longest message written; a longer one is cut and marked. */
    static final int MAX_MESSAGE = 8192;

    private final LogFormat format;

    public EventFormatter(LogFormat format) {
        this.format = format;
    }

    @Override
    public String format(LogRecord r) {
        Map<String, String> ctx = LogContext.snapshot();
        String msg = formatMessage(r);
        if (msg == null) msg = "";
        if (msg.length() > MAX_MESSAGE) msg = msg.substring(0, MAX_MESSAGE) + "…(cut)";
        String ts = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(r.getMillis()));
        return format == LogFormat.JSON ? json(r, ts, ctx, msg) : text(r, ts, ctx, msg);
    }

    /** System.Logger levels as operators know them: ERROR, WARNING, INFO, DEBUG, TRACE. */
    static String level(Level l) {
        int v = l.intValue();
        if (v >= Level.SEVERE.intValue()) return "ERROR";
        if (v >= Level.WARNING.intValue()) return "WARNING";
        if (v >= Level.INFO.intValue()) return "INFO";
        if (v >= Level.FINE.intValue()) return "DEBUG";
        return "TRACE";
    }

    private static String text(LogRecord r, String ts, Map<String, String> ctx, String msg) {
        StringBuilder sb = new StringBuilder(128 + msg.length());
        sb.append(ts).append(' ').append(level(r.getLevel()));
        for (var e : ctx.entrySet()) {
            sb.append(' ');
            if (!e.getKey().equals(LogContext.SERVICE)) sb.append(e.getKey()).append('=');
            escapeText(sb, bound(e.getValue()));
        }
        sb.append(' ').append(r.getLoggerName() == null ? "-" : r.getLoggerName()).append(": ");
        escapeText(sb, msg);
        if (r.getThrown() != null) {
            sb.append(" error=");
            escapeText(sb, String.valueOf(r.getThrown()));
        }
        sb.append('\n');
        // a stack trace follows on lines that start with a tab: grep for an id still finds the event's line
        if (r.getThrown() != null && r.getLevel().intValue() >= Level.SEVERE.intValue()) {
            for (String line : stackTrace(r.getThrown()).split("\\R")) {
                sb.append('\t');
                escapeText(sb, line);
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String json(LogRecord r, String ts, Map<String, String> ctx, String msg) {
        StringBuilder sb = new StringBuilder(160 + msg.length());
        sb.append("{\"ts\":");
        jsonString(sb, ts);
        sb.append(",\"level\":");
        jsonString(sb, level(r.getLevel()));
        sb.append(",\"logger\":");
        jsonString(sb, r.getLoggerName() == null ? "" : r.getLoggerName());
        for (var e : ctx.entrySet()) {
            sb.append(',');
            jsonString(sb, e.getKey());
            sb.append(':');
            jsonString(sb, bound(e.getValue()));
        }
        sb.append(",\"msg\":");
        jsonString(sb, msg);
        if (r.getThrown() != null) {
            sb.append(",\"error\":");
            jsonString(sb, String.valueOf(r.getThrown()));
            if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                sb.append(",\"stack\":");
                jsonString(sb, stackTrace(r.getThrown()));
            }
        }
        return sb.append("}\n").toString();
    }

    private static String bound(String v) {
        return v.length() <= MAX_FIELD ? v : v.substring(0, MAX_FIELD);
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** Control characters (CR and LF above all) as \r, \n, \t or \xNN: one event stays on one line. */
    static void escapeText(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\x%02x", (int) c & 0xff));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
    }

    /** RFC 8259 §7: a JSON string; lone surrogates become U+FFFD so the line is valid UTF-8. */
    static void jsonString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        sb.append('\ufffd');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
