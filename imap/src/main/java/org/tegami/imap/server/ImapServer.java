package org.tegami.imap.server;

import java.io.IOException;
import org.tegami.net.Connection;
import org.tegami.net.ConnectionHandler;

/** The IMAP protocol handler for one listener: 143 (STARTTLS) or 993 (implicit TLS, RFC 8314). */
public final class ImapServer implements ConnectionHandler {
    /** Line sent to a client turned away by the connection cap (RFC 9051 §7.1.5, RFC 5530 UNAVAILABLE). */
    public static final String BUSY = "* BYE [UNAVAILABLE] Too many connections, try again later\r\n";

    private final ImapEnvironment env;
    /** Shared by every connection this handler serves: one per process, as the server makes one handler. */
    private final LiteralBudget literals = new LiteralBudget();
    /** Also shared by every connection, so the per-account session cap covers 143 and 993 together. */
    private final AccountSessions sessions = new AccountSessions();

    public ImapServer(ImapEnvironment env) {
        this.env = env;
    }

    @Override
    public void handle(Connection connection) throws IOException {
        new ImapSession(env, connection, literals, sessions).run();
    }
}
