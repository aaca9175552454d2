package org.tegami.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class FreePortTest {
    @Test
    void aPortBelowTheEphemeralRangeThatNothingListensOn() throws Exception {
        int low = FreePort.ephemeralLow();
        for (int i = 0; i < 20; i++) {
            int port = FreePort.pick();
            if (low - 20_000 >= 1000) assertTrue(port >= 20_000 && port < low, port + " outside 20000.." + low);
            assertThrows(IOException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close(),
                    "nothing listens on " + port);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(port, s.getLocalPort(), "free to bind");
            }
        }
    }
}
