package org.tegami.net;

import java.io.IOException;

/** A protocol session: runs on the connection's own virtual thread and returns when the session is over. */
@FunctionalInterface
public interface ConnectionHandler {
    void handle(Connection connection) throws IOException;
}
