package org.tegami.smtp.server;

import java.io.IOException;
import org.tegami.net.Connection;
import org.tegami.net.ConnectionHandler;

/**
 * The SMTP protocol handler for one listener. {@link Role#INBOUND} is the MX on port 25: mail for local
 * recipients only, no AUTH. {@link Role#SUBMISSION} is 587/465 (RFC 6409, RFC 8314): AUTH required (and only
 * over TLS), then local and remote recipients.
 */
public final class SmtpServer implements ConnectionHandler {

    public enum Role { INBOUND, SUBMISSION }

    /** Line sent to a client turned away by the connection cap. */
    public static final String BUSY = "421 4.7.0 Too many connections, try again later\r\n";

    private final Role role;
    private final SmtpEnvironment env;

    public SmtpServer(Role role, SmtpEnvironment env) {
        this.role = role;
        this.env = env;
    }

    public Role role() {
        return role;
    }

    @Override
    public void handle(Connection connection) throws IOException {
        new SmtpSession(role, env, connection).run();
    }
}
