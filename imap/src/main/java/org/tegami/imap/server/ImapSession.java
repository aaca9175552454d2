package org.tegami.imap.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import org.tegami.core.StoreException;
import org.tegami.core.metrics.Metrics;
import org.tegami.imap.proto.Dialect;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapParser;
import org.tegami.imap.proto.ImapRequest;
import org.tegami.imap.proto.ImapResponse;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.MailboxName;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.imap.proto.ResponseEncoder;
import org.tegami.imap.proto.StreamImapReader;
import org.tegami.net.Connection;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.Mailbox;

/**
 * One IMAP connection (RFC 9051, and RFC 3501 for clients that do not ENABLE IMAP4rev2): a read–parse–execute loop
 * over the states of §3 ({@link SessionState}, whose table says which commands each state accepts). Each command
 * family runs in its own class, named after it: {@link ConnectionCommands} (any state), {@link LoginCommands},
 * {@link SelectCommand}, {@link MailboxCommands}, {@link ListCommand}, {@link StatusCommand}, {@link AppendCommand},
 * {@link IdleCommand}, {@link ExpungeCommands}, {@link FetchCommand}, {@link StoreCommand}, {@link CopyMoveCommand},
 * {@link SearchCommands}, {@link ReplaceCommand}, {@link AclCommands}, {@link QuotaCommands},
 * {@link MetadataCommands} and {@link NotifyCommand}. Every response goes out through {@link #out()}.
 */
final class ImapSession {
    private static final Logger LOG = System.getLogger(ImapSession.class.getName());
    /** Three syntax errors before authentication end the connection. */
    private static final int MAX_ERRORS_BEFORE_AUTH = 3;
    private static final int MAX_ERRORS = 50;
    private static final long ACCOUNT_RECHECK_NANOS = 1_000_000_000L;

    final ImapEnvironment env;
    final Connection conn;
    private final ResponseEncoder out;
    private final ImapParser parser;
    private final LiteralBudget literals;
    private StreamImapReader reader;
    private volatile SessionState state = SessionState.NOT_AUTHENTICATED;
    private int errors;
    private long accountCheckedAt = System.nanoTime();
    /** The account this session counts against in {@link #sessions}, or null. */
    private AccountId counted;
    private final AccountSessions sessions;

    private final ConnectionCommands connection;
    private final LoginCommands login;
    private final SelectCommand select;
    private final MailboxCommands mailboxes;
    private final ListCommand list;
    private final StatusCommand status;
    private final QuotaCommands quota;
    private final AppendCommand append;
    private final IdleCommand idle;
    private final ExpungeCommands expunge;
    private final FetchCommand fetch;
    private final StoreCommand store;
    private final CopyMoveCommand copy;
    private final ReplaceCommand replace;
    private final SearchCommands search;
    private final AclCommands acl;
    private final MetadataCommands metadata;
    final Access access;
    final NotifyCommand notifier;
    /** The searches kept up to date for the selected mailbox (RFC 5267 §4). */
    final SearchUpdates updates;
    /**
     * Held while a command runs, and by the threads that write unsolicited responses (IDLE, NOTIFY) while they do,
     * so that those never land inside a command's responses or race its changes to the selected mailbox.
     */
    final ReentrantLock lock = new ReentrantLock();

    ImapSession(ImapEnvironment env, Connection conn, LiteralBudget literals, AccountSessions sessions) {
        this.env = env;
        this.conn = conn;
        this.out = new ResponseEncoder(conn::output, conn.writeLock());
        this.literals = literals;
        this.sessions = sessions;
        this.parser = new ImapParser(env.limits());
        this.reader = newReader();
        this.connection = new ConnectionCommands(this);
        this.login = new LoginCommands(this);
        this.select = new SelectCommand(this);
        this.mailboxes = new MailboxCommands(this);
        this.status = new StatusCommand(this);
        this.list = new ListCommand(this, status);
        this.quota = new QuotaCommands(this);
        this.append = new AppendCommand(this);
        this.idle = new IdleCommand(this);
        this.expunge = new ExpungeCommands(this);
        this.fetch = new FetchCommand(this);
        this.store = new StoreCommand(this);
        this.copy = new CopyMoveCommand(this);
        this.replace = new ReplaceCommand(this, append);
        this.search = new SearchCommands(this);
        this.acl = new AclCommands(this);
        this.metadata = new MetadataCommands(this);
        this.access = new Access(this);
        this.notifier = new NotifyCommand(this);
        this.updates = new SearchUpdates(this);
    }

    /** A reader of this connection's commands; a new one after STARTTLS and COMPRESS drops what was buffered. */
    StreamImapReader newReader() {
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
            out.continuation("Ready for literal data");
            flush();
        }, env.limits().line());
        r.budget(literalBudget());
        reader = r;
        return r;
    }

    /** Where this connection's literals are counted: its user's share once logged in. */
    private StreamImapReader.Budget literalBudget() {
        return state instanceof SessionState.NotAuthenticated || state instanceof SessionState.Logout
                ? literals.beforeLogin() : literals.forUser(account().id());
    }

    StreamImapReader reader() {
        return reader;
    }

    ImapParser parser() {
        return parser;
    }

    /** Where every response of this session is written, as the client's {@link #dialect()} requires. */
    ResponseEncoder out() {
        return out;
    }

    Dialect dialect() {
        return out.dialect();
    }

    void dialect(Dialect d) {
        out.dialect(d);
    }

    /** UTF-8 in quoted strings and mailbox names: IMAP4rev2 (RFC 9051 §6.3.1) or UTF8=ACCEPT (RFC 6855 §3). */
    boolean utf8() {
        return out.dialect().utf8();
    }

    // --- state --------------------------------------------------------------------------------------------------

    SessionState state() {
        return state;
    }

    /** The logged-in user; only called in the authenticated and selected states. */
    Account account() {
        return switch (state) {
            case SessionState.Authenticated a -> a.account();
            case SessionState.Selected sel -> sel.account();
            default -> throw new IllegalStateException("not logged in");
        };
    }

    /** The selected mailbox, if there is one. */
    Optional<SelectedMailbox> selection() {
        return state instanceof SessionState.Selected sel ? Optional.of(sel.mailbox()) : Optional.empty();
    }

    /** Whether {@code sel} is still the selected mailbox (a command or a notifier may have changed it meanwhile). */
    boolean isSelected(SelectedMailbox sel) {
        return state instanceof SessionState.Selected now && now.mailbox() == sel;
    }

    /** Whether the selected mailbox, if any, is {@code mailbox}. */
    boolean isSelected(org.tegami.store.MailboxId mailbox) {
        return state instanceof SessionState.Selected now && now.mailbox().mailbox().id().equals(mailbox);
    }

    /** RFC 9051 §3.3: a mailbox was selected; a previously selected one must have been closed. */
    void selected(SelectedMailbox sel) {
        state = new SessionState.Selected(account(), sel);
    }

    /** Back to the authenticated state (RFC 9051 §6.4.1, §6.4.2), closing the selected mailbox's view. */
    void unselect() {
        if (state instanceof SessionState.Selected sel) {
            sel.mailbox().close();
            state = new SessionState.Authenticated(sel.account());
        }
        updates.clear(); // RFC 5267 §4.2: a search context lives only as long as its mailbox is selected
    }

    /** RFC 9051 §3.2: logged in as {@code account}, counted against its session limit. */
    void loggedIn(Account account) {
        counted = account.id();
        state = new SessionState.Authenticated(account);
        accountCheckedAt = System.nanoTime();
        conn.authenticated();
        reader.budget(literalBudget());
        errors = 0;
    }

    /** RFC 8437: back to not authenticated, as if the connection were new, but TLS (and compression) stay. */
    void loggedOutKeepingConnection() {
        notifier.close();
        unselect();
        release();
        state = SessionState.NOT_AUTHENTICATED;
        reader.budget(literalBudget());
        dialect(Dialect.REV1);
        errors = 0;
    }

    /** The connection ends after this command's responses; nothing more is read. */
    void endSession() {
        if (state instanceof SessionState.Selected sel) sel.mailbox().close();
        state = SessionState.LOGOUT;
    }

    boolean loggedOut() {
        return state instanceof SessionState.Logout;
    }

    /** Counts a login against its account's session limit; false (not counted) when the account is at it. */
    boolean acquireSession(AccountId account) {
        return sessions.acquire(account, env.limits().sessions());
    }

    /** Takes this session out of its account's count, once. */
    void release() {
        if (counted != null) sessions.release(counted);
        counted = null;
    }

    // --- the loop -----------------------------------------------------------------------------------------------

    void run() throws IOException {
        try {
            out.untagged(ImapResponse.Status.OK, new ResponseCode.Capability(connection.capabilities()),
                    env.hostname() + " Tegami IMAP4rev2 server ready");
            while (!loggedOut()) {
                reader.release(); // the previous command is done with its literals
                flush();
                conn.setReadTimeout(state instanceof SessionState.NotAuthenticated
                        ? ImapEnvironment.PREAUTH_TIMEOUT : env.idleTimeout());
                ImapRequest req;
                try {
                    req = parser.parse(reader, !(state instanceof SessionState.NotAuthenticated));
                } catch (ImapSyntaxException e) {
                    syntaxError(e);
                    continue;
                }
                long started = System.nanoTime();
                lock.lock();
                try {
                    execute(req.tag(), req.command());
                    if (Metrics.enabled()) Metrics.imapCommand(req.command().getClass().getSimpleName()
                            .toLowerCase(java.util.Locale.ROOT), System.nanoTime() - started);
                    notifier.selectionChanged();
                } catch (ImapSyntaxException e) {
                    syntaxError(e);
                } catch (StoreException e) {
                    LOG.log(Level.ERROR, "store failure in IMAP session", e);
                    out.no(req.tag(), ResponseCode.Atom.SERVERBUG, "Internal error, try again later");
                } finally {
                    lock.unlock();
                }
            }
        } catch (SocketTimeoutException e) {
            out.bye("Autologout; idle for too long"); // RFC 9051 §5.4
        } catch (EOFException e) {
            // client went away
        } finally {
            reader.release();
            lock.lock();
            try {
                notifier.close();
                if (state instanceof SessionState.Selected sel) sel.mailbox().close();
                release();
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
        if (e.refusal()) out.no(e.tag(), e.text());
        else out.bad(e.tag(), e.text());
        if (!e.refusal()) errors++;
        if (e.close()) {
            out.bye("Cannot recover from that command, closing connection");
            endSession();
        } else if ((state instanceof SessionState.NotAuthenticated && errors >= MAX_ERRORS_BEFORE_AUTH)
                || errors >= MAX_ERRORS) {
            out.bye("Too many errors, closing connection");
            endSession();
        }
    }

    private void execute(String tag, ImapCommand cmd) throws IOException, ImapSyntaxException {
        SessionState now = state;
        if (!now.allows(cmd)) throw notValid(tag, cmd, now);
        switch (SessionState.validity(cmd)) {
            case ANY -> connection.execute(tag, cmd);
            case NOT_AUTHENTICATED -> login.execute(tag, cmd);
            case AUTHENTICATED, SELECTED -> {
                if (!accountStillExists()) {
                    out.bye("This account was removed"); // RFC 9051 §7.1.5: the server is closing the connection
                    endSession();
                    return;
                }
                if (now instanceof SessionState.Selected sel && SessionState.validity(cmd) == SessionState.Validity.SELECTED) {
                    selectedCommand(tag, cmd, sel.mailbox());
                } else {
                    authenticatedCommand(tag, cmd);
                }
            }
        }
    }

    /** The BAD for a command given in a state that does not accept it. */
    private ImapSyntaxException notValid(String tag, ImapCommand cmd, SessionState now) {
        String text = switch (SessionState.validity(cmd)) {
            case NOT_AUTHENTICATED -> cmd instanceof ImapCommand.StartTls
                    ? conn.isTls() ? "Already using TLS" : "STARTTLS is only valid before login"
                    : "Already authenticated";
            case AUTHENTICATED -> "Command not valid before authentication";
            case SELECTED -> now instanceof SessionState.NotAuthenticated
                    ? "Command not valid before authentication" : "No mailbox selected";
            case ANY -> "Command not valid in this state";
        };
        return new ImapSyntaxException(tag, text, false);
    }

    /** RFC 9051 §6.3 and the extensions' commands of the authenticated state (valid in the selected state too). */
    private void authenticatedCommand(String tag, ImapCommand cmd) throws IOException, ImapSyntaxException {
        switch (cmd) {
            case ImapCommand.Enable c -> connection.enable(tag, c);
            case ImapCommand.Select c -> select.select(tag, c.mailbox(), false, c.condstore(), c.qresync());
            case ImapCommand.Examine c -> select.select(tag, c.mailbox(), true, c.condstore(), c.qresync());
            case ImapCommand.Create c -> mailboxes.create(tag, c);
            case ImapCommand.Delete c -> mailboxes.delete(tag, c.mailbox());
            case ImapCommand.Rename c -> mailboxes.rename(tag, c.from(), c.to());
            case ImapCommand.Subscribe c -> mailboxes.subscribe(tag, c.mailbox(), true);
            case ImapCommand.Unsubscribe c -> mailboxes.subscribe(tag, c.mailbox(), false);
            case ImapCommand.ListCmd c -> list.list(tag, c);
            case ImapCommand.Lsub c -> list.lsub(tag, c);
            case ImapCommand.Namespace c -> list.namespace(tag);
            case ImapCommand.Status c -> status.status(tag, c);
            case ImapCommand.Append c -> append.append(tag, c);
            case ImapCommand.Catenate c -> append.append(tag, c);
            case ImapCommand.Idle c -> idle.idle(tag);
            case ImapCommand.Compress c -> connection.compress(tag, c.mechanism());
            case ImapCommand.Notify c -> notifier.command(tag, c);
            case ImapCommand.MyRights c -> acl.myRights(tag, c);
            case ImapCommand.GetAcl c -> acl.getAcl(tag, c);
            case ImapCommand.SetAcl c -> acl.setAcl(tag, c);
            case ImapCommand.DeleteAcl c -> acl.deleteAcl(tag, c);
            case ImapCommand.ListRights c -> acl.listRights(tag, c);
            case ImapCommand.GetQuotaRoot c -> quota.quotaRoot(tag, c.mailbox());
            case ImapCommand.GetQuota c -> quota.quota(tag, c.root());
            case ImapCommand.SetQuota c -> quota.setQuota(tag);
            case ImapCommand.GetMetadata c -> metadata.get(tag, c);
            case ImapCommand.SetMetadata c -> metadata.set(tag, c);
            case ImapCommand.MultiSearch c -> search.multiSearch(tag, c);
            case ImapCommand.Unauthenticate c -> login.unauthenticate(tag);
            default -> throw new IllegalStateException("not an authenticated-state command: " + cmd);
        }
    }

    /** RFC 9051 §6.4 and the extensions' commands of the selected state. */
    private void selectedCommand(String tag, ImapCommand cmd, SelectedMailbox sel) throws IOException, ImapSyntaxException {
        // another user's mailbox: its ACL may have changed since the last command (here, or by `tegami acl` in
        // another process, which no change feed reports), so the rights are read again before any check
        if (sel.shared() && !recheckRights(sel)) return;
        if (dialect().uidOnly() && usesSequenceNumbers(cmd)) {
            // RFC 9586 §3.2: once UIDONLY is enabled, message sequence numbers are refused
            out.bad(tag, ResponseCode.Atom.UIDREQUIRED, "Use UID commands: UIDONLY is enabled");
            return;
        }
        Optional<Boolean> catchUp = catchUpFirst(cmd);
        if (catchUp.isPresent()) {
            sync(catchUp.get());
            if (!isSelected(sel)) return; // deleted or access withdrawn meanwhile: BYE was sent
        }
        switch (cmd) {
            case ImapCommand.Check c -> expunge.check(tag);
            case ImapCommand.Unselect c -> expunge.unselect(tag);
            case ImapCommand.Close c -> expunge.close(tag, sel);
            case ImapCommand.Expunge c -> expunge.expunge(tag, sel, null);
            case ImapCommand.UidExpunge c -> expunge.expunge(tag, sel, c.set());
            case ImapCommand.Fetch c -> fetch.fetch(tag, sel, c);
            case ImapCommand.Search c -> search.search(tag, sel, c);
            case ImapCommand.Sort c -> search.sort(tag, sel, c);
            case ImapCommand.Thread c -> search.thread(tag, sel, c);
            case ImapCommand.Replace c -> replace.replace(tag, sel, c);
            case ImapCommand.Store c -> store.store(tag, sel, c);
            case ImapCommand.Copy c -> copy.copy(tag, sel, c.uid(), c.set(), c.mailbox(), false);
            case ImapCommand.Move c -> copy.copy(tag, sel, c.uid(), c.set(), c.mailbox(), true);
            case ImapCommand.CancelUpdate c -> search.cancelUpdate(tag, c);
            default -> throw new IllegalStateException("not a selected-state command: " + cmd);
        }
    }

    private static boolean usesSequenceNumbers(ImapCommand cmd) {
        return switch (cmd) {
            case ImapCommand.Fetch c -> !c.uid();
            case ImapCommand.Store c -> !c.uid();
            case ImapCommand.Copy c -> !c.uid();
            case ImapCommand.Move c -> !c.uid();
            case ImapCommand.Search c -> !c.uid() || SearchCommands.usesSequenceNumbers(c.key());
            case ImapCommand.Sort c -> !c.uid() || SearchCommands.usesSequenceNumbers(c.key());
            case ImapCommand.Thread c -> !c.uid() || SearchCommands.usesSequenceNumbers(c.key());
            case ImapCommand.Replace c -> !c.uid();
            default -> false;
        };
    }

    /**
     * The commands whose answers show flags or pick messages by them. Before they run, the view catches up with
     * what other sessions committed (flag changes, new messages, new keywords), so that the answer to the client's
     * own command is never older than what follows it (a client that reads only its answer, as Angus Mail does,
     * would act on stale flags). Expunges wait where RFC 9051 §7.4.1 forbids them: during FETCH, STORE and SEARCH
     * by sequence number (SORT and THREAD, which answer in sequence numbers too, alike); the UID forms report them
     * first, which §7.4.1 allows.
     */
    private static Optional<Boolean> catchUpFirst(ImapCommand cmd) {
        return switch (cmd) {
            case ImapCommand.Fetch c -> Optional.of(c.uid());
            case ImapCommand.Store c -> Optional.of(c.uid());
            case ImapCommand.Search c -> Optional.of(c.uid());
            case ImapCommand.Sort c -> Optional.of(c.uid());
            case ImapCommand.Thread c -> Optional.of(c.uid());
            default -> Optional.empty();
        };
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
        return env.store().accounts().stillExists(account());
    }

    /** Reports what changed in the selected mailbox since the last report (RFC 9051 §7.4.1, §5.2). */
    void sync(boolean allowExpunge) throws IOException {
        if (!(state instanceof SessionState.Selected now)) return;
        SelectedMailbox sel = now.mailbox();
        if (sel.shared() && sel.dirty() && !recheckRights(sel)) return;
        Dialect d = dialect();
        var s = sel.sync(new SelectedMailbox.Mode(allowExpunge, d.condstore(), d.qresync(), d.uidOnly(),
                d.qresync() || notifier.watchesSelected()));
        if (s.gone()) {
            out.bye("The selected mailbox was deleted");
            endSession();
            return;
        }
        for (SelectedMailbox.Update u : s.updates()) write(u);
        // RFC 5267 §4.3: after the EXPUNGE/EXISTS/FETCH they follow from, so the client's view is already current
        for (SearchUpdates.Update u : updates.apply(s.changed(), s.removed())) {
            out.esearch(ResponseEncoder.tagCorrelator(u.tag()), u.uid(), List.of(u.data()));
        }
    }

    /** Writes one untagged update of the selected mailbox. */
    void write(SelectedMailbox.Update u) throws IOException {
        switch (u) {
            case SelectedMailbox.Update.Expunge e -> out.expunge(e.seq());
            case SelectedMailbox.Update.Vanished v -> out.vanished(false, v.uids());
            case SelectedMailbox.Update.Exists e -> out.exists(e.count());
            case SelectedMailbox.Update.Recent r -> out.recent(r.count());
            case SelectedMailbox.Update.Flags f -> out.flags(f.flags());
            case SelectedMailbox.Update.PermanentFlags p ->
                    out.untagged(ImapResponse.Status.OK, new ResponseCode.PermanentFlags(p.flags()), "Flags permitted");
            case SelectedMailbox.Update.FlagsFetch f -> out.flagsFetch(f.seq(), f.uid(), f.withUid(), f.flags(),
                    f.modSeq() < 0 ? OptionalLong.empty() : OptionalLong.of(f.modSeq()));
        }
    }

    /**
     * RFC 4314 §5.1.1: another user's mailbox may have had its ACL changed. Without the r right any more the
     * session ends (it MAY send BYE); with other rights changed, PERMANENTFLAGS says what may be changed now.
     */
    private boolean recheckRights(SelectedMailbox sel) throws IOException {
        Rights now = access.rightsOf(sel.mailbox());
        if (!now.has('r')) {
            out.bye(ResponseCode.Atom.NOPERM, "Access to the selected mailbox was withdrawn");
            unselect();
            endSession();
            return false;
        }
        if (!now.equals(sel.rights())) {
            sel.as(sel.name(), now);
            out.untagged(ImapResponse.Status.OK,
                    new ResponseCode.PermanentFlags(Flags.permanent(now, sel.readOnly, sel.announced())), "Rights changed");
        }
        return true;
    }

    /**
     * A CONDSTORE enabling command (RFC 7162 §3.1: a MODSEQ fetch item or search key, CHANGEDSINCE, UNCHANGEDSINCE,
     * STATUS HIGHESTMODSEQ). The first one with a mailbox selected is answered with its HIGHESTMODSEQ before the
     * tagged response, as Dovecot does, so the client can start from it.
     */
    void enableCondstore() throws IOException {
        Dialect d = dialect();
        if (d.condstore()) return;
        dialect(d.withCondstore());
        if (state instanceof SessionState.Selected sel) {
            out.untagged(ImapResponse.Status.OK, new ResponseCode.HighestModSeq(sel.mailbox().highestModSeq().value()),
                    "Highest");
        }
    }

    /** Whether {@code count} more messages of {@code bytes} octets fit the quota of the mailbox's owner (RFC 9208 §4.1.4). */
    boolean fitsQuota(Mailbox mailbox, long bytes, long count) {
        return env.store().accounts().quota(mailbox.account()).map(q -> q.allows(bytes, count)).orElse(true);
    }

    /** The capabilities for the session's state (RFC 9051 §7.2.2). */
    String capabilities() {
        return connection.capabilities();
    }

    FetchCommand fetcher() {
        return fetch;
    }

    void flush() throws IOException {
        conn.flush();
    }
}
