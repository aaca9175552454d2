package org.tegami.smtp.server;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tegami.auth.Recipient;
import org.tegami.core.StoreException;
import org.tegami.mailauth.srs.Srs;
import org.tegami.mime.EmailAddress;
import org.tegami.net.Connection;
import org.tegami.net.LineResult;
import org.tegami.smtp.proto.DsnParameters;
import org.tegami.smtp.proto.SmtpCommand;
import org.tegami.smtp.proto.SmtpParser;
import org.tegami.smtp.proto.SmtpReply;
import org.tegami.smtp.proto.SmtpSyntaxException;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.Quota;
import org.tegami.store.ReadGroup;

/**
 * One SMTP connection: a straight read–parse–execute–reply loop on the connection's virtual thread.
 * Replies are buffered and flushed when the client has nothing more pipelined (RFC 2920 §3.1).
 */
final class SmtpSession {
    private static final Logger LOG = System.getLogger(SmtpSession.class.getName());

    final SmtpServer.Role role;
    final SmtpEnvironment env;
    final Connection conn;

    /** EHLO/HELO argument; null before the greeting exchange and after STARTTLS (RFC 3207 §4.2). */
    String helo;
    boolean esmtp;
    Account user;
    Envelope envelope;
    private int errors;
    private boolean quit;

    SmtpSession(SmtpServer.Role role, SmtpEnvironment env, Connection conn) {
        this.role = role;
        this.env = env;
        this.conn = conn;
    }

    void run() throws IOException {
        try {
            reply(220, "", env.hostname() + " ESMTP Tegami");
            while (!quit) {
                if (conn.buffered() == 0) conn.flush();
                conn.setReadTimeout(env.limits().smtpCommandTimeout());
                LineResult r = conn.readLine(env.limits().smtpCommandLine());
                switch (r) {
                    case LineResult.Eof e -> { return; }
                    case LineResult.TooLong t -> error(SmtpReply.of(500, "5.5.2", "Line too long"));
                    case LineResult.BareLf b -> error(SmtpReply.of(500, "5.5.2", "Commands must end with CRLF"));
                    case LineResult.Line line -> {
                        if (line.bareCr()) {
                            error(SmtpReply.of(500, "5.5.2", "Bare CR not allowed in commands"));
                        } else {
                            command(line.bytes());
                        }
                    }
                }
            }
        } catch (SocketTimeoutException e) {
            reply(421, "4.4.2", env.hostname() + " Timeout, closing connection");
        } finally {
            if (envelope != null) envelope.discardChunks();
            try {
                conn.flush();
            } catch (IOException ignored) {
                // peer gone
            }
        }
    }

    private void command(byte[] line) throws IOException {
        SmtpCommand cmd;
        try {
            cmd = SmtpParser.parse(line);
        } catch (SmtpSyntaxException e) {
            if (startsWithIgnoreCase(line, "BDAT")) {
                // The chunk length is unknown, so the octets that follow cannot be skipped: end the session.
                reply(e.reply());
                reply(421, "4.5.0", "Cannot resynchronize after bad BDAT, closing connection");
                quit = true;
                return;
            }
            error(e.reply());
            return;
        }
        execute(cmd);
    }

    private void execute(SmtpCommand cmd) throws IOException {
        switch (cmd) {
            case SmtpCommand.Ehlo c -> greet(c.domain(), true);
            case SmtpCommand.Helo c -> greet(c.domain(), false);
            case SmtpCommand.Mail c -> mail(c);
            case SmtpCommand.Rcpt c -> rcpt(c);
            case SmtpCommand.Data c -> MessageReceiver.data(this);
            case SmtpCommand.Bdat c -> MessageReceiver.bdat(this, c);
            case SmtpCommand.Rset c -> {
                resetTransaction();
                reply(250, "2.0.0", "OK");
            }
            case SmtpCommand.Noop c -> reply(250, "2.0.0", "OK");
            case SmtpCommand.Quit c -> {
                reply(221, "2.0.0", env.hostname() + " closing connection");
                quit = true;
            }
            // RFC 5321 §3.5.3: 252 when we will not verify (avoids address harvesting).
            case SmtpCommand.Vrfy c -> reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
            case SmtpCommand.Help c -> reply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
            case SmtpCommand.StartTls c -> startTls();
            case SmtpCommand.Auth c -> SmtpAuth.auth(this, c);
        }
    }

    private void greet(String domain, boolean extended) throws IOException {
        resetTransaction();
        helo = domain;
        esmtp = extended;
        if (!extended) {
            reply(250, "", env.hostname());
            return;
        }
        List<String> lines = new java.util.ArrayList<>();
        lines.add(env.hostname());
        lines.add("PIPELINING");
        lines.add("SIZE " + env.limits().messageSize());
        lines.add("8BITMIME");
        lines.add("SMTPUTF8");
        lines.add("ENHANCEDSTATUSCODES");
        lines.add("DSN"); // RFC 3461 §4
        // RFC 8689 §2: only over TLS, where the MAIL parameter may be used
        if (conn.isTls()) lines.add("REQUIRETLS");
        lines.add("CHUNKING");
        if (!conn.isTls()) lines.add("STARTTLS");
        // RFC 4954 §4 + RFC 8314 §3.3: AUTH only on submission, and only once the channel is encrypted.
        if (role == SmtpServer.Role.SUBMISSION && conn.isTls() && user == null) lines.add("AUTH PLAIN LOGIN");
        reply(new SmtpReply(250, "", lines));
    }

    private void startTls() throws IOException {
        if (conn.isTls()) {
            reply(503, "5.5.1", "TLS already active");
            return;
        }
        reply(220, "2.0.0", "Ready to start TLS");
        conn.flush();
        try {
            conn.startTls(env.tls()); // discards anything pipelined behind STARTTLS
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "TLS handshake with " + conn.remoteAddress() + " failed: " + e.getMessage());
            quit = true;
            return;
        }
        // RFC 3207 §4.2: forget everything learnt before TLS.
        helo = null;
        esmtp = false;
        user = null;
        resetTransaction();
    }

    private void mail(SmtpCommand.Mail c) throws IOException {
        if (helo == null) {
            reply(503, "5.5.1", "Send EHLO or HELO first");
            return;
        }
        if (envelope != null) {
            reply(503, "5.5.1", "Nested MAIL command");
            return;
        }
        if (role == SmtpServer.Role.SUBMISSION && user == null) {
            // RFC 6409 §4.3 / RFC 4954 §6
            reply(530, "5.7.0", conn.isTls() ? "Authentication required" : "Must issue a STARTTLS command first");
            return;
        }
        boolean utf8 = false;
        boolean requireTls = false;
        for (Map.Entry<String, String> p : c.params().entrySet()) {
            String v = p.getValue();
            switch (p.getKey()) {
                case "SIZE" -> { // RFC 1870 §6
                    if (v == null || !v.chars().allMatch(Character::isDigit) || v.length() > 18) {
                        reply(501, "5.5.4", "Bad SIZE parameter");
                        return;
                    }
                    if (Long.parseLong(v) > env.limits().messageSize()) {
                        reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
                        return;
                    }
                }
                case "BODY" -> { // RFC 6152
                    if (v == null || !(v.equalsIgnoreCase("7BIT") || v.equalsIgnoreCase("8BITMIME"))) {
                        reply(501, "5.5.4", "BODY must be 7BIT or 8BITMIME");
                        return;
                    }
                }
                case "SMTPUTF8" -> { // RFC 6531 §3.4
                    if (v != null) {
                        reply(501, "5.5.4", "SMTPUTF8 takes no value");
                        return;
                    }
                    utf8 = true;
                }
                case "AUTH" -> { } // RFC 4954 §5: accepted; we do not relay the identity onward
                case "REQUIRETLS" -> { // RFC 8689 §2
                    if (v != null) {
                        reply(501, "5.5.4", "REQUIRETLS takes no value");
                        return;
                    }
                    if (!conn.isTls()) {
                        reply(530, "5.7.10", "REQUIRETLS needs a TLS session: send STARTTLS first");
                        return;
                    }
                    requireTls = true;
                }
                case "RET", "ENVID" -> { // RFC 3461 §4.3, §4.4: parsed below
                    if (v == null) {
                        reply(501, "5.5.4", p.getKey() + " needs a value");
                        return;
                    }
                }
                default -> {
                    reply(555, "5.5.4", "Unsupported parameter " + p.getKey());
                    return;
                }
            }
        }
        DsnParameters.Mail dsn;
        try {
            dsn = DsnParameters.mail(c.params().get("RET"), c.params().get("ENVID"));
        } catch (SmtpSyntaxException e) {
            reply(e.reply());
            return;
        }
        if (role == SmtpServer.Role.SUBMISSION && !env.sendRate().allows(user.id(), env.clock().instant())) {
            reply(450, "4.7.1", "Sending limit of " + env.sendRate().perHour() + " messages per hour reached, try again later");
            return;
        }
        if (role == SmtpServer.Role.SUBMISSION && c.sender().isEmpty()) {
            // RFC 5321 §4.5.5: <> is for notifications the mail system itself sends, which never come through here;
            // a user's message with it could not bounce back to them
            reply(553, "5.7.1", "The null sender <> is for delivery notifications; send as " + user.address());
            return;
        }
        if (c.sender().isPresent()) {
            EmailAddress from = c.sender().get();
            if (from.isUtf8() && !utf8) {
                reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8"); // RFC 6531 §3.5
                return;
            }
            if (role == SmtpServer.Role.SUBMISSION && !env.resolver().mayUseSender(user, from)) {
                reply(553, "5.7.1", "Sender address not owned by user " + user.address());
                return;
            }
        }
        envelope = new Envelope(c.sender(), utf8);
        envelope.dsn = dsn;
        envelope.requireTls = requireTls; // RFC 8689 §4.1: the message is tagged
        reply(250, "2.1.0", "Sender OK");
    }

    private void rcpt(SmtpCommand.Rcpt c) throws IOException {
        if (envelope == null) {
            reply(503, "5.5.1", "Send MAIL first");
            return;
        }
        for (Map.Entry<String, String> p : c.params().entrySet()) {
            if (!p.getKey().equals("NOTIFY") && !p.getKey().equals("ORCPT")) {
                reply(555, "5.5.4", "Unsupported parameter " + p.getKey());
                return;
            }
            if (p.getValue() == null) {
                reply(501, "5.5.4", p.getKey() + " needs a value");
                return;
            }
        }
        DsnParameters.Rcpt dsn; // RFC 3461 §4.1, §4.2
        try {
            dsn = DsnParameters.rcpt(c.params().get("NOTIFY"), c.params().get("ORCPT"));
        } catch (SmtpSyntaxException e) {
            reply(e.reply());
            return;
        }
        if (envelope.recipients.size() >= env.limits().recipients()) {
            reply(452, "4.5.3", "Too many recipients"); // RFC 5321 §4.5.3.1.10
            return;
        }
        EmailAddress to = c.recipient().orElseGet(this::postmaster);
        if (to.isUtf8() && !envelope.smtpUtf8) {
            reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
            return;
        }
        if (env.forwarder() != null && Srs.looksLikeSrs(to.localPart())) {
            // bounces to the SRS addresses our forwarded copies carried (ADR 0013)
            boolean ours;
            try {
                ours = env.store().accounts().isLocalDomain(to.domain());
            } catch (StoreException e) {
                LOG.log(Level.ERROR, "recipient lookup failed", e);
                reply(451, "4.3.0", "Temporary lookup failure, try again later");
                return;
            }
            if (ours) {
                srsRecipient(to);
                return;
            }
        }
        Recipient where;
        Map<AccountId, Optional<Quota>> quotas;
        try {
            // the recipient's lookups and its accounts' quotas are one group of reads: on PostgreSQL one read
            // transaction, where the quotas were one more
            record Found(Recipient where, Map<AccountId, Optional<Quota>> quotas) {}
            Found found = ReadGroup.run(() -> {
                Recipient w = env.resolver().resolve(to);
                Map<AccountId, Optional<Quota>> q = new LinkedHashMap<>();
                if (w instanceof Recipient.Local l) {
                    for (AccountId a : l.accounts()) q.put(a, env.store().accounts().quota(a));
                }
                return new Found(w, q);
            });
            where = found.where();
            quotas = found.quotas();
        } catch (StoreException e) {
            LOG.log(Level.ERROR, "recipient lookup failed", e);
            reply(451, "4.3.0", "Temporary lookup failure, try again later");
            return;
        }
        switch (where) {
            case Recipient.Local l -> {
                boolean forwarding = env.forwarder() != null && !l.forwards().isEmpty();
                if (l.accounts().isEmpty() && !forwarding) {
                    reply(550, "5.1.1", "Recipient address rejected: user unknown");
                    return;
                }
                List<AccountId> limited = new ArrayList<>();
                for (AccountId a : l.accounts()) {
                    Optional<Quota> q = quotas.get(a);
                    if (q.isEmpty()) continue;
                    // RFC 3463 4.2.2: a mailbox at its quota now may have room later, so this is temporary
                    if (q.get().full()) {
                        reply(452, "4.2.2", "Mailbox full, try again later");
                        return;
                    }
                    limited.add(a);
                }
                envelope.quotaAccounts.addAll(limited);
                envelope.localAccounts.addAll(l.accounts());
                envelope.localByAddress.computeIfAbsent(to, k -> new java.util.LinkedHashSet<>()).addAll(l.accounts());
                if (!dsn.equals(DsnParameters.Rcpt.NONE)) envelope.dsnRcpt.putIfAbsent(to, dsn);
                for (AccountId a : l.accounts()) envelope.localAddress.putIfAbsent(a, to);
                if (forwarding) envelope.forwards.putIfAbsent(to, l.forwards());
                envelope.recipients.add(to);
                reply(250, "2.1.5", "Recipient OK");
            }
            case Recipient.Unknown u -> reply(550, "5.1.1", "Recipient address rejected: user unknown");
            case Recipient.Remote r -> {
                if (role != SmtpServer.Role.SUBMISSION) {
                    reply(554, "5.7.1", "Relay access denied");
                    return;
                }
                envelope.remote.add(to);
                envelope.recipients.add(to);
                if (!dsn.equals(DsnParameters.Rcpt.NONE)) envelope.dsnRcpt.putIfAbsent(to, dsn);
                reply(250, "2.1.5", "Recipient OK");
            }
        }
    }

    /**
     * A recipient in our domain shaped as an SRS address: a bounce to a copy we forwarded. Only a valid address
     * (its hash and age checked) takes mail, and only from the null reverse-path, as bounces are (RFC 5321 §4.5.5):
     * anything else sent to it would make the forwarder an open relay towards whoever the address names.
     */
    private void srsRecipient(EmailAddress to) throws IOException {
        switch (env.forwarder().srs().reverse(to.localPart())) {
            case Srs.Reversed.Valid v -> {
                if (envelope.sender.isPresent()) {
                    reply(550, "5.7.1", "Recipient address rejected: SRS addresses only accept bounces (MAIL FROM:<>)");
                    return;
                }
                Optional<EmailAddress> back = EmailAddress.parse(v.address());
                if (back.isEmpty()) {
                    reply(550, "5.1.1", "Recipient address rejected: SRS address decodes to no valid address");
                    return;
                }
                envelope.srsBounces.add(back.get().toString());
                envelope.recipients.add(to);
                reply(250, "2.1.5", "Recipient OK");
            }
            case Srs.Reversed.Invalid i -> {
                LOG.log(Level.INFO, "refused SRS recipient <" + to + ">: " + i.reason());
                reply(550, "5.1.1", "Recipient address rejected: " + i.reason());
            }
            case Srs.Reversed.NotSrs n -> reply(550, "5.1.1", "Recipient address rejected: user unknown");
        }
    }

    /** {@code <Postmaster>} without a domain means the postmaster of our first domain (RFC 5321 §4.5.1). */
    private EmailAddress postmaster() {
        List<String> domains = env.store().accounts().domains();
        return new EmailAddress("postmaster", domains.isEmpty() ? env.hostname() : domains.getFirst());
    }

    void resetTransaction() {
        if (envelope != null) envelope.discardChunks();
        envelope = null;
        org.tegami.core.log.LogContext.endMessage();
    }

    void error(SmtpReply r) throws IOException {
        reply(r);
        if (++errors >= env.limits().badCommands()) {
            reply(421, "4.7.0", env.hostname() + " Too many errors, closing connection");
            quit = true;
        }
    }

    void reply(int code, String enhanced, String text) throws IOException {
        reply(SmtpReply.of(code, enhanced, text));
    }

    void reply(SmtpReply r) throws IOException {
        conn.output().write(r.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    void closeAfterReply() {
        quit = true;
    }

    private static boolean startsWithIgnoreCase(byte[] line, String prefix) {
        if (line.length < prefix.length()) return false;
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toUpperCase((char) line[i]) != prefix.charAt(i)) return false;
        }
        return true;
    }

    Optional<javax.net.ssl.SSLSession> tls() {
        return conn.tlsSession();
    }
}
