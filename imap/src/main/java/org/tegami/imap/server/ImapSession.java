package org.tegami.imap.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.tegami.auth.AuthResult;
import org.tegami.auth.sasl.PlainCredentials;
import org.tegami.auth.sasl.Sasl;
import org.tegami.auth.sasl.SaslException;
import org.tegami.core.StoreException;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapParser;
import org.tegami.imap.proto.ImapRequest;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ImapWriter;
import org.tegami.imap.proto.MailboxName;
import org.tegami.imap.proto.StreamImapReader;
import org.tegami.net.Connection;
import org.tegami.store.Account;
import org.tegami.store.Mailbox;

/**
 * One IMAP connection (RFC 9051, and RFC 3501 for clients that do not ENABLE IMAP4rev2): the state machine of
 * §3 — not authenticated, authenticated, selected, logout — and the commands valid in each. Message commands
 * of the selected state are in {@link MessageCommands}; mailbox listing in {@link Mailboxes}.
 */
final class ImapSession {
    private static final Logger LOG = System.getLogger(ImapSession.class.getName());
    /** The rule: three syntax errors before authentication end the connection. */
    private static final int MAX_ERRORS_BEFORE_AUTH = 3;
    private static final int MAX_ERRORS = 50;
    private static final int MAX_SASL_LINE = 8 * 1024;

    final ImapEnvironment env;
    final Connection conn;
    private final ImapParser parser;
    private final LiteralBudget literals;
    private StreamImapReader reader;
    Account account;
    SelectedMailbox selected;
    /** RFC 9051 after ENABLE IMAP4rev2; otherwise the client speaks RFC 3501. */
    boolean rev2;
    boolean condstore;
    boolean qresync;
    /** RFC 9586 after ENABLE UIDONLY: no sequence numbers either way, UIDFETCH and VANISHED instead. */
    boolean uidOnly;
    /** RFC 6855 after ENABLE UTF8=ACCEPT: UTF-8 in quoted strings and mailbox names, and APPEND UTF8 (...). */
    boolean utf8Accept;
    private boolean logout;
    private int errors;
    private static final long ACCOUNT_RECHECK_NANOS = 1_000_000_000L;
    private long accountCheckedAt = System.nanoTime();
    private final MessageCommands messages;
    private final Mailboxes mailboxes;
    private final Metadata metadata;
    final Access access;
    final Notifier notifier;
    /**
     * Held while a command runs, and by the threads that write unsolicited responses (IDLE, NOTIFY) while they do,
     * so that those never land inside a command's responses or race its changes to the selected mailbox.
     */
    final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    /** The searches kept up to date for the selected mailbox (RFC 5267 §4). */
    final SearchUpdates updates;

    /** The sessions logged in per account (shared by the server's connections); this one counts while {@link #counted}. */
    private final AccountSessions sessions;
    private boolean counted;

    ImapSession(ImapEnvironment env, Connection conn, LiteralBudget literals, AccountSessions sessions) {
        this.env = env;
        this.conn = conn;
        this.literals = literals;
        this.sessions = sessions;
        this.parser = new ImapParser(env.limits());
        this.reader = newReader();
        this.messages = new MessageCommands(this);
        this.mailboxes = new Mailboxes(this);
        this.metadata = new Metadata(this);
        this.access = new Access(this);
        this.notifier = new Notifier(this);
        this.updates = new SearchUpdates(this);
    }

    private StreamImapReader newReader() {
        if (reader != null) reader.release();
        InputStream in = new InputStream() {
            @Override
            public int read() throws IOException {
                return conn.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return conn.read(b, off, len);
            }
        };
        StreamImapReader r = new StreamImapReader(in, () -> {
            send("+ Ready for literal data\r\n");
            flush();
        }, env.limits().line());
        r.budget(literalBudget());
        return r;
    }

    /** Where this connection's literals are counted: its user's share once logged in. */
    private StreamImapReader.Budget literalBudget() {
        return account == null ? literals.beforeLogin() : literals.forUser(account.id());
    }

    StreamImapReader reader() {
        return reader;
    }

    ImapParser parser() {
        return parser;
    }

    /** UTF-8 in quoted strings and mailbox names: IMAP4rev2 (RFC 9051 §6.3.1) or UTF8=ACCEPT (RFC 6855 §3). */
    boolean utf8() {
        return rev2 || utf8Accept;
    }

    void run() throws IOException {
        try {
            send("* OK [CAPABILITY " + capabilities() + "] " + env.hostname() + " Tegami IMAP4rev2 server ready\r\n");
            while (!logout) {
                reader.release(); // the previous command is done with its literals
                flush();
                conn.setReadTimeout(account == null ? ImapEnvironment.PREAUTH_TIMEOUT : env.idleTimeout());
                ImapRequest req;
                try {
                    req = parser.parse(reader, account != null);
                } catch (ImapSyntaxException e) {
                    syntaxError(e);
                    continue;
                }
                lock.lock();
                try {
                    execute(req.tag(), req.command());
                    notifier.selectionChanged();
                } catch (ImapSyntaxException e) {
                    syntaxError(e);
                } catch (StoreException e) {
                    LOG.log(Level.ERROR, "store failure in IMAP session", e);
                    send(req.tag() + " NO [SERVERBUG] Internal error, try again later\r\n");
                } finally {
                    lock.unlock();
                }
            }
        } catch (SocketTimeoutException e) {
            send("* BYE Autologout; idle for too long\r\n"); // RFC 9051 §5.4
        } catch (EOFException e) {
            // client went away
        } finally {
            reader.release();
            lock.lock();
            try {
                notifier.close();
                if (selected != null) selected.close();
                logOut();
            } finally {
                lock.unlock();
            }
            try {
                flush();
            } catch (IOException ignored) {
                // peer gone
            }
        }
    }

    private void syntaxError(ImapSyntaxException e) throws IOException {
        send(e.line() + "\r\n");
        if (!e.refusal()) errors++;
        if (e.close()) {
            send("* BYE Cannot recover from that command, closing connection\r\n");
            logout = true;
        } else if ((account == null && errors >= MAX_ERRORS_BEFORE_AUTH) || errors >= MAX_ERRORS) {
            send("* BYE Too many errors, closing connection\r\n");
            logout = true;
        }
    }

    private void execute(String tag, ImapCommand cmd) throws IOException, ImapSyntaxException {
        switch (cmd) {
            case ImapCommand.Capability c -> {
                send("* CAPABILITY " + capabilities() + "\r\n");
                ok(tag, "CAPABILITY completed");
            }
            case ImapCommand.Noop c -> {
                sync(true);
                ok(tag, "NOOP completed");
            }
            case ImapCommand.Logout c -> {
                logOut(); // before the OK, so that a client reconnecting at once finds the session gone
                send("* BYE " + env.hostname() + " logging out\r\n");
                ok(tag, "LOGOUT completed");
                logout = true;
            }
            case ImapCommand.StartTls c -> startTls(tag);
            case ImapCommand.Login c -> {
                if (preAuth(tag)) login(tag, c.user(), c.password());
            }
            case ImapCommand.Authenticate c -> {
                if (preAuth(tag)) authenticate(tag, c);
            }
            case ImapCommand.Id c -> {
                // RFC 2971 §3.1: the server's own fields; the client's are only logged
                send("* ID (\"name\" \"Tegami\" \"vendor\" \"Tegami\" \"support-url\" \"https://github.com/tegami\")\r\n");
                ok(tag, "ID completed");
            }
            default -> {
                if (account == null) {
                    throw new ImapSyntaxException(tag, "Command not valid before authentication", false);
                }
                authenticated(tag, cmd);
            }
        }
    }

    private void authenticated(String tag, ImapCommand cmd) throws IOException, ImapSyntaxException {
        if (!accountStillExists()) {
            send("* BYE This account was removed\r\n"); // RFC 9051 §7.1.5: the server is closing the connection
            logout = true;
            return;
        }
        switch (cmd) {
            case ImapCommand.Enable c -> enable(tag, c);
            case ImapCommand.Select c -> mailboxes.select(tag, c.mailbox(), false, c.condstore(), c.qresync());
            case ImapCommand.Examine c -> mailboxes.select(tag, c.mailbox(), true, c.condstore(), c.qresync());
            case ImapCommand.Create c -> mailboxes.create(tag, c);
            case ImapCommand.Delete c -> mailboxes.delete(tag, c.mailbox());
            case ImapCommand.Rename c -> mailboxes.rename(tag, c.from(), c.to());
            case ImapCommand.Subscribe c -> mailboxes.subscribe(tag, c.mailbox(), true);
            case ImapCommand.Unsubscribe c -> mailboxes.subscribe(tag, c.mailbox(), false);
            case ImapCommand.ListCmd c -> mailboxes.list(tag, c);
            case ImapCommand.Lsub c -> mailboxes.lsub(tag, c);
            case ImapCommand.Namespace c -> {
                // RFC 2342 §5: the personal namespace, and the other users' mailboxes shared with this one (RFC 4314)
                send("* NAMESPACE ((\"\" \"/\")) ((\"" + Access.PREFIX + "\" \"/\")) NIL\r\n");
                ok(tag, "NAMESPACE completed");
            }
            case ImapCommand.Notify c -> notifier.command(tag, c);
            case ImapCommand.MyRights c -> access.myRights(tag, c);
            case ImapCommand.GetAcl c -> access.getAcl(tag, c);
            case ImapCommand.SetAcl c -> access.setAcl(tag, c);
            case ImapCommand.DeleteAcl c -> access.deleteAcl(tag, c);
            case ImapCommand.ListRights c -> access.listRights(tag, c);
            case ImapCommand.Status c -> mailboxes.status(tag, c);
            case ImapCommand.Append c -> messages.append(tag, c);
            case ImapCommand.Catenate c -> messages.append(tag, c);
            case ImapCommand.Idle c -> messages.idle(tag);
            case ImapCommand.Compress c -> compress(tag, c.mechanism());
            case ImapCommand.GetQuotaRoot c -> mailboxes.quotaRoot(tag, c.mailbox());
            case ImapCommand.SetMetadata c -> metadata.set(tag, c);
            case ImapCommand.MultiSearch c -> messages.multiSearch(tag, c);
            case ImapCommand.GetMetadata c -> metadata.get(tag, c);
            case ImapCommand.GetQuota c -> mailboxes.quota(tag, c.root());
            case ImapCommand.SetQuota c ->
                    send(tag + " NO [NOPERM] Quotas are set by the administrator: tegami user quota\r\n");
            case ImapCommand.Unauthenticate c -> {
                // RFC 8437: as if the connection were new, but TLS (and compression) stay
                notifier.close();
                unselect();
                logOut();
                account = null;
                reader.budget(literalBudget());
                rev2 = condstore = qresync = utf8Accept = uidOnly = false;
                errors = 0;
                ok(tag, "Not authenticated any more");
            }
            default -> {
                if (selected == null) throw new ImapSyntaxException(tag, "No mailbox selected", false);
                // another user's mailbox: its ACL may have changed since the last command (here, or by `tegami acl`
                // in another process, which no change feed reports), so the rights are read again before any check
                if (selected.shared() && !recheckRights()) return;
                messages.execute(tag, cmd);
            }
        }
    }

    // --- capabilities, TLS and login --------------------------------------------------------------------------

    /** Advertised after login, each complete (docs/imap-compliance.md lists the RFC and the tests of each). */
    private static final List<String> AUTHENTICATED = List.of(
            "IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS",
            "SPECIAL-USE", "CREATE-SPECIAL-USE", "ESEARCH", "SEARCHRES", "CONDSTORE", "QRESYNC", "STATUS=SIZE",
            "UNAUTHENTICATE", "WITHIN", "SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES",
            "OBJECTID", "PREVIEW", "MULTIAPPEND", "BINARY", "REPLACE", "ESORT", "QUOTA", "QUOTA=RES-STORAGE",
            "QUOTA=RES-MESSAGE", "SAVEDATE", "UTF8=ACCEPT", "METADATA", "METADATA-SERVER", "PARTIAL", "MULTISEARCH", "UIDONLY", "CATENATE",
            "ACL", "RIGHTS=texkn", "LIST-MYRIGHTS", "NOTIFY", "CONTEXT=SEARCH", "CONTEXT=SORT", "INPROGRESS");

    String capabilities() {
        List<String> caps = new ArrayList<>(List.of("IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ENABLE", "ID"));
        if (account == null) {
            // RFC 9051 §6.2.3 / RFC 8314: no credentials before TLS, so no mechanisms either
            if (conn.isTls()) {
                caps.add("AUTH=PLAIN");
                caps.add("AUTH=LOGIN");
            } else {
                caps.add("STARTTLS");
                caps.add("LOGINDISABLED");
            }
            return String.join(" ", caps);
        }
        caps.addAll(AUTHENTICATED);
        caps.add("APPENDLIMIT=" + env.maxMessageSize());
        if (!conn.isCompressed()) caps.add("COMPRESS=DEFLATE");
        return String.join(" ", caps);
    }

    /** RFC 4978 §3: raw DEFLATE both ways from the end of the OK line on. */
    private void compress(String tag, String mechanism) throws IOException, ImapSyntaxException {
        if (!mechanism.equals("DEFLATE")) throw new ImapSyntaxException(tag, "Unknown compression mechanism", false);
        if (conn.isCompressed()) {
            send(tag + " NO [COMPRESSIONACTIVE] DEFLATE is already active\r\n");
            return;
        }
        ok(tag, "DEFLATE active");
        conn.startCompression();
        reader = newReader(); // nothing may be pipelined behind COMPRESS: what was is dropped
    }

    private void startTls(String tag) throws IOException, ImapSyntaxException {
        if (conn.isTls()) throw new ImapSyntaxException(tag, "Already using TLS", false);
        if (account != null) throw new ImapSyntaxException(tag, "STARTTLS is only valid before login", false);
        ok(tag, "Begin TLS negotiation now");
        flush();
        try {
            conn.startTls(env.tls()); // RFC 9051 §6.2.1: anything pipelined behind STARTTLS is discarded
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "TLS handshake failed: " + e.getMessage());
            logout = true;
            return;
        }
        reader = newReader(); // and so is whatever our own reader had buffered
    }

    /** Checks that login is possible at all: not yet logged in, and over TLS (RFC 9051 §6.2.3, §11.1). */
    private boolean preAuth(String tag) throws IOException, ImapSyntaxException {
        if (account != null) throw new ImapSyntaxException(tag, "Already authenticated", false);
        if (!conn.isTls()) {
            send(tag + " NO [PRIVACYREQUIRED] Login requires TLS: use STARTTLS first, or port 993\r\n");
            return false;
        }
        return true;
    }

    private void login(String tag, String user, String password) throws IOException {
        AuthResult r = env.authenticator().authenticate(user, password, conn.remoteAddress());
        switch (r) {
            case AuthResult.Failure f -> send(tag + " NO [AUTHENTICATIONFAILED] Invalid credentials\r\n");
            case AuthResult.Throttled t -> send(tag + " NO [UNAVAILABLE] Too many failed logins, try again later\r\n");
            case AuthResult.Success s -> {
                // each session holds its selected mailbox's view: without a cap one user's connections fill the heap
                if (!sessions.acquire(s.account().id(), env.limits().sessions())) {
                    send(tag + " NO [LIMIT] Too many IMAP sessions for this account, log out of another one first\r\n");
                    return;
                }
                counted = true;
                account = s.account();
                accountCheckedAt = System.nanoTime();
                conn.authenticated();
                reader.budget(literalBudget());
                errors = 0;
                send(tag + " OK [CAPABILITY " + capabilities() + "] Logged in\r\n");
            }
        }
    }

    private void authenticate(String tag, ImapCommand.Authenticate c) throws IOException {
        try {
            switch (c.mechanism().toUpperCase(Locale.ROOT)) {
                case "PLAIN" -> {
                    Optional<String> resp = c.initialResponse().isPresent() ? c.initialResponse() : challenge(tag, "");
                    if (resp.isEmpty()) return;
                    PlainCredentials p = Sasl.parsePlain(resp.get().equals("=") ? "" : resp.get());
                    if (p.impersonates()) {
                        send(tag + " NO [AUTHORIZATIONFAILED] Cannot log in as another user\r\n");
                        return;
                    }
                    login(tag, p.authcid(), p.password());
                }
                case "LOGIN" -> {
                    Optional<String> u = c.initialResponse().isPresent() ? c.initialResponse() : challenge(tag, b64("Username:"));
                    if (u.isEmpty()) return;
                    String user = Sasl.decodeBase64Utf8(u.get().equals("=") ? "" : u.get());
                    Optional<String> p = challenge(tag, b64("Password:"));
                    if (p.isEmpty()) return;
                    login(tag, user, Sasl.decodeBase64Utf8(p.get()));
                }
                default -> send(tag + " NO [CANNOT] Unsupported authentication mechanism\r\n");
            }
        } catch (SaslException e) {
            send(tag + " BAD Invalid SASL response\r\n");
        }
    }

    /** A SASL round (RFC 9051 §6.2.2); empty when the client cancelled with {@code *} (answered BAD) or left. */
    private Optional<String> challenge(String tag, String data) throws IOException {
        send("+ " + data + "\r\n");
        flush();
        byte[] line;
        try {
            line = reader.line();
        } catch (ImapSyntaxException e) {
            send(tag + " BAD Authentication line too long\r\n");
            logout = true;
            return Optional.empty();
        }
        String s = new String(line, StandardCharsets.US_ASCII);
        if (line.length > MAX_SASL_LINE) {
            send(tag + " BAD Authentication line too long\r\n");
            return Optional.empty();
        }
        if (Sasl.isCancel(s)) {
            send(tag + " BAD Authentication cancelled\r\n");
            return Optional.empty();
        }
        return Optional.of(s);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    private void enable(String tag, ImapCommand.Enable c) throws IOException {
        Set<String> enabled = new LinkedHashSet<>();
        for (String cap : c.capabilities()) {
            switch (cap) {
                case "IMAP4REV2" -> {
                    rev2 = true;
                    if (selected != null) selected.dropRecent(); // RFC 9051 has no \Recent
                    enabled.add("IMAP4rev2");
                }
                case "CONDSTORE" -> {
                    condstore = true;
                    enabled.add("CONDSTORE");
                }
                case "UIDONLY" -> {
                    uidOnly = true;
                    enabled.add("UIDONLY");
                }
                case "UTF8=ACCEPT" -> {
                    utf8Accept = true;
                    enabled.add("UTF8=ACCEPT");
                }
                case "QRESYNC" -> { // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE
                    condstore = true;
                    qresync = true;
                    enabled.add("QRESYNC");
                }
                default -> { } // RFC 5161 §3.1: unknown names are ignored
            }
        }
        send("* ENABLED" + (enabled.isEmpty() ? "" : " " + String.join(" ", enabled)) + "\r\n");
        ok(tag, "ENABLE completed");
    }

    // --- shared helpers ---------------------------------------------------------------------------------------

    /** The stored (UTF-8) name of a mailbox argument: modified UTF-7 is decoded for IMAP4rev1 clients. */
    String mailboxName(String tag, String wire) throws ImapSyntaxException {
        String name = wire;
        if (!utf8()) {
            try {
                name = MailboxName.decodeModifiedUtf7(wire);
            } catch (IllegalArgumentException e) {
                // RFC 3501 §5.1.3: a well-formed astring that names no mailbox is refused, NO as Dovecot answers, not
                // BAD (RFC 9051 §7.1.2: NO is a failed command, BAD a protocol error)
                throw ImapSyntaxException.refused(tag, "Mailbox name is not valid modified UTF-7", false);
            }
        }
        name = MailboxName.normalize(name);
        if (!MailboxName.isValid(name)) throw new ImapSyntaxException(tag, "Invalid mailbox name", false);
        return name;
    }

    /** A mailbox name as the client must see it. */
    String wireName(String name) {
        return ImapWriter.mailbox(name, utf8());
    }

    /** The mailbox a name refers to, if it exists for this user (their own, or shared with them: {@link Access}). */
    Optional<Access.Target> findMailbox(String name) {
        return access.find(name);
    }

    /**
     * Whether the logged-in user still exists; an admin may have removed them, from another process too, so no
     * change feed tells. Read from the store at most once a second, so that a command loop costs no extra reads.
     */
    private boolean accountStillExists() {
        long now = System.nanoTime();
        if (now - accountCheckedAt < ACCOUNT_RECHECK_NANOS) return true;
        accountCheckedAt = now;
        return env.store().accounts().stillExists(account);
    }

    /** Reports what changed in the selected mailbox since the last report (RFC 9051 §7.4.1, §5.2). */
    void sync(boolean allowExpunge) throws IOException {
        if (selected == null) return;
        if (selected.shared() && selected.dirty() && !recheckRights()) return;
        var s = selected.sync(new SelectedMailbox.Mode(allowExpunge, condstore, qresync, uidOnly,
                qresync || notifier.watchesSelected()));
        if (s.gone()) {
            send("* BYE The selected mailbox was deleted\r\n");
            logout = true;
            return;
        }
        for (String line : s.lines()) send("* " + line + "\r\n");
        // RFC 5267 §4.3: after the EXPUNGE/EXISTS/FETCH they follow from, so the client's view is already current
        for (String line : updates.apply(s.changed(), s.removed())) send("* " + line + "\r\n");
    }

    /**
     * RFC 4314 §5.1.1: another user's mailbox may have had its ACL changed. Without the r right any more the
     * session ends (it MAY send BYE); with other rights changed, PERMANENTFLAGS says what may be changed now.
     */
    private boolean recheckRights() throws IOException {
        Rights now = access.rightsOf(selected.mailbox());
        if (!now.has('r')) {
            send("* BYE [NOPERM] Access to the selected mailbox was withdrawn\r\n");
            unselect();
            logout = true;
            return false;
        }
        if (!now.equals(selected.rights())) {
            selected.as(selected.name(), now);
            send("* OK [PERMANENTFLAGS " + Flags.permanent(now, selected.readOnly, selected.announced()) + "] Rights changed\r\n");
        }
        return true;
    }

    /**
     * A CONDSTORE enabling command (RFC 7162 §3.1: a MODSEQ fetch item or search key, CHANGEDSINCE, UNCHANGEDSINCE,
     * STATUS HIGHESTMODSEQ). The first one with a mailbox selected is answered with its HIGHESTMODSEQ before the
     * tagged response, as Dovecot does, so the client can start from it.
     */
    void enableCondstore() throws IOException {
        if (condstore) return;
        condstore = true;
        if (selected != null) send("* OK [HIGHESTMODSEQ " + selected.highestModSeq().value() + "] Highest\r\n");
    }

    /** Whether {@code count} more messages of {@code bytes} octets fit the quota of the mailbox's owner (RFC 9208 §4.1.4). */
    boolean fitsQuota(Mailbox mailbox, long bytes, long count) {
        return env.store().accounts().quota(mailbox.account()).map(q -> q.allows(bytes, count)).orElse(true);
    }

    /**
     * Takes this session out of its account's count, once; {@link #account} stays set until the caller clears it,
     * as the NOTIFY thread may still be writing for it.
     */
    private void logOut() {
        if (counted) sessions.release(account.id());
        counted = false;
    }

    void unselect() {
        if (selected != null) selected.close();
        selected = null;
        updates.clear(); // RFC 5267 §4.2: a search context lives only as long as its mailbox is selected
    }

    Fetcher fetcher() {
        return messages.fetcher();
    }

    void ok(String tag, String text) throws IOException {
        send(tag + " OK " + text + "\r\n");
    }

    void send(String s) throws IOException {
        send(s.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] b) throws IOException {
        synchronized (conn.writeLock()) {
            conn.output().write(b);
        }
    }

    void flush() throws IOException {
        conn.flush();
    }

    boolean loggedOut() {
        return logout;
    }

    void endSession() {
        logout = true;
    }
}
