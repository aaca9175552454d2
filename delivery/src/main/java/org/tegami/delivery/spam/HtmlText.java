package org.tegami.delivery.spam;

import java.util.List;

/**
 * HTML to text for the classifier, in one linear pass with bounded output: tags become spaces, the contents of
 * {@code script} and {@code style} are dropped, comments are dropped, a few entities are decoded, and the URLs of
 * {@code href} and {@code src} attributes are kept (they say much about spam). Not a renderer and never throws.
 */
public final class HtmlText {
    private HtmlText() {}

    /** Text and URLs found. */
    public record Result(String text, List<String> urls) {}

    /** At most this many URLs from attributes per document. */
    static final int MAX_URLS = 200;
    /** Attribute values longer than this are not URLs worth keeping. */
    static final int MAX_URL = 2048;

    /** Converts at most {@code maxChars} of {@code html}; the text is at most that long too. */
    public static Result strip(String html, int maxChars) {
        int n = Math.min(html.length(), Math.max(0, maxChars));
        StringBuilder out = new StringBuilder(Math.min(n, 1 << 16));
        List<String> urls = new java.util.ArrayList<>();
        int i = 0;
        String skipUntil = null; // "</script" or "</style" while inside one
        while (i < n) {
            char c = html.charAt(i);
            if (c == '<') {
                if (html.startsWith("<!--", i)) {
                    int end = html.indexOf("-->", i + 4);
                    i = end < 0 || end >= n ? n : end + 3;
                    continue;
                }
                int gt = tagEnd(html, i + 1, n);
                if (gt < 0) { // an unclosed "<": the rest is text
                    if (skipUntil == null) out.append(c);
                    i++;
                    continue;
                }
                String tag = html.substring(i + 1, gt);
                String name = tagName(tag);
                if (skipUntil != null) {
                    if (name.equals(skipUntil)) skipUntil = null;
                } else {
                    if (name.equals("script") || name.equals("style")) skipUntil = "/" + name;
                    if (urls.size() < MAX_URLS) attributeUrls(tag, urls);
                    if (out.isEmpty() || out.charAt(out.length() - 1) != ' ') out.append(' ');
                }
                i = gt + 1;
            } else if (skipUntil != null) {
                i++;
            } else if (c == '&') {
                int semi = html.indexOf(';', i);
                if (semi > i && semi - i <= 8 && semi < n) {
                    String e = entity(html.substring(i + 1, semi));
                    if (e != null) {
                        out.append(e);
                        i = semi + 1;
                        continue;
                    }
                }
                out.append(c);
                i++;
            } else {
                out.append(c);
                i++;
            }
        }
        return new Result(out.toString(), List.copyOf(urls));
    }

    /** The '>' that ends a tag starting at {@code from}, skipping quoted attribute values; -1 when none before n. */
    private static int tagEnd(String s, int from, int n) {
        char quote = 0;
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '>') {
                return i;
            } else if (c == '<') {
                return -1; // "a < b" in text, not a tag
            }
        }
        return -1;
    }

    private static String tagName(String tag) {
        int i = 0;
        int len = Math.min(tag.length(), 32);
        StringBuilder sb = new StringBuilder();
        if (i < len && tag.charAt(i) == '/') sb.append(tag.charAt(i++));
        while (i < len && Character.isLetterOrDigit(tag.charAt(i))) sb.append(Character.toLowerCase(tag.charAt(i++)));
        return sb.toString();
    }

    private static void attributeUrls(String tag, List<String> urls) {
        String lower = tag.toLowerCase(java.util.Locale.ROOT);
        for (String attr : new String[] {"href=", "src="}) {
            int at = lower.indexOf(attr);
            if (at < 0) continue;
            int v = at + attr.length();
            if (v >= tag.length()) continue;
            char q = tag.charAt(v);
            int end;
            if (q == '"' || q == '\'') {
                end = tag.indexOf(q, v + 1);
                v++;
            } else {
                end = v;
                while (end < tag.length() && !Character.isWhitespace(tag.charAt(end))) end++;
            }
            if (end < 0) end = tag.length();
            if (end - v > 0 && end - v <= MAX_URL) urls.add(tag.substring(v, end));
        }
    }

    private static String entity(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "amp" -> "&";
            case "lt" -> "<";
            case "gt" -> ">";
            case "quot" -> "\"";
            case "apos", "#39" -> "'";
            case "nbsp", "#160" -> " ";
            default -> {
                if (name.startsWith("#")) {
                    try {
                        int cp = name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X')
                                ? Integer.parseInt(name.substring(2), 16) : Integer.parseInt(name.substring(1));
                        yield Character.isValidCodePoint(cp) && cp != 0 ? Character.toString(cp) : null;
                    } catch (NumberFormatException e) {
                        yield null;
                    }
                }
                yield null;
            }
        };
    }
}
