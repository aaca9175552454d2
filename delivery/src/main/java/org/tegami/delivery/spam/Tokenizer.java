package org.tegami.delivery.spam;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tegami.mime.message.MessageText;

/**
 * The classifier's tokens of a message: words of the subject and body text (HTML rendered to text), selected header
 * fields prefixed by their name, URLs and their domains, and tokens the caller adds (authentication results). Every
 * step is bounded: at most {@link #MAX_INPUT} bytes of the message are read, {@link #MAX_TEXT} chars of text
 * decoded, and at most {@link #MAX_TOKENS} distinct tokens kept, so a 50 MiB message costs what a 1 MiB one does.
 *
 * <p>Tokens follow SpamBayes' tokenizer in spirit: words of 3 to 20 chars lower-cased; longer ones collapse to
 * {@code skip:<first char> <length/10>}; header tokens are {@code name:word}; URLs give {@code url:<host>} for the
 * host and each parent domain. Our own verdict headers ({@code X-Spam-*}, {@code Authentication-Results}) are never
 * tokens: the classifier must not learn its own answers.
 */
public final class Tokenizer {
    /** Bytes of the message read for tokens. */
    public static final int MAX_INPUT = 1 << 20;
    /** Decoded chars of text looked at. */
    public static final int MAX_TEXT = 256 * 1024;
    /** Distinct tokens kept per message. */
    public static final int MAX_TOKENS = 3000;

    /** Header fields whose words are tokens, prefixed by the field name. */
    private static final Set<String> WORD_FIELDS = Set.of("subject", "from", "reply-to", "to", "x-mailer", "user-agent",
            "content-type", "list-id", "organization");

    private Tokenizer() {}

    /** The distinct tokens of a message's first bytes, plus {@code extra}, in first-seen order. */
    public static Set<String> tokens(byte[] message, Collection<String> extra) {
        byte[] b = message.length > MAX_INPUT ? java.util.Arrays.copyOf(message, MAX_INPUT) : message;
        Sink sink = new Sink();
        for (String e : extra) sink.add(e);
        MessageText.Readable r = MessageText.readable(b, MAX_TEXT);
        for (Map.Entry<String, String> h : r.headers()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith("x-spam-") || name.equals("authentication-results")) continue;
            if (WORD_FIELDS.contains(name)) {
                words(h.getValue(), name + ":", sink);
                urls(h.getValue(), sink);
            } else if (name.equals("received")) {
                // the relays a message came through are telling, their times and ids are not
                for (String w : h.getValue().toLowerCase(Locale.ROOT).split("[\\s()\\[\\];]+")) {
                    if (w.contains(".") && w.length() <= 64 && !w.chars().allMatch(ch -> Character.isDigit(ch) || ch == '.')) {
                        sink.add("received:" + w);
                    }
                }
            } else if (name.equals("message-id")) {
                int at = h.getValue().lastIndexOf('@');
                if (at >= 0) sink.add("message-id:@" + h.getValue().substring(at + 1).replace(">", "").strip());
            }
            if (sink.full()) break;
        }
        for (MessageText.TextPart p : r.parts()) {
            if (sink.full()) break;
            String text = p.text();
            if (p.html()) {
                sink.add("html");
                HtmlText.Result h = HtmlText.strip(text, MAX_TEXT);
                for (String u : h.urls()) urls(u, sink);
                text = h.text();
            }
            urls(text, sink);
            words(text, "", sink);
        }
        return sink.tokens;
    }

    /** Adds the words of {@code text}; collapses long ones (base64 debris, hashes). */
    static void words(String text, String prefix, Sink sink) {
        int n = text.length();
        int i = 0;
        while (i < n && !sink.full()) {
            while (i < n && isSeparator(text.charAt(i))) i++;
            int start = i;
            while (i < n && !isSeparator(text.charAt(i))) i++;
            int len = i - start;
            if (len < 3) continue;
            if (len > 20) {
                sink.add(prefix + "skip:" + Character.toLowerCase(text.charAt(start)) + " " + (len / 10) * 10);
                continue;
            }
            // punctuation around a word is not part of it ("free!" is "free")
            int from = start;
            int to = i;
            while (from < to && punct(text.charAt(from))) from++;
            while (to > from && punct(text.charAt(to - 1))) to--;
            if (to - from >= 3) sink.add(prefix + text.substring(from, to).toLowerCase(Locale.ROOT));
        }
    }

    private static boolean punct(char c) {
        return c < 128 && !Character.isLetterOrDigit(c);
    }

    private static boolean isSeparator(char c) {
        return Character.isWhitespace(c) || c == '\u00a0' || c == '"' || c == '<' || c == '>' || c == '(' || c == ')'
                || c == '[' || c == ']' || c == ',' || c == ';';
    }

    /** {@code url:host} for every http(s) URL's host and its parent domains (example.com of a.b.example.com). */
    static void urls(String text, Sink sink) {
        String lower = text.toLowerCase(Locale.ROOT);
        for (int at = lower.indexOf("http"); at >= 0 && !sink.full(); at = lower.indexOf("http", at + 4)) {
            int p = at + 4;
            if (lower.startsWith("s", p)) p++;
            if (!lower.startsWith("://", p)) continue;
            p += 3;
            int end = p;
            while (end < lower.length() && end - p < 256) {
                char c = lower.charAt(end);
                if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == '@' || c == ':')) break;
                end++;
            }
            String host = lower.substring(p, end);
            int userinfo = host.lastIndexOf('@');
            if (userinfo >= 0) host = host.substring(userinfo + 1);
            int port = host.indexOf(':');
            if (port >= 0) host = host.substring(0, port);
            if (host.isEmpty()) continue;
            sink.add("url:" + host);
            List<String> labels = List.of(host.split("\\."));
            for (int k = 1; k < labels.size() - 1; k++) sink.add("url:" + String.join(".", labels.subList(k, labels.size())));
        }
    }

    /** Distinct tokens up to {@link #MAX_TOKENS}. */
    static final class Sink {
        final Set<String> tokens = new LinkedHashSet<>();

        void add(String t) {
            if (tokens.size() < MAX_TOKENS && !t.isEmpty()) tokens.add(t);
        }

        boolean full() {
            return tokens.size() >= MAX_TOKENS;
        }
    }

    /** For callers with a collection already: the same cap. */
    static Set<String> capped(Collection<String> ts) {
        Sink s = new Sink();
        ts.forEach(s::add);
        return s.tokens;
    }
}
