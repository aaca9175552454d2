package org.tegami.managesieve.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import org.tegami.auth.AuthResult;
import org.tegami.auth.sasl.PlainCredentials;
import org.tegami.auth.sasl.Sasl;
import org.tegami.auth.sasl.SaslException;
import org.tegami.core.StoreException;
import org.tegami.managesieve.proto.ManageSieveCommand;
import org.tegami.managesieve.proto.ManageSieveEncoder;
import org.tegami.managesieve.proto.ManageSieveEncoder.Kind;
import org.tegami.managesieve.proto.ManageSieveParser;
import org.tegami.managesieve.proto.ManageSieveSyntaxException;
import org.tegami.net.Connection;
import org.tegami.net.LineResult;
import org.tegami.store.Account;
import org.tegami.store.SieveScriptStore;

/**
 * One ManageSieve connection (RFC 5804): capabilities and STARTTLS, AUTHENTICATE (PLAIN, LOGIN) only over TLS, then
 * the script commands on the account's {@link SieveScriptStore}. A straight read–parse–execute–reply loop.
 *
 * <p>Errors: a command that does not parse is answered {@code NO} (RFC 5804 §1.2: a server answers NO to a command
 * it does not understand); a user's mistake is {@code NO} with the RFC's response code; a store failure is
 * {@code NO (TRYLATER)} and logged. Input that leaves the stream out of step (an overlong line, a literal too large
 * to skip) or too many errors end the session with {@code BYE}.
 */
final class ManageSieveSession {
    private static final Logger LOG = System.getLogger(ManageSieveSession.class.getName());
    /** Protocol errors tolerated before authentication (garbage from clients of other protocols). */
    private static final int MAX_ERRORS_BEFORE_AUTH = 3;
    private static final int MAX_ERRORS = 20;
    /** Before login, a literal (a SASL response) is never longer than a line. */
    private static final int LITERAL_BEFORE_AUTH = ManageSieveParser.MAX_LINE;
    /**
     * A script literal above the size quota but at most this large is read and dropped so the client gets
     * {@code NO (QUOTA/MAXSIZE)} and can go on; a larger one ends the session before its octets are read.
     */
    static final long MAX_DISCARD = 1024 * 1024;
    private static final Duration LOGIN_TIMEOUT = Duration.ofMinutes(2);

    /** The session's state; the state × command table is {@link #execute}. */
    private sealed interface State {
        record NotAuthenticated() implements State {}

        record Authenticated(Account account) implements State {}
    }

    /** One command as read from the wire. */
    private sealed interface Read {
        record Command(byte[] bytes) implements Read {}

        /** Consumed whole but unusable: answer NO and go on. */
        record Bad(Optional<String> code, String text) implements Read {}

        /** The stream is out of step with the commands: BYE and close. */
        record Fatal(Optional<String> code, String text) implements Read {}

        record End() implements Read {}
    }

    private final ManageSieveEnvironment env;
    private final Connection conn;
    private State state = new State.NotAuthenticated();
    private boolean quit;
    private int errors;

    ManageSieveSession(ManageSieveEnvironment env, Connection conn) {
        this.env = env;
        this.conn = conn;
    }

    void run() throws IOException {
        try {
            capabilities(); // RFC 5804 §1.7: the greeting is the capability list and OK
            ok("Tegami ManageSieve ready");
            while (!quit) {
                if (conn.buffered() == 0) conn.flush();
                conn.setReadTimeout(state instanceof State.Authenticated ? env.idleTimeout() : LOGIN_TIMEOUT);
                switch (readCommand()) {
                    case Read.End e -> quit = true;
                    case Read.Fatal f -> bye(f.code(), f.text());
                    case Read.Bad b -> error(b.code(), b.text());
                    case Read.Command c -> {
                        try {
                            ManageSieveCommand cmd = ManageSieveParser.parse(c.bytes());
                            execute(cmd);
                            if (org.tegami.core.metrics.Metrics.enabled()) org.tegami.core.metrics.Metrics.manageSieveCommand(
                                    cmd.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT));
                        } catch (ManageSieveSyntaxException e) {
                            error(Optional.empty(), e.getMessage());
                        } catch (StoreException e) {
                            // a server error: logged, and the client told to try again (RFC 5804 §1.3 TRYLATER)
                            LOG.log(Level.ERROR, "ManageSieve: store failure", e);
                            no(Optional.of("TRYLATER"), "Server error, try again later");
                        }
                    }
                }
            }
        } catch (SocketTimeoutException e) {
            bye(Optional.empty(), "Disconnected for inactivity");
        } finally {
            try {
                conn.flush();
            } catch (IOException ignored) {
                // peer gone
            }
        }
    }

    // ---- reading ---------------------------------------------------------------------------------------------

    private long literalLimit() {
        return state instanceof State.Authenticated ? Math.max(env.quota().maxScriptSize(), ManageSieveParser.MAX_LINE)
                : LITERAL_BEFORE_AUTH;
    }

    /**
     * Reads one command: a line, and while a line ends in a literal announcement, the literal's octets and the next
     * line. Never holds more than the limits allow: a too-long line or a literal beyond {@link #MAX_DISCARD} ends
     * the session without reading it.
     */
    private Read readCommand() throws IOException {
        ByteArrayOutputStream cmd = new ByteArrayOutputStream();
        int literals = 0;
        boolean tooLarge = false;
        while (true) {
            LineResult r = conn.readLine(ManageSieveParser.MAX_LINE);
            byte[] line;
            switch (r) {
                case LineResult.Eof e -> {
                    return new Read.End();
                }
                case LineResult.TooLong t -> {
                    // its end may have announced a literal we can no longer see: the stream is out of step
                    return new Read.Fatal(Optional.empty(), "Line too long");
                }
                case LineResult.BareLf b -> {
                    return unusableLine(b.bytes(), "Lines must end with CRLF");
                }
                case LineResult.Line l -> {
                    if (l.bareCr() || l.hasNul()) return unusableLine(l.bytes(), "Invalid character in command");
                    line = l.bytes();
                }
            }
            OptionalLong literal;
            try {
                literal = ManageSieveParser.literalAt(line);
            } catch (ManageSieveSyntaxException e) {
                return new Read.Fatal(Optional.empty(), e.getMessage());
            }
            if (!tooLarge) cmd.write(line);
            if (literal.isEmpty()) {
                return tooLarge ? new Read.Bad(Optional.of("QUOTA/MAXSIZE"), tooLargeText()) : new Read.Command(cmd.toByteArray());
            }
            long n = literal.getAsLong();
            if (++literals > ManageSieveParser.MAX_ARGUMENTS) return new Read.Fatal(Optional.empty(), "Too many literals");
            if (n > literalLimit()) {
                if (!(state instanceof State.Authenticated)) {
                    return new Read.Fatal(Optional.empty(), "Literal too large: at most " + literalLimit() + " octets");
                }
                if (n > MAX_DISCARD) return new Read.Fatal(Optional.of("QUOTA/MAXSIZE"), tooLargeText());
                tooLarge = true;
                if (!conn.readExactly(n, OutputStream.nullOutputStream())) return new Read.End();
                continue;
            }
            if (tooLarge) {
                if (!conn.readExactly(n, OutputStream.nullOutputStream())) return new Read.End();
                continue;
            }
            cmd.write('\r');
            cmd.write('\n');
            if (!conn.readExactly(n, cmd)) return new Read.End();
        }
    }

    /** A line we refuse: NO, unless it announced a literal whose octets would then be taken for commands. */
    private static Read unusableLine(byte[] line, String text) {
        try {
            if (ManageSieveParser.literalAt(line).isEmpty()) return new Read.Bad(Optional.empty(), text);
        } catch (ManageSieveSyntaxException e) {
            // announced something: out of step either way
        }
        return new Read.Fatal(Optional.empty(), text);
    }

    private String tooLargeText() {
        return "Script too large: at most " + env.quota().maxScriptSize() + " octets";
    }

    // ---- dispatch --------------------------------------------------------------------------------------------

    private void execute(ManageSieveCommand cmd) throws IOException {
        switch (cmd) {
            case ManageSieveCommand.Capability c -> {
                capabilities();
                ok("Capability completed");
            }
            case ManageSieveCommand.Logout c -> {
                ok("Logout completed"); // RFC 5804 §2.3: OK, then the server closes
                quit = true;
            }
            // RFC 5804 §2.13: a NOOP with a string echoes it in a TAG response code
            case ManageSieveCommand.Noop c -> respond(Kind.OK, c.tag().map(t -> "TAG " + ManageSieveEncoder.string(t)), "Done");
            case ManageSieveCommand.StartTls c -> startTls();
            case ManageSieveCommand.Authenticate c -> authenticate(c);
            case ManageSieveCommand.Unauthenticate c -> {
                if (!(state instanceof State.Authenticated)) {
                    no(Optional.empty(), "Not authenticated"); // RFC 5804 §2.14
                    return;
                }
                state = new State.NotAuthenticated();
                ok("Unauthenticate completed");
            }
            case ManageSieveCommand.HaveSpace c -> {
                if (account() instanceof Account a) haveSpace(a, c);
            }
            case ManageSieveCommand.PutScript c -> {
                if (account() instanceof Account a) putScript(a, c);
            }
            case ManageSieveCommand.CheckScript c -> {
                if (account() instanceof Account a) checkScript(c.script());
            }
            case ManageSieveCommand.ListScripts c -> {
                if (account() instanceof Account a) listScripts(a);
            }
            case ManageSieveCommand.SetActive c -> {
                if (account() instanceof Account a) answer(scripts().setActive(a.id(), c.name()),
                        c.name().isEmpty() ? "No script is active now" : "Script activated");
            }
            case ManageSieveCommand.GetScript c -> {
                if (account() instanceof Account a) getScript(a, c.name());
            }
            case ManageSieveCommand.DeleteScript c -> {
                if (account() instanceof Account a) answer(scripts().delete(a.id(), c.name()), "Script deleted");
            }
            case ManageSieveCommand.RenameScript c -> {
                if (!(account() instanceof Account a)) return;
                if (!SieveScriptStore.validName(c.to())) {
                    no(Optional.empty(), "Invalid script name");
                    return;
                }
                answer(scripts().rename(a.id(), c.from(), c.to()), "Script renamed");
            }
        }
    }

    /** The logged-in account, or null after answering (not logged in, or the account was removed meanwhile). */
    private Account account() throws IOException {
        if (!(state instanceof State.Authenticated(Account a))) {
            error(Optional.empty(), "Authenticate first");
            return null;
        }
        if (!env.store().accounts().stillExists(a)) {
            bye(Optional.empty(), "This account no longer exists");
            return null;
        }
        return a;
    }

    private SieveScriptStore scripts() {
        return env.store().sieve();
    }

    // ---- capabilities, STARTTLS, AUTHENTICATE ---------------------------------------------------------------

    /** RFC 5804 §1.7, in the order Dovecot Pigeonhole sends them. */
    private void capabilities() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(ManageSieveEncoder.capability("IMPLEMENTATION", Optional.of("Tegami")));
        lines.add(ManageSieveEncoder.capability("SIEVE", Optional.of(String.join(" ", env.checker().extensions()))));
        env.checker().maxRedirects().ifPresent(n ->
                lines.add(ManageSieveEncoder.capability("MAXREDIRECTS", Optional.of(Integer.toString(n)))));
        if (state instanceof State.Authenticated(Account a)) {
            // RFC 5804 §1.7: OWNER only once authenticated
            lines.add(ManageSieveEncoder.capability("OWNER", Optional.of(a.address().toString())));
        } else {
            // RFC 5804 §1.7: "This list can be empty if and only if STARTTLS is also advertised": we refuse
            // AUTHENTICATE before TLS, so before it the list is empty, as Dovecot Pigeonhole sends it
            // ("SASL" "" beside "STARTTLS" when plaintext authentication is disabled).
            lines.add(ManageSieveEncoder.capability("SASL", Optional.of(conn.isTls() ? "PLAIN LOGIN" : "")));
            if (!conn.isTls()) lines.add(ManageSieveEncoder.capability("STARTTLS", Optional.empty()));
        }
        lines.add(ManageSieveEncoder.capability("UNAUTHENTICATE", Optional.empty())); // RFC 5804 §2.14
        lines.add(ManageSieveEncoder.capability("VERSION", Optional.of("1.0"))); // RFC 5804 §1.7: this RFC is 1.0
        for (String l : lines) conn.output().write(l.getBytes(StandardCharsets.UTF_8));
    }

    private void startTls() throws IOException {
        if (state instanceof State.Authenticated) {
            no(Optional.empty(), "STARTTLS is only allowed before AUTHENTICATE"); // RFC 5804 §2.2
            return;
        }
        if (conn.isTls()) {
            no(Optional.empty(), "Already using TLS");
            return;
        }
        ok("Begin TLS negotiation now");
        conn.flush();
        try {
            conn.startTls(env.tls()); // drops anything pipelined behind STARTTLS (CVE-2011-0411 class)
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "TLS handshake failed: " + e.getMessage());
            quit = true;
            return;
        }
        // RFC 5804 §2.2: after the handshake the server re-issues the capabilities, followed by OK
        capabilities();
        ok("TLS negotiation successful");
    }

    private void authenticate(ManageSieveCommand.Authenticate c) throws IOException {
        if (state instanceof State.Authenticated) {
            no(Optional.empty(), "Already authenticated");
            return;
        }
        if (!conn.isTls()) {
            // RFC 5804 §1.3 ENCRYPT-NEEDED: this mechanism needs an encrypted connection
            no(Optional.of("ENCRYPT-NEEDED"), "Authentication is allowed only after STARTTLS");
            return;
        }
        try {
            switch (c.mechanism().toUpperCase(Locale.ROOT)) {
                case "PLAIN" -> {
                    Optional<String> resp = c.initialResponse().isPresent() ? c.initialResponse() : challenge("");
                    if (resp.isEmpty()) return;
                    PlainCredentials p = Sasl.parsePlain(resp.get());
                    if (p.impersonates()) {
                        no(Optional.empty(), "Authentication failed");
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
                default -> no(Optional.empty(), "Unsupported SASL mechanism");
            }
        } catch (SaslException e) {
            no(Optional.empty(), "Invalid SASL response");
        }
    }

    /**
     * RFC 5804 §2.1: sends a challenge as a string and reads the client's string; empty when cancelled ("*", answered
     * NO as the RFC requires) or unusable (answered) or the connection ended.
     */
    private Optional<String> challenge(String data) throws IOException {
        conn.output().write((ManageSieveEncoder.string(data) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        conn.flush();
        switch (readCommand()) {
            case Read.End e -> {
                quit = true;
                return Optional.empty();
            }
            case Read.Fatal f -> {
                bye(f.code(), f.text());
                return Optional.empty();
            }
            case Read.Bad b -> {
                no(Optional.empty(), "Invalid SASL response");
                return Optional.empty();
            }
            case Read.Command c -> {
                String s;
                try {
                    s = ManageSieveParser.parseSaslResponse(c.bytes());
                } catch (ManageSieveSyntaxException e) {
                    no(Optional.empty(), "Invalid SASL response");
                    return Optional.empty();
                }
                if (Sasl.isCancel(s)) {
                    no(Optional.empty(), "Authentication cancelled");
                    return Optional.empty();
                }
                return Optional.of(s);
            }
        }
    }

    private void login(String user, String password) throws IOException {
        AuthResult r = env.authenticator().authenticate(user, password, conn.remoteAddress());
        switch (r) {
            case AuthResult.Failure f -> no(Optional.empty(), "Authentication failed");
            case AuthResult.Throttled t -> no(Optional.of("TRYLATER"), "Too many failed logins, try again later");
            case AuthResult.Success s -> {
                state = new State.Authenticated(s.account());
                errors = 0;
                conn.authenticated();
                ok("Authenticated");
            }
        }
    }

    // ---- scripts -----------------------------------------------------------------------------------------------

    private void haveSpace(Account a, ManageSieveCommand.HaveSpace c) throws IOException {
        if (!SieveScriptStore.validName(c.name())) {
            no(Optional.empty(), "Invalid script name");
            return;
        }
        answer(scripts().haveSpace(a.id(), c.name(), c.size(), env.quota()), "Putscript would succeed");
    }

    private void putScript(Account a, ManageSieveCommand.PutScript c) throws IOException {
        if (!SieveScriptStore.validName(c.name())) {
            no(Optional.empty(), "Invalid script name");
            return;
        }
        if (SieveScriptStore.octets(c.script()) > env.quota().maxScriptSize()) {
            no(Optional.of("QUOTA/MAXSIZE"), tooLargeText());
            return;
        }
        // RFC 5804 §2.6: an invalid script is refused with NO and the checker's message; nothing is stored
        switch (env.checker().check(c.script())) {
            case ScriptChecker.Invalid i -> no(Optional.empty(), i.message());
            case ScriptChecker.Valid v -> {
                SieveScriptStore.Result r = scripts().put(a.id(), c.name(), c.script(), env.quota());
                if (r == SieveScriptStore.Result.OK && !v.warnings().isEmpty()) {
                    respond(Kind.OK, Optional.of("WARNINGS"), String.join("\r\n", v.warnings()));
                } else {
                    answer(r, "Script stored");
                }
            }
        }
    }

    private void checkScript(String script) throws IOException {
        switch (env.checker().check(script)) {
            case ScriptChecker.Invalid i -> no(Optional.empty(), i.message()); // RFC 5804 §2.12
            case ScriptChecker.Valid v when !v.warnings().isEmpty() ->
                    respond(Kind.OK, Optional.of("WARNINGS"), String.join("\r\n", v.warnings()));
            case ScriptChecker.Valid v -> ok("Script is valid");
        }
    }

    private void listScripts(Account a) throws IOException {
        StringBuilder b = new StringBuilder();
        // RFC 5804 §2.7: one script per line, the active one marked
        for (SieveScriptStore.Script s : scripts().list(a.id())) {
            b.append(ManageSieveEncoder.string(s.name())).append(s.active() ? " ACTIVE" : "").append("\r\n");
        }
        conn.output().write(b.toString().getBytes(StandardCharsets.UTF_8));
        ok("Listscripts completed");
    }

    private void getScript(Account a, String name) throws IOException {
        Optional<String> script = scripts().get(a.id(), name);
        if (script.isEmpty()) {
            answer(SieveScriptStore.Result.NONEXISTENT, "");
            return;
        }
        // RFC 5804 §2.9: the script as a literal {n} (a server never sends "+"), CRLF, OK
        byte[] bytes = script.get().getBytes(StandardCharsets.UTF_8);
        conn.output().write(("{" + bytes.length + "}\r\n").getBytes(StandardCharsets.US_ASCII));
        conn.output().write(bytes);
        conn.output().write("\r\n".getBytes(StandardCharsets.US_ASCII));
        ok("Getscript completed");
    }

    /** A store result as the RFC 5804 §1.3 response code. */
    private void answer(SieveScriptStore.Result r, String okText) throws IOException {
        switch (r) {
            case OK -> ok(okText);
            case NONEXISTENT -> no(Optional.of("NONEXISTENT"), "There is no script by that name");
            case ALREADYEXISTS -> no(Optional.of("ALREADYEXISTS"), "A script by that name already exists");
            case ACTIVE -> no(Optional.of("ACTIVE"), "The active script cannot be deleted");
            case QUOTA_MAXSCRIPTS -> no(Optional.of("QUOTA/MAXSCRIPTS"),
                    "Too many scripts: at most " + env.quota().maxScripts());
            case QUOTA_MAXSIZE -> no(Optional.of("QUOTA/MAXSIZE"), tooLargeText());
        }
    }

    // ---- writing ---------------------------------------------------------------------------------------------

    private void error(Optional<String> code, String text) throws IOException {
        no(code, text);
        errors++;
        if ((state instanceof State.NotAuthenticated && errors >= MAX_ERRORS_BEFORE_AUTH) || errors >= MAX_ERRORS) {
            bye(Optional.empty(), "Too many errors");
        }
    }

    private void ok(String text) throws IOException {
        respond(Kind.OK, Optional.empty(), text);
    }

    private void no(Optional<String> code, String text) throws IOException {
        respond(Kind.NO, code, text);
    }

    private void bye(Optional<String> code, String text) throws IOException {
        respond(Kind.BYE, code, text);
        quit = true;
    }

    private void respond(Kind kind, Optional<String> code, String text) throws IOException {
        conn.output().write(ManageSieveEncoder.response(kind, code, Optional.of(text)).getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }
}
