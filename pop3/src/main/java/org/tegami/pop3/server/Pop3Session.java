package org.tegami.pop3.server;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.tegami.auth.AuthResult;
import org.tegami.auth.sasl.PlainCredentials;
import org.tegami.auth.sasl.Sasl;
import org.tegami.auth.sasl.SaslException;
import org.tegami.core.StoreException;
import org.tegami.net.Connection;
import org.tegami.net.LineResult;
import org.tegami.pop3.proto.Pop3Command;
import org.tegami.pop3.proto.Pop3Parser;
import org.tegami.pop3.proto.Pop3SyntaxException;
import org.tegami.store.Account;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;

/**
 * One POP3 connection (RFC 1939): AUTHORIZATION, then TRANSACTION on a snapshot of the INBOX, then UPDATE at
 * QUIT, where deletions become durable. A dropped connection deletes nothing.
 */
final class Pop3Session {
    private static final Logger LOG = System.getLogger(Pop3Session.class.getName());
    /** Protocol errors tolerated before authentication (garbage from non-POP3 clients). */
    private static final int MAX_ERRORS_BEFORE_AUTH = 3;
    private static final int MAX_ERRORS = 20;
    /** RFC 5034 §4: SASL lines may be long; base64 of PLAIN with 255-octet parts fits easily. */
    private static final int MAX_SASL_LINE = 2048;

    private final Pop3Environment env;
    private final Connection conn;
    private String pendingUser;
    private Account account;
    /** When the account and maildrop were last found to exist; read again at most once a second. */
    private long checkedAt;
    private static final long RECHECK_NANOS = 1_000_000_000L;
    private Maildrop drop;
    private boolean quit;
    private int errors;

    Pop3Session(Pop3Environment env, Connection conn) {
        this.env = env;
        this.conn = conn;
    }

    void run() throws IOException {
        try {
            ok("Tegami POP3 server ready");
            while (!quit) {
                if (conn.buffered() == 0) conn.flush();
                conn.setReadTimeout(env.idleTimeout());
                LineResult r = conn.readLine(Pop3Parser.MAX_LINE);
                switch (r) {
                    case LineResult.Eof e -> quit = true;
                    case LineResult.TooLong t -> error("Line too long");
                    case LineResult.BareLf b -> error("Lines must end with CRLF");
                    case LineResult.Line l when l.bareCr() || l.hasNul() -> error("Invalid character in command");
                    case LineResult.Line l -> {
                        try {
                            Pop3Command cmd = Pop3Parser.parse(l.bytes());
                            execute(cmd);
                            if (org.tegami.core.metrics.Metrics.enabled()) org.tegami.core.metrics.Metrics.pop3Command(
                                    cmd.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT));
                        } catch (Pop3SyntaxException e) {
                            error(e.getMessage());
                        }
                    }
                }
            }
        } catch (SocketTimeoutException e) {
            err("[SYS/TEMP] Autologout: idle timeout"); // no deletions: RFC 1939 §3
        } finally {
            if (account != null) env.locks().unlock(account.id());
            try {
                conn.flush();
            } catch (IOException ignored) {
                // peer gone
            }
        }
    }

    private void execute(Pop3Command cmd) throws IOException {
        switch (cmd) {
            case Pop3Command.Capa c -> capa();
            case Pop3Command.Quit c -> quit();
            case Pop3Command.Noop c -> { if (transaction()) ok(""); }
            case Pop3Command.Stls c -> stls();
            case Pop3Command.Utf8 c -> ok("UTF8 enabled"); // RFC 6856 §2: we always speak UTF-8
            case Pop3Command.User c -> user(c.name());
            case Pop3Command.Pass c -> pass(c.password());
            case Pop3Command.Auth c -> auth(c);
            case Pop3Command.Stat c -> {
                if (transaction()) ok(drop.liveCount() + " " + drop.liveOctets());
            }
            case Pop3Command.List c -> list(c.message(), false);
            case Pop3Command.Uidl c -> list(c.message(), true);
            case Pop3Command.Retr c -> retrieve(c.message(), -1);
            case Pop3Command.Top c -> retrieve(c.message(), c.lines());
            case Pop3Command.Dele c -> {
                if (!transaction()) return;
                if (message(c.message()) != null) {
                    drop.delete(c.message());
                    ok("Message " + c.message() + " deleted");
                }
            }
            case Pop3Command.Rset c -> {
                if (!transaction()) return;
                drop.undeleteAll();
                ok(drop.liveCount() + " messages");
            }
        }
    }

    private void capa() throws IOException {
        List<String> caps = new ArrayList<>(List.of("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                "EXPIRE NEVER", "UTF8", "IMPLEMENTATION Tegami"));
        if (account == null) {
            // RFC 2595 §4 / RFC 8314: credentials only over TLS, so not advertised before it.
            if (conn.isTls()) {
                caps.add("USER");
                caps.add("SASL PLAIN LOGIN");
            } else {
                caps.add("STLS");
            }
        }
        multiline("Capability list follows", caps);
    }

    private void stls() throws IOException {
        if (account != null) {
            err("Command not valid in this state");
            return;
        }
        if (conn.isTls()) {
            err("Already using TLS");
            return;
        }
        ok("Begin TLS negotiation");
        conn.flush();
        try {
            conn.startTls(env.tls()); // drops anything pipelined behind STLS
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "TLS handshake failed: " + e.getMessage());
            quit = true;
            return;
        }
        pendingUser = null;
    }

    private boolean authorizationOverTls() throws IOException {
        if (account != null) {
            err("Already authenticated");
            return false;
        }
        if (!conn.isTls()) {
            err("[SYS/PERM] Plaintext authentication is disabled: issue STLS first");
            return false;
        }
        return true;
    }

    private void user(String name) throws IOException {
        if (!authorizationOverTls()) return;
        pendingUser = name;
        ok("Send PASS");
    }

    private void pass(String password) throws IOException {
        if (!authorizationOverTls()) return;
        if (pendingUser == null) {
            err("Send USER first");
            return;
        }
        String user = pendingUser;
        pendingUser = null;
        login(user, password);
    }

    private void auth(Pop3Command.Auth c) throws IOException {
        if (c.mechanism().isEmpty()) { // RFC 1734 style listing, still used by some clients
            multiline("Supported mechanisms follow", conn.isTls() ? List.of("PLAIN", "LOGIN") : List.of());
            return;
        }
        if (!authorizationOverTls()) return;
        try {
            switch (c.mechanism().get()) {
                case "PLAIN" -> {
                    Optional<String> resp = c.initialResponse().isPresent() ? c.initialResponse() : challenge("");
                    if (resp.isEmpty()) return;
                    PlainCredentials p = Sasl.parsePlain(resp.get().equals("=") ? "" : resp.get());
                    if (p.impersonates()) {
                        err("[AUTH] Authentication failed");
                        return;
                    }
                    login(p.authcid(), p.password());
                }
                case "LOGIN" -> {
                    Optional<String> u = c.initialResponse().isPresent() ? c.initialResponse() : challenge(b64("Username:"));
                    if (u.isEmpty()) return;
                    String user = Sasl.decodeBase64Utf8(u.get());
                    Optional<String> p = challenge(b64("Password:"));
                    if (p.isEmpty()) return;
                    login(user, Sasl.decodeBase64Utf8(p.get()));
                }
                default -> err("Unsupported SASL mechanism");
            }
        } catch (SaslException e) {
            err("Invalid SASL response");
        }
    }

    /** Sends a {@code + } continuation; empty when cancelled (RFC 5034 §4: "*") or the connection ended. */
    private Optional<String> challenge(String data) throws IOException {
        conn.output().write(("+ " + data + "\r\n").getBytes(StandardCharsets.US_ASCII));
        conn.flush();
        LineResult r = conn.readLine(MAX_SASL_LINE);
        if (r instanceof LineResult.Line l && !l.bareCr()) {
            String s = l.ascii();
            if (Sasl.isCancel(s)) {
                err("Authentication cancelled");
                return Optional.empty();
            }
            return Optional.of(s);
        }
        if (r instanceof LineResult.Eof) {
            quit = true;
            return Optional.empty();
        }
        err("Invalid SASL response");
        return Optional.empty();
    }

    private void login(String user, String password) throws IOException {
        AuthResult r = env.authenticator().authenticate(user, password, conn.remoteAddress());
        switch (r) {
            case AuthResult.Failure f -> err("[AUTH] Authentication failed");
            case AuthResult.Throttled t -> err("[SYS/TEMP] Too many failed logins, try again later");
            case AuthResult.Success s -> openMaildrop(s.account());
        }
    }

    private void openMaildrop(Account a) throws IOException {
        boolean locked;
        try {
            locked = env.locks().tryLock(a.id());
        } catch (RuntimeException e) { // the shared store did not answer: fail closed (ADR 0024)
            LOG.log(Level.ERROR, "cannot lock the maildrop of " + a.address(), e);
            err("[SYS/TEMP] Maildrop unavailable, try again later");
            return;
        }
        if (!locked) {
            err("[IN-USE] Maildrop already locked by another POP3 session");
            return;
        }
        try {
            Mailbox inbox = env.store().mail().mailbox(a.id(), Mailbox.INBOX).orElseThrow();
            drop = new Maildrop(inbox, env.store().mail().messages(inbox.id()));
        } catch (StoreException | java.util.NoSuchElementException e) {
            env.locks().unlock(a.id());
            LOG.log(Level.ERROR, "cannot open maildrop of " + a.address(), e);
            err("[SYS/TEMP] Maildrop unavailable, try again later");
            return;
        }
        account = a;
        checkedAt = System.nanoTime();
        conn.authenticated();
        ok("Logged in, " + drop.count() + " messages (" + drop.liveOctets() + " octets)");
    }

    private void list(Optional<Integer> number, boolean uidl) throws IOException {
        if (!transaction()) return;
        if (number.isPresent()) {
            MessageMeta m = message(number.get());
            if (m != null) ok(number.get() + " " + (uidl ? drop.uidl(m) : Long.toString(m.size())));
            return;
        }
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= drop.count(); i++) {
            MessageMeta m = drop.get(i);
            if (m != null) lines.add(i + " " + (uidl ? drop.uidl(m) : Long.toString(m.size())));
        }
        multiline(uidl ? "Unique-ID listing follows" : drop.liveCount() + " messages (" + drop.liveOctets() + " octets)", lines);
    }

    private void retrieve(int number, int bodyLines) throws IOException {
        if (!transaction()) return;
        MessageMeta m = message(number);
        if (m == null) return;
        ok(bodyLines < 0 ? m.size() + " octets" : "Top of message follows");
        Maildrop.send(env.store().blobs(), m, bodyLines, conn.output());
    }

    /** The live message with this number, or null after answering -ERR. */
    private MessageMeta message(int number) throws IOException {
        if (!drop.exists(number)) {
            err("No such message");
            return null;
        }
        MessageMeta m = drop.get(number);
        if (m == null) err("Message " + number + " already deleted");
        return m;
    }

    private void quit() throws IOException {
        quit = true;
        if (account == null) {
            ok(env.hostname() + " POP3 server signing off");
            return;
        }
        // RFC 1939 §6: UPDATE state. The deletions are durable before we say +OK.
        var uids = drop.deletedUids();
        if (!uids.isEmpty() && !env.locks().held(account.id())) {
            // RFC 1939 §8: another node's session took the maildrop after this one's lease ran out
            err("[SYS/TEMP] Maildrop lock lost; nothing was deleted");
            return;
        }
        if (!uids.isEmpty() && !maildropStillExists()) {
            // RFC 2449 §8.1.2 SYS/PERM: the user or their INBOX was removed while this session was open
            err("[SYS/PERM] This maildrop no longer exists; nothing was deleted");
            return;
        }
        try {
            if (!uids.isEmpty()) env.store().mail().expunge(drop.mailbox.id(), uids);
            ok(env.hostname() + " POP3 server signing off (" + drop.liveCount() + " messages left)");
        } catch (StoreException e) {
            LOG.log(Level.ERROR, "POP3 expunge failed for " + account.address(), e);
            err("[SYS/TEMP] Some deleted messages not removed");
        }
    }

    private boolean transaction() throws IOException {
        if (account == null) {
            error("Command not valid before authentication");
            return false;
        }
        long now = System.nanoTime();
        if (now - checkedAt >= RECHECK_NANOS) {
            checkedAt = now;
            if (!maildropStillExists()) {
                err("[SYS/PERM] This maildrop no longer exists"); // removed by an admin, from any process
                quit = true;
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the user is still there with the INBOX this session opened (same id and UIDVALIDITY): ids are never
     * reused, and this check also ends a session whose user was removed while it was open.
     */
    private boolean maildropStillExists() {
        if (!env.store().accounts().stillExists(account)) return false;
        return env.store().mail().mailbox(account.id(), Mailbox.INBOX)
                .filter(m -> m.id().equals(drop.mailbox.id()) && m.uidValidity() == drop.mailbox.uidValidity()).isPresent();
    }

    private void error(String text) throws IOException {
        err(text);
        errors++;
        if ((account == null && errors >= MAX_ERRORS_BEFORE_AUTH) || errors >= MAX_ERRORS) {
            err("[SYS/PERM] Too many errors, closing connection");
            quit = true;
        }
    }

    private void ok(String text) throws IOException {
        conn.output().write(("+OK" + (text.isEmpty() ? "" : " " + text) + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private void err(String text) throws IOException {
        conn.output().write(("-ERR " + text + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private void multiline(String first, List<String> lines) throws IOException {
        StringBuilder sb = new StringBuilder("+OK ").append(first).append("\r\n");
        for (String l : lines) sb.append(l).append("\r\n");
        sb.append(".\r\n");
        conn.output().write(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }
}
