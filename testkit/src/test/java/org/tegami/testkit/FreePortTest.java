package org.tegami.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /**
     * The kernel's range read whole: Files.readString gave "3" of "32768\t60999" (the file's size is 0), so every
     * pick fell back to an ephemeral port, and the test above, seeing no room below "3", checked nothing.
     */
    @Test
    void theEphemeralRangeIsReadWhole() throws Exception {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        assumeTrue(Files.isReadable(range), "no Linux ephemeral port range here");
        String first = Files.readAllLines(range).getFirst().trim().split("\\s+")[0];
        assertEquals(Integer.parseInt(first), FreePort.ephemeralLow());
    }
}
