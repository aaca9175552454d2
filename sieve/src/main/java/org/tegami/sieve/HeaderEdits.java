package org.tegami.sieve;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The header section as editheader (RFC 5293) changes it during one evaluation; header tests run later in the
 * script see the changes (RFC 5293 §5).
 */
final class HeaderEdits {
    /**
     * Fields a script may not add; such an addheader is silently ignored (RFC 5293 §6: local policy may limit
     * additions, and an edit that is not permitted MUST be silently ignored). A script must not forge trace,
     * loop-detection or authentication fields the server vouches for. Subject is never refused (RFC 5293 §6).
     */
    static final Set<String> FORBID_ADD = Set.of("received", "auto-submitted", "return-path", "authentication-results",
            "dkim-signature", "arc-seal", "arc-message-signature", "arc-authentication-results", "delivered-to");

    /**
     * Fields a script may not delete; such a deleteheader is silently ignored. RFC 5293 §6: Received MUST NOT be
     * deletable; Auto-Submitted is kept as Pigeonhole keeps it (RFC 3834 loop prevention relies on it), and so are our
     * own Return-Path line and Delivered-To (the forwarder's loop check). Authentication-Results, DKIM-Signature and the
     * spam filter's fields may be deleted: the copy is the user's, as they asked for it.
     */
    static final Set<String> FORBID_DELETE = Set.of("received", "auto-submitted", "return-path", "delivered-to");

    /** The longest value addheader accepts, in UTF-8 bytes (as Pigeonhole's default). */
    static final int MAX_VALUE = 2048;

    private final List<HeaderField> original;
    private final List<HeaderField> current;
    private final SieveLimits limits;
    private int edits;
    /** The last {@link #result()}, until the next edit: unchanged states are one object, copied once. */
    private Result.Headers snapshot;

    HeaderEdits(List<HeaderField> original, SieveLimits limits) {
        this.original = List.copyOf(original);
        this.current = new ArrayList<>(original);
        this.limits = limits;
    }

    List<HeaderField> current() {
        return current;
    }

    /** RFC 5322 §3.6.8: printable ASCII except colon. */
    static boolean validName(String name) {
        if (name.isEmpty() || name.length() > 998) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') return false;
        }
        return true;
    }

    private void count() {
        if (++edits > limits.headerEdits()) throw new SieveRuntimeException("more than " + limits.headerEdits() + " header edits");
    }

    void add(String name, String value, boolean last) {
        if (!validName(name)) throw new SieveRuntimeException("bad header field name \"" + name + "\"");
        count();
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE) {
            throw new SieveRuntimeException("addheader value longer than " + MAX_VALUE + " bytes");
        }
        if (FORBID_ADD.contains(name.toLowerCase(Locale.ROOT))) return;
        HeaderField f = new HeaderField(name, " " + encode(value, name.length() + 2));
        // RFC 5293 §4: at the top unless :last
        if (last) current.add(f);
        else current.add(0, f);
        snapshot = null;
    }

    /** Removes the fields {@code select} says so; {@code index} is 1-based from the top (or bottom with last), 0 = all. */
    void delete(String name, int index, boolean last, java.util.function.Predicate<HeaderField> select) {
        if (!validName(name)) throw new SieveRuntimeException("bad header field name \"" + name + "\"");
        count();
        if (FORBID_DELETE.contains(name.toLowerCase(Locale.ROOT))) return;
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < current.size(); i++) if (current.get(i).name().equalsIgnoreCase(name)) positions.add(i);
        if (index > 0) {
            if (index > positions.size()) return;
            int p = positions.get(last ? positions.size() - index : index - 1);
            positions = List.of(p);
        }
        for (int k = positions.size() - 1; k >= 0; k--) {
            int p = positions.get(k);
            if (select.test(current.get(p))) {
                current.remove(p);
                snapshot = null;
            }
        }
    }

    /**
     * The value as a header field body: CR and LF become spaces (they could otherwise start a new field), non-ASCII
     * text becomes RFC 2047 encoded words, and long values are folded at spaces.
     */
    static String encode(String value, int used) {
        String v = value.replace('\r', ' ').replace('\n', ' ').replace('\0', ' ');
        boolean ascii = v.chars().allMatch(c -> c < 0x80);
        if (!ascii) {
            StringBuilder b = new StringBuilder();
            int i = 0;
            while (i < v.length()) {
                int end = i;
                int bytes = 0;
                while (end < v.length()) {
                    int cp = v.codePointAt(end);
                    int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                    if (bytes + n > 45) break;
                    bytes += n;
                    end += Character.charCount(cp);
                }
                if (b.length() > 0) b.append("\r\n ");
                b.append("=?UTF-8?B?").append(Base64.getEncoder().encodeToString(v.substring(i, end).getBytes(StandardCharsets.UTF_8))).append("?=");
                i = end;
            }
            return b.toString();
        }
        StringBuilder b = new StringBuilder(v.length() + 8);
        int lineLength = used;
        for (String word : v.split(" ", -1)) {
            if (b.length() > 0) {
                if (lineLength + 1 + word.length() > 78 && lineLength > used) {
                    b.append("\r\n");
                    lineLength = 0;
                }
                b.append(' ');
                lineLength++;
            }
            b.append(word);
            lineLength += word.length();
        }
        return b.toString();
    }

    Result.Headers result() {
        if (snapshot == null) snapshot = compute();
        return snapshot;
    }

    private Result.Headers compute() {
        int extra = current.size() - original.size();
        boolean onlyPrepended = extra >= 0;
        for (int i = 0; onlyPrepended && i < original.size(); i++) {
            if (current.get(extra + i) != original.get(i)) onlyPrepended = false;
        }
        List<HeaderField> prepended = onlyPrepended ? List.copyOf(current.subList(0, extra)) : List.of();
        return new Result.Headers(prepended, List.copyOf(current), onlyPrepended);
    }
}
