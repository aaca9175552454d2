package org.tegami.smtp.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.tegami.auth.AuthResult;
import org.tegami.auth.sasl.PlainCredentials;
import org.tegami.auth.sasl.Sasl;
import org.tegami.auth.sasl.SaslException;
import org.tegami.net.LineResult;
import org.tegami.smtp.proto.SmtpCommand;

/** AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms, on submission ports over TLS only. */
final class SmtpAuth {
    /** RFC 4954 §4: a line of the SASL exchange may be up to 12288 octets. */
    private static final int MAX_AUTH_LINE = 12288;

    private SmtpAuth() {}

    static void auth(SmtpSession s, SmtpCommand.Auth c) throws IOException {
        if (s.role != SmtpServer.Role.SUBMISSION) {
            s.reply(503, "5.5.1", "AUTH not available on this port, use port 587 or 465");
            return;
        }
        if (!s.conn.isTls()) {
            s.reply(530, "5.7.0", "Must issue a STARTTLS command first"); // RFC 4954 §4, RFC 8314 §3.3
            return;
        }
        if (s.helo == null) {
            s.reply(503, "5.5.1", "Send EHLO first");
            return;
        }
        if (s.user != null) {
            s.reply(503, "5.5.1", "Already authenticated"); // RFC 4954 §4
            return;
        }
        if (s.envelope != null) {
            s.reply(503, "5.5.1", "AUTH not allowed during a mail transaction");
            return;
        }
        try {
            switch (c.mechanism()) {
                case "PLAIN" -> plain(s, c.initialResponse());
                case "LOGIN" -> login(s, c.initialResponse());
                default -> s.reply(504, "5.5.4", "Unrecognized authentication type");
            }
        } catch (SaslException e) {
            s.error(org.tegami.smtp.proto.SmtpReply.of(501, "5.5.2", "Invalid SASL response: " + e.getMessage()));
        } catch (Cancelled e) {
            s.reply(501, "5.0.0", "Authentication cancelled");
        }
    }

    private static void plain(SmtpSession s, Optional<String> initial) throws IOException, SaslException, Cancelled {
        // RFC 4954 §4: "=" is an empty initial response; no initial response means ask with an empty challenge.
        String response = initial.isPresent() ? initial.get() : challenge(s, "");
        if (response == null) return;
        if (response.equals("=")) response = "";
        PlainCredentials p = Sasl.parsePlain(response);
        if (p.impersonates()) {
            s.reply(535, "5.7.8", "Authentication credentials invalid");
            return;
        }
        verify(s, p.authcid(), p.password());
    }

    private static void login(SmtpSession s, Optional<String> initial) throws IOException, SaslException, Cancelled {
        String userB64 = initial.isPresent() ? initial.get() : challenge(s, b64("Username:"));
        if (userB64 == null) return;
        String username = Sasl.decodeBase64Utf8(userB64);
        String passB64 = challenge(s, b64("Password:"));
        if (passB64 == null) return;
        verify(s, username, Sasl.decodeBase64Utf8(passB64));
    }

    private static void verify(SmtpSession s, String username, String password) throws IOException {
        AuthResult r = s.env.authenticator().authenticate(username, password, s.conn.remoteAddress());
        switch (r) {
            case AuthResult.Success ok -> {
                s.user = ok.account();
                s.conn.authenticated();
                s.reply(235, "2.7.0", "Authentication successful");
            }
            case AuthResult.Failure f -> s.reply(535, "5.7.8", "Authentication credentials invalid");
            // RFC 4954 §6: 454 4.7.0 temporary authentication failure
            case AuthResult.Throttled t -> s.reply(454, "4.7.0", "Too many failed logins, try again later");
        }
    }

    /** Sends a 334 challenge and reads the client's line; null when the connection ended. */
    private static String challenge(SmtpSession s, String challenge) throws IOException, Cancelled {
        s.reply(334, "", challenge);
        s.conn.flush();
        LineResult r = s.conn.readLine(MAX_AUTH_LINE);
        return switch (r) {
            case LineResult.Line l when !l.bareCr() -> {
                String line = l.ascii();
                if (Sasl.isCancel(line)) throw new Cancelled();
                yield line;
            }
            case LineResult.Eof e -> {
                s.closeAfterReply();
                yield null;
            }
            default -> {
                s.reply(501, "5.5.2", "Invalid SASL response line");
                yield null;
            }
        };
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static final class Cancelled extends Exception {
        Cancelled() {
            super(null, null, false, false);
        }
    }
}
