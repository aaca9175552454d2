package org.tegami.managesieve.server;

import java.io.IOException;
import org.tegami.net.Connection;
import org.tegami.net.ConnectionHandler;

/** The ManageSieve protocol handler (RFC 5804) for port 4190: plain TCP with STARTTLS, never implicit TLS. */
public final class ManageSieveServer implements ConnectionHandler {
    /** Line sent to a client turned away by the connection cap (RFC 5804 §1.3 TRYLATER). */
    public static final String BUSY = "BYE (TRYLATER) \"Too many connections, try again later\"\r\n";

    private final ManageSieveEnvironment env;

    public ManageSieveServer(ManageSieveEnvironment env) {
        this.env = env;
    }

    @Override
    public void handle(Connection connection) throws IOException {
        new ManageSieveSession(env, connection).run();
    }
}
