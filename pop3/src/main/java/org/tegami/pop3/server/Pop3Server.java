package org.tegami.pop3.server;

import java.io.IOException;
import org.tegami.net.Connection;
import org.tegami.net.ConnectionHandler;

/** The POP3 protocol handler for one listener: 110 (STLS) or 995 (implicit TLS, RFC 8314). */
public final class Pop3Server implements ConnectionHandler {
    /** Line sent to a client turned away by the connection cap. */
    public static final String BUSY = "-ERR [SYS/TEMP] Too many connections, try again later\r\n";

    private final Pop3Environment env;

    public Pop3Server(Pop3Environment env) {
        this.env = env;
    }

    @Override
    public void handle(Connection connection) throws IOException {
        new Pop3Session(env, connection).run();
    }
}
