package org.tegami.store;

import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.List;
import java.util.Optional;

/**
 * Each account's Sieve scripts (RFC 5228), as ManageSieve (RFC 5804) and the operator's CLI keep them: named
 * scripts, at most one of them active; delivery reads the active one.
 *
 * <p>Thread-safe; each mutation is one transaction, durable (fsync'd) when it returns. Quotas are checked inside the
 * same transaction as the write, so two sessions racing to fill the last slot cannot both succeed. Removing an
 * account removes its scripts.
 */
public interface SieveScriptStore {

    /** RFC 5804 §1.6: servers must allow names of at least 128 Unicode characters; we allow exactly that. */
    int MAX_NAME_CHARS = 128;

    /** A script as listed: its name and whether it is the active one. */
    record Script(String name, boolean active) {}

    /**
     * Per-account quotas ({@code [sieve] max_scripts, max_script_size}).
     *
     * @param maxScripts    scripts an account may hold
     * @param maxScriptSize octets (UTF-8) of one script
     */
    record Quota(int maxScripts, int maxScriptSize) {
        public static final Quota DEFAULTS = new Quota(10, 64 * 1024);

        public Quota {
            if (maxScripts < 1 || maxScriptSize < 1) throw new IllegalArgumentException("quotas must be positive");
        }
    }

    /** How a mutation ended; each maps to one RFC 5804 response code. */
    enum Result {
        OK,
        /** RFC 5804 §1.3 NONEXISTENT: no script of that name. */
        NONEXISTENT,
        /** RFC 5804 §1.3 ALREADYEXISTS: RENAMESCRIPT to a name in use. */
        ALREADYEXISTS,
        /** RFC 5804 §2.10: the active script cannot be deleted. */
        ACTIVE,
        /** RFC 5804 §1.3 QUOTA/MAXSCRIPTS: one more script would exceed the account's count. */
        QUOTA_MAXSCRIPTS,
        /** RFC 5804 §1.3 QUOTA/MAXSIZE: the script is larger than allowed. */
        QUOTA_MAXSIZE
    }

    /** The account's scripts, by name (octet order). */
    List<Script> list(AccountId account);

    Optional<String> get(AccountId account, String name);

    /**
     * Creates or replaces {@code name} (an active script stays active). Answers a quota result without writing when
     * the script is too large or would be one too many. The name must be {@link #validName valid}.
     */
    Result put(AccountId account, String name, String content, Quota quota);

    /**
     * Whether {@link #put} of a script of {@code size} octets under {@code name} would fit now (RFC 5804 §2.5
     * HAVESPACE): replacing an existing script does not add to the count.
     */
    Result haveSpace(AccountId account, String name, long size, Quota quota);

    /** Deletes {@code name}; refuses the active script (RFC 5804 §2.10). */
    Result delete(AccountId account, String name);

    /** Renames {@code from} to {@code to}; the active script stays active under its new name (RFC 5804 §2.11.1). */
    Result rename(AccountId account, String from, String to);

    /** Makes {@code name} the one active script; the empty name deactivates every script (RFC 5804 §2.8). */
    Result setActive(AccountId account, String name);

    /** The content of the account's active script, if it has one: what delivery runs. One indexed read. */
    Optional<String> active(AccountId account);

    /** Marks one account keeps at most; beyond it the ones that expire soonest go. */
    int MAX_MARKS = 10_000;

    /**
     * Whether a delivery-time mark is set and not expired at {@code now}: a vacation reply sent to a sender within
     * its period (RFC 5230 §4.2), a duplicate id seen (RFC 7352 §3), a notice already given. Keys are the caller's
     * (of any length; the store keeps a digest); marks outlive restarts and go with the account.
     */
    boolean marked(AccountId account, String key, Instant now);

    /**
     * Sets a mark until {@code until}, replacing an earlier one with that key; the account's marks expired at
     * {@code now} are dropped, and at most {@link #MAX_MARKS} kept.
     */
    void mark(AccountId account, String key, Instant now, Instant until);

    /** The length of {@code content} in octets as a client counts it (UTF-8). */
    static long octets(String content) {
        long n = 0;
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < content.length() && Character.isLowSurrogate(content.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    /**
     * RFC 5804 §1.6: a script name is 1 to {@value #MAX_NAME_CHARS} Unicode characters of Net-Unicode (RFC 5198
     * §2: NFC), without control characters (U+0000–U+001F, U+007F–U+009F), U+2028 or U+2029, and no unpaired
     * surrogates (it must encode as UTF-8).
     */
    static boolean validName(String name) {
        if (name == null || name.isEmpty()) return false;
        int chars = 0;
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029) return false;
            if (Character.isSurrogate((char) cp) && cp <= 0xffff) return false; // unpaired
            i += Character.charCount(cp);
            if (++chars > MAX_NAME_CHARS) return false;
        }
        return Normalizer.isNormalized(name, Normalizer.Form.NFC)
                && StandardCharsets.UTF_8.newEncoder().canEncode(name);
    }
}
