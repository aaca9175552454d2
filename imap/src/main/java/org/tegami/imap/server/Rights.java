package org.tegami.imap.server;

import java.util.Locale;

/**
 * A set of IMAP ACL rights (RFC 4314 §2.1), kept as letters in the canonical order {@link #ALL}. The virtual
 * rights {@code c} (= {@code k}) and {@code d} (= {@code x t e}) of §2.1.1 are expanded on the way in and added
 * on the way out. Public for the {@code tegami acl} command.
 */
public record Rights(String letters) {
    /** Every right Tegami knows: RFC 4314 §2.1, and {@code n} for shared annotations (RFC 5464 §3.4). */
    public static final String ALL = "lrswipkxtean";
    static final Rights OWNER = new Rights(ALL);
    static final Rights NONE = new Rights("");
    /** RFC 4314 §4, MYRIGHTS: any of these makes a mailbox exist for a user. */
    private static final String ANY = "lrikxa";
    /** RFC 4314 §5.2: any of these (with s, w, t as shared flag rights) makes SELECT read-write. */
    private static final String WRITE = "iestw";

    /** Only the known letters, in canonical order. */
    public static Rights of(String letters) {
        StringBuilder b = new StringBuilder();
        for (char c : ALL.toCharArray()) if (letters.indexOf(c) >= 0) b.append(c);
        return new Rights(b.toString());
    }

    /**
     * A SETACL rights string (RFC 4314 §3.1) without its {@code +}/{@code -} prefix; {@code c} and {@code d} stand
     * for their members.
     *
     * @throws IllegalArgumentException naming an unknown or upper-case right, which must be answered BAD
     */
    public static Rights parse(String wire) {
        StringBuilder b = new StringBuilder();
        for (char c : wire.toCharArray()) {
            if (c == 'c') b.append('k');
            else if (c == 'd') b.append("xte");
            else if (ALL.indexOf(c) >= 0) b.append(c);
            else throw new IllegalArgumentException(Character.isUpperCase(c) ? "Upper-case rights are not allowed"
                    : "The " + String.valueOf(c).toLowerCase(Locale.ROOT) + " right is not supported");
        }
        return of(b.toString());
    }

    boolean has(char right) {
        return letters.indexOf(right) >= 0;
    }

    private boolean hasAny(String rights) {
        for (char c : rights.toCharArray()) if (has(c)) return true;
        return false;
    }

    public Rights plus(Rights other) {
        return of(letters + other.letters);
    }

    public Rights minus(Rights other) {
        StringBuilder b = new StringBuilder();
        for (char c : letters.toCharArray()) if (!other.has(c)) b.append(c);
        return new Rights(b.toString());
    }

    /** Whether the mailbox exists at all for a user with these rights (RFC 4314 §6: else it looks absent). */
    boolean visible() {
        return hasAny(ANY);
    }

    /** RFC 4314 §5.2: SELECT is READ-ONLY without any of these. */
    boolean readWrite() {
        return hasAny(WRITE);
    }

    /** RFC 4314 §4 (STORE, APPEND, COPY): {@code s} for \Seen, {@code t} for \Deleted, {@code w} for the rest. */
    boolean mayChange(String flag) {
        if (flag.equalsIgnoreCase(Flags.SEEN)) return has('s');
        if (flag.equalsIgnoreCase(Flags.DELETED)) return has('t');
        return has('w');
    }

    /** Whether any flag may be changed at all (s, t or w). */
    boolean hasAnyFlagRight() {
        return hasAny("stw");
    }

    /** As MYRIGHTS and ACL responses show them: with {@code c} and {@code d} when a member is present (§2.1.1). */
    public String wire() {
        return letters + (has('k') ? "c" : "") + (hasAny("xte") ? "d" : "");
    }
}
