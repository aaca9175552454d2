package org.tegami.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * Other mail accounts a user collects mail from ({@code tegami fetch}): per source the server, the login (the
 * password sealed by the caller: the store never sees it in clear), polling state, and what was already fetched
 * (IMAP: UIDVALIDITY and the highest UID; POP3: the UIDLs). Removing an account removes its sources.
 *
 * <p>Thread-safe; each method is one transaction. Source ids are never reused.
 */
public interface FetchSourceStore {

    enum Protocol { IMAP, POP3 }

    /**
     * A source as the user adds it; {@code folder} is the IMAP mailbox (INBOX), empty for POP3; {@code startTls}:
     * connect in the clear and require STARTTLS/STLS before the login, else implicit TLS.
     */
    record NewSource(AccountId account, Protocol protocol, String host, int port, String username, String folder,
                     boolean keep, boolean startTls) {
        /** With implicit TLS. */
        public NewSource(AccountId account, Protocol protocol, String host, int port, String username, String folder,
                         boolean keep) {
            this(account, protocol, host, port, username, folder, keep, false);
        }
    }

    /**
     * A stored source.
     *
     * @param password     the sealed password (its owner's encryption, bound to this id and account)
     * @param keep         whether fetched messages stay on the server (else they are deleted once stored here)
     * @param lastError    the last problem, empty when the last attempt went well
     * @param failures     consecutive failed attempts
     * @param authFailures consecutive attempts the server refused the login
     * @param startTls     STARTTLS (IMAP) / STLS (POP3) required on a cleartext connection, else implicit TLS
     */
    record Source(long id, AccountId account, Protocol protocol, String host, int port, String username,
                  byte[] password, String folder, boolean keep, boolean enabled, Optional<Instant> lastSuccess,
                  String lastError, int failures, int authFailures, Instant nextAttempt, boolean startTls) {}

    /** What an IMAP source's folder was when last fetched: new messages are those above {@code highestUid}. */
    record ImapState(long uidValidity, long highestUid) {}

    /**
     * Adds a source, due at {@code nextAttempt}. {@code seal} turns the new id into the sealed password, so that
     * the ciphertext can name the row it belongs to.
     */
    Source add(NewSource source, Instant nextAttempt, LongFunction<byte[]> seal);

    Optional<Source> source(long id);

    /** Every source, or one account's, by id. */
    List<Source> sources(Optional<AccountId> account);

    /** Enabled sources whose next attempt is at or before {@code now}, soonest first, at most {@code max}. */
    List<Source> due(Instant now, int max);

    boolean remove(long id);

    /** Enables (clearing the failure counts, due at {@code nextAttempt}) or disables a source. */
    boolean setEnabled(long id, boolean enabled, Instant nextAttempt);

    /**
     * Claims a due source for one poll: moves its next attempt from {@code seen} (as {@link #due} returned it) to
     * {@code until}, only if no one else did meanwhile, so two pollers (two nodes, or a slow tick) never fetch one
     * source at once. A poller that dies holding the claim leaves the source due again at {@code until}.
     */
    boolean claim(long id, Instant seen, Instant until);

    /** Makes a source due at {@code when} ({@code tegami fetch now}). */
    boolean schedule(long id, Instant when);

    /** Records a good attempt: failures cleared, {@code note} (what was skipped, or empty) kept as the last error. */
    void succeeded(long id, Instant at, Instant nextAttempt, String note);

    /**
     * Records a failed attempt: the failure count grows, the authentication failure count grows or is cleared,
     * and the source is disabled when {@code disable}.
     */
    void failed(long id, String error, boolean authentication, Instant nextAttempt, boolean disable);

    Optional<ImapState> imapState(long id);

    void setImapState(long id, ImapState state);

    /** The UIDLs (RFC 1939 §7) of a POP3 source's messages already fetched. */
    Set<String> pop3Seen(long id);

    void addPop3Seen(long id, String uidl);

    /** Forgets the UIDLs not in {@code onServer} (the server no longer has them); returns how many went. */
    int retainPop3Seen(long id, Set<String> onServer);
}
