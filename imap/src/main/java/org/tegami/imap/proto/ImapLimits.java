package org.tegami.imap.proto;

/**
 * The byte and count limits of IMAP: the parser checks each of its own before the bytes it guards are buffered or
 * before the {@code +} continuation request is sent; the session checks those on what a logged-in user may make the
 * server keep or compute (mailboxes, sessions, keywords, LIST patterns). Literal octets are buffered as they arrive, never as declared;
 * the server also caps what all connections hold at once (server {@code LiteralBudget}).
 *
 * @param line              longest command line in octets, excluding CRLF and literals
 * @param tag               longest tag in characters
 * @param depth             deepest parenthesis nesting in SEARCH keys and FETCH items
 * @param ranges            most ranges in one sequence set
 * @param literalBeforeAuth largest literal accepted before authentication (LOGIN, AUTHENTICATE)
 * @param literalAfterAuth  largest literal accepted after authentication, except the APPEND message, which the
 *                          server streams to disk and checks against its message size limit; also caps the sum of
 *                          a command's literals
 * @param nonSyncLiteral    largest non-synchronizing literal: 4096 when LITERAL- is advertised (RFC 7888 §4),
 *                          otherwise {@link Long#MAX_VALUE} so that only the two literal limits apply
 * @param mailboxes         most mailboxes in one account, counting the parents a CREATE or RENAME would add
 * @param sessions          most IMAP sessions logged in to one account at once, over all listeners of one server:
 *                          each holds the selected mailbox's view in memory
 */
public record ImapLimits(int line, int tag, int depth, int ranges, int literalBeforeAuth, int literalAfterAuth,
        long nonSyncLiteral, int mailboxes, int sessions) {

    public static final int LINE = 64 * 1024;
    public static final int TAG = 64;
    public static final int DEPTH = 32;
    public static final int RANGES = 10_000;
    public static final int LITERAL_BEFORE_AUTH = 8 * 1024;
    /**
     * 64 KiB: the largest any command needs (a METADATA value, {@link #METADATA_VALUE}); SEARCH strings, LOGIN,
     * names and ID values are far smaller. It was 64 MiB, which let a few connections exhaust the heap (issue 12).
     */
    public static final int LITERAL_AFTER_AUTH = 64 * 1024;
    /** Largest METADATA value (RFC 5464 §4.3 [METADATA MAXSIZE]): a larger literal is refused before "+". */
    public static final int METADATA_VALUE = 64 * 1024;
    /** RFC 7888 §4: LITERAL- allows non-synchronizing literals of at most 4096 octets. */
    public static final int LITERAL_MINUS = 4096;
    /** Most mailboxes per account: LIST, NOTIFY and STATUS walk all of them. */
    public static final int MAILBOXES = 10_000;
    /** Most sessions per account: a few devices with a few connections each (Dovecot allows 10 per user and address). */
    public static final int SESSIONS = 50;
    /** Longest keyword (RFC 9051 §2.3.2) a client may set; Dovecot allows 50. */
    public static final int KEYWORD = 100;
    /**
     * Most keywords in use in one mailbox: SELECT sends them all in one FLAGS line, and PERMANENTFLAGS cannot say
     * how many more may be created (Cyrus allows 128).
     */
    public static final int MAILBOX_KEYWORDS = 256;
    /**
     * Most characters in the patterns of one LIST (reference and pattern, summed over LIST-EXTENDED's patterns): the
     * matcher is linear, but its work is the patterns' length times the names' length, once per pattern.
     */
    public static final int LIST_PATTERN = 4 * 1024;
    /** Most wildcards in the patterns of one LIST. */
    public static final int LIST_WILDCARDS = 16;

    /** Defaults for a server that advertises LITERAL+ (no extra cap on non-synchronizing literals). */
    public static final ImapLimits DEFAULTS = new ImapLimits(LINE, TAG, DEPTH, RANGES, LITERAL_BEFORE_AUTH,
            LITERAL_AFTER_AUTH, Long.MAX_VALUE, MAILBOXES, SESSIONS);

    /** Defaults for a server that advertises LITERAL- instead of LITERAL+. */
    public static final ImapLimits LITERAL_MINUS_DEFAULTS = DEFAULTS.withNonSyncLiteral(LITERAL_MINUS);

    public ImapLimits withNonSyncLiteral(long max) {
        return new ImapLimits(line, tag, depth, ranges, literalBeforeAuth, literalAfterAuth, max, mailboxes, sessions);
    }

    public ImapLimits withMailboxes(int max) {
        return new ImapLimits(line, tag, depth, ranges, literalBeforeAuth, literalAfterAuth, nonSyncLiteral, max, sessions);
    }

    public ImapLimits withSessions(int max) {
        return new ImapLimits(line, tag, depth, ranges, literalBeforeAuth, literalAfterAuth, nonSyncLiteral, mailboxes, max);
    }

    /** The largest literal accepted in the given authentication state. */
    public int literal(boolean authenticated) {
        return authenticated ? literalAfterAuth : literalBeforeAuth;
    }
}
