package org.tegami.server.log;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows one message through Tegami's own log lines (text or JSON, as {@link EventFormatter} writes them): from a
 * Message-ID, a queue id or an SMTP transaction id ("queued as …") to every line that names any id found so far,
 * until nothing new turns up. Reads each source once per round, keeping only the matching lines.
 */
public final class LogTrace {
    /** Longest line considered; a longer one is cut (no log line of ours comes near it). */
    public static final int MAX_LINE = 64 * 1024;
    /** Rounds of "find the ids, then the lines naming them"; three suffice for submission → queue → remote. */
    static final int MAX_ROUNDS = 5;
    /** Lines kept at most, so a query that matches everything cannot exhaust memory. */
    public static final int MAX_LINES = 10_000;

    static final Pattern TX_ID = Pattern.compile("(?:accepted|refused|queued as) ([A-Z0-9]{8,20})\\b");

    /** A source of log lines that can be read again for each round. */
    public interface Source {
        Reader open() throws IOException;
    }

    /** One log line and the fields read from it. */
    public record Line(String text, Map<String, String> fields) {
        String ts() {
            return fields.getOrDefault("ts", "");
        }

        String msg() {
            return fields.getOrDefault("msg", "");
        }
    }

    private final Set<String> msgids = new LinkedHashSet<>();
    private final Set<String> queues = new LinkedHashSet<>();
    private final Set<String> txids = new LinkedHashSet<>();

    /** Seeds the search: {@code <…>} or anything with '@' is a Message-ID, digits a queue id, else an SMTP id. */
    public LogTrace(String query) {
        String q = query.strip();
        if (q.matches("[0-9]{1,19}")) queues.add(q);
        else if (q.contains("@")) msgids.add(q.startsWith("<") ? q : "<" + q + ">");
        else txids.add(q);
    }

    /** The queue ids known so far (after {@link #run}: every one the message had). */
    public Set<String> queueIds() {
        return Set.copyOf(queues);
    }

    /** The Message-IDs known so far. */
    public Set<String> messageIds() {
        return Set.copyOf(msgids);
    }

    /** The ids known so far as trace history keys ({@code m:}, {@code q:}, {@code t:}; see TraceHistory). */
    public Set<String> historyKeys() {
        Set<String> keys = new LinkedHashSet<>();
        for (String m : msgids) keys.add("m:" + m);
        for (String q : queues) keys.add("q:" + q);
        for (String t : txids) keys.add("t:" + t);
        return keys;
    }

    /** Reads the sources until no new id appears; returns the matching lines in time order. */
    public List<Line> run(List<Source> sources) throws IOException {
        Map<String, Line> found = new LinkedHashMap<>();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int ids = msgids.size() + queues.size() + txids.size();
            List<Line> hits = new ArrayList<>();
            for (Source s : sources) {
                try (Reader r = s.open()) {
                    lines(r, text -> {
                        Line l = parse(text);
                        if (l != null && matches(l) && hits.size() < MAX_LINES) hits.add(l);
                    });
                }
            }
            for (Line l : hits) {
                learn(l);
                if (found.size() < MAX_LINES) found.putIfAbsent(l.text(), l);
            }
            if (msgids.size() + queues.size() + txids.size() == ids) break;
        }
        List<Line> out = new ArrayList<>(found.values());
        out.sort(Comparator.comparing(Line::ts)); // ISO-8601 instants in UTC sort as text; stable for equal ones
        return out;
    }

    private boolean matches(Line l) {
        if (msgids.contains(l.fields().get("msgid"))) return true;
        String q = l.fields().get("queue");
        if (q != null) for (String id : q.split(",")) if (queues.contains(id)) return true;
        Matcher m = TX_ID.matcher(l.msg());
        while (m.find()) if (txids.contains(m.group(1))) return true;
        return false;
    }

    private void learn(Line l) {
        String id = l.fields().get("msgid");
        if (id != null) msgids.add(id);
        String q = l.fields().get("queue");
        if (q != null) for (String x : q.split(",")) if (!x.isEmpty()) queues.add(x);
        Matcher m = TX_ID.matcher(l.msg());
        while (m.find()) txids.add(m.group(1));
    }

    /** Calls {@code each} for every line of {@code r}, lines longer than {@link #MAX_LINE} cut there. */
    static void lines(Reader r, Consumer<String> each) throws IOException {
        StringBuilder sb = new StringBuilder();
        char[] buf = new char[8192];
        boolean cut = false;
        for (int n; (n = r.read(buf)) > 0; ) {
            for (int i = 0; i < n; i++) {
                char c = buf[i];
                if (c == '\n') {
                    each.accept(sb.toString());
                    sb.setLength(0);
                    cut = false;
                } else if (!cut) {
                    if (sb.length() < MAX_LINE) sb.append(c);
                    else cut = true;
                }
            }
        }
        if (!sb.isEmpty()) each.accept(sb.toString());
    }

    /** The fields of one line of either format, or null when it is not one of ours (a stack trace line, say). */
    static Line parse(String text) {
        if (text.startsWith("{\"ts\":\"")) return json(text);
        int sp = text.indexOf(' ');
        if (sp < 20 || !Character.isDigit(text.charAt(0))) return null;
        Map<String, String> f = new LinkedHashMap<>();
        f.put("ts", text.substring(0, sp));
        int level = text.indexOf(' ', sp + 1);
        if (level < 0) return null;
        int i = level + 1;
        // key=value tokens (and the service) up to the logger name, which ends with ": "
        while (i < text.length()) {
            int end = text.indexOf(' ', i);
            if (end < 0) return null;
            String tok = text.substring(i, end);
            if (tok.endsWith(":")) {
                f.put("logger", tok.substring(0, tok.length() - 1));
                f.put("msg", text.substring(end + 1));
                return new Line(text, f);
            }
            int eq = tok.indexOf('=');
            if (eq > 0) f.put(tok.substring(0, eq), tok.substring(eq + 1));
            else f.put("service", tok);
            i = end + 1;
        }
        return null;
    }

    /** A flat object of string values, as {@link EventFormatter} writes it; anything else is not ours. */
    private static Line json(String text) {
        Map<String, String> f = new LinkedHashMap<>();
        int i = 1;
        StringBuilder sb = new StringBuilder();
        while (i < text.length() && text.charAt(i) == '"') {
            i = string(text, i, sb);
            if (i < 0 || i >= text.length() || text.charAt(i) != ':') return null;
            String key = sb.toString();
            if (i + 1 >= text.length() || text.charAt(i + 1) != '"') return null;
            i = string(text, i + 1, sb);
            if (i < 0) return null;
            f.put(key, sb.toString());
            if (i < text.length() && text.charAt(i) == ',') i++;
        }
        return i < text.length() && text.charAt(i) == '}' ? new Line(text, f) : null;
    }

    /** Reads the JSON string starting at the quote at {@code at} into {@code sb}; the index after it, or -1. */
    private static int string(String s, int at, StringBuilder sb) {
        sb.setLength(0);
        for (int i = at + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') return i + 1;
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i >= s.length()) return -1;
            switch (s.charAt(i)) {
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 4 >= s.length()) return -1;
                    try {
                        sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                    i += 4;
                }
                default -> sb.append(s.charAt(i)); // \" \\ \/
            }
        }
        return -1;
    }
}
