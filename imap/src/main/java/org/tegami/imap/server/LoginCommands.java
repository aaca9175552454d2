package org.tegami.imap.server;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.tegami.auth.AuthResult;
import org.tegami.auth.sasl.PlainCredentials;
import org.tegami.auth.sasl.Sasl;
import org.tegami.auth.sasl.SaslException;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;

/**
 * The not-authenticated state's commands (RFC 9051 §6.2): STARTTLS, AUTHENTICATE (PLAIN and LOGIN, with SASL-IR:
 * RFC 4959) and LOGIN; and UNAUTHENTICATE (RFC 8437), which leads back to that state.
 */
final class LoginCommands {
    private static final Logger LOG = System.getLogger(LoginCommands.class.getName());
    private static final int MAX_SASL_LINE = 8 * 1024;

    private final ImapSession s;

    LoginCommands(ImapSession session) {
        this.s = session;
    }

    void execute(String tag, ImapCommand cmd) throws IOException, ImapSyntaxException {
        switch (cmd) {
            case ImapCommand.StartTls c -> startTls(tag);
            case ImapCommand.Login c -> {
                if (overTls(tag)) login(tag, c.user(), c.password());
            }
            case ImapCommand.Authenticate c -> {
                if (overTls(tag)) authenticate(tag, c);
            }
            default -> throw new IllegalStateException("not a login command: " + cmd);
        }
    }

    private void startTls(String tag) throws IOException, ImapSyntaxException {
        if (s.conn.isTls()) throw new ImapSyntaxException(tag, "Already using TLS", false);
        s.out().ok(tag, "Begin TLS negotiation now");
        s.flush();
        try {
            s.conn.startTls(s.env.tls()); // RFC 9051 §6.2.1: anything pipelined behind STARTTLS is discarded
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "TLS handshake failed: " + e.getMessage());
            s.endSession();
            return;
        }
        s.newReader(); // and so is whatever our own reader had buffered
    }

    /** RFC 9051 §6.2.3, §11.1: no credentials before TLS. */
    private boolean overTls(String tag) throws IOException {
        if (s.conn.isTls()) return true;
        s.out().no(tag, ResponseCode.Atom.PRIVACYREQUIRED, "Login requires TLS: use STARTTLS first, or port 993");
        return false;
    }

    private void login(String tag, String user, String password) throws IOException {
        AuthResult r = s.env.authenticator().authenticate(user, password, s.conn.remoteAddress());
        switch (r) {
            case AuthResult.Failure f -> s.out().no(tag, ResponseCode.Atom.AUTHENTICATIONFAILED, "Invalid credentials");
            case AuthResult.Throttled t ->
                    s.out().no(tag, ResponseCode.Atom.UNAVAILABLE, "Too many failed logins, try again later");
            case AuthResult.Success ok -> {
                // each session holds its selected mailbox's view: without a cap one user's connections fill the heap
                if (!s.acquireSession(ok.account().id())) {
                    s.out().no(tag, ResponseCode.Atom.LIMIT,
                            "Too many IMAP sessions for this account, log out of another one first");
                    return;
                }
                s.loggedIn(ok.account());
                s.out().ok(tag, new ResponseCode.Capability(s.capabilities()), "Logged in");
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
                        s.out().no(tag, ResponseCode.Atom.AUTHORIZATIONFAILED, "Cannot log in as another user");
                        return;
                    }
                    login(tag, p.authcid(), p.password());
                }
                case "LOGIN" -> {
                    Optional<String> u = c.initialResponse().isPresent() ? c.initialResponse()
                            : challenge(tag, b64("Username:"));
                    if (u.isEmpty()) return;
                    String user = Sasl.decodeBase64Utf8(u.get().equals("=") ? "" : u.get());
                    Optional<String> p = challenge(tag, b64("Password:"));
                    if (p.isEmpty()) return;
                    login(tag, user, Sasl.decodeBase64Utf8(p.get()));
                }
                default -> s.out().no(tag, ResponseCode.Atom.CANNOT, "Unsupported authentication mechanism");
            }
        } catch (SaslException e) {
            s.out().bad(tag, "Invalid SASL response");
        }
    }

    /** A SASL round (RFC 9051 §6.2.2); empty when the client cancelled with {@code *} (answered BAD) or left. */
    private Optional<String> challenge(String tag, String data) throws IOException {
        s.out().continuation(data);
        s.flush();
        byte[] line;
        try {
            line = s.reader().line();
        } catch (ImapSyntaxException e) {
            s.out().bad(tag, "Authentication line too long");
            s.endSession();
            return Optional.empty();
        }
        String text = new String(line, StandardCharsets.US_ASCII);
        if (line.length > MAX_SASL_LINE) {
            s.out().bad(tag, "Authentication line too long");
            return Optional.empty();
        }
        if (Sasl.isCancel(text)) {
            s.out().bad(tag, "Authentication cancelled");
            return Optional.empty();
        }
        return Optional.of(text);
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** RFC 8437 §3: as if the connection were new, but TLS (and compression) stay. */
    void unauthenticate(String tag) throws IOException {
        s.loggedOutKeepingConnection();
        s.out().ok(tag, "Not authenticated any more");
    }
}
