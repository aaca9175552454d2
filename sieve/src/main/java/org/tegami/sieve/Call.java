package org.tegami.sieve;

import java.util.List;
import java.util.Map;

/**
 * A validated command or test. Tag values are {@code Boolean.TRUE} (a flag), {@link String}, {@code List<String>}
 * or {@link Long}; positional arguments are {@link String}, {@code List<String>} or {@link Long}. Strings still hold
 * {@code ${...}} variable references, expanded when executed; encoded characters are already decoded.
 * {@code block} is null for tests and block-less commands; {@code skip} marks an {@code ihave} block of an
 * extension this implementation lacks, which was never validated and never runs (RFC 5463 §4).
 */
record Call(String name, Map<String, Object> tags, List<Object> pos, List<Call> tests, List<Call> block, boolean skip,
        int line, int column) {

    boolean has(String tag) {
        return tags.containsKey(tag);
    }

    String tagString(String tag) {
        return (String) tags.get(tag);
    }

    @SuppressWarnings("unchecked")
    List<String> tagList(String tag) {
        Object o = tags.get(tag);
        return o == null ? null : o instanceof String s ? List.of(s) : (List<String>) o;
    }

    long tagNumber(String tag, long dflt) {
        Object o = tags.get(tag);
        return o == null ? dflt : (Long) o;
    }

    String string(int i) {
        Object o = pos.get(i);
        return o instanceof String s ? s : ((List<?>) o).get(0).toString();
    }

    @SuppressWarnings("unchecked")
    List<String> list(int i) {
        Object o = pos.get(i);
        return o instanceof String s ? List.of(s) : (List<String>) o;
    }

    long number(int i) {
        return (Long) pos.get(i);
    }

    String where() {
        return "line " + line;
    }
}
