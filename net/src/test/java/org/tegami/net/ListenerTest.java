package org.tegami.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Connection caps over real sockets: the client over the cap gets the busy line, loopback included. */
class ListenerTest {

    @Test
    void perAddressCapAnswersBusyAndFreesTheSlotOnClose() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ConnectionHandler hold = c -> {
            c.write("220 hello\r\n");
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (Listener l = Listener.start("smtp", new InetSocketAddress("127.0.0.1", 0), TlsMode.STARTTLS, null,
                new ConnectionLimiter(10, 2), hold, "421 4.7.0 busy\r\n")) {
            Socket a = new Socket("127.0.0.1", l.port());
            Socket b = new Socket("127.0.0.1", l.port());
            assertEquals("220 hello", line(a));
            assertEquals("220 hello", line(b));
            try (Socket c = new Socket("127.0.0.1", l.port())) {
                c.setSoTimeout(5000);
                var in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII));
                assertEquals("421 4.7.0 busy", in.readLine());
                assertNull(in.readLine(), "then closed");
            }
            release.countDown();
            a.close();
            b.close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            String got = null;
            while (System.nanoTime() < deadline && !"220 hello".equals(got)) {
                try (Socket d = new Socket("127.0.0.1", l.port())) {
                    got = line(d);
                }
            }
            assertEquals("220 hello", got, "slots are released when sessions end");
        }
    }

    private static String line(Socket s) throws Exception {
        s.setSoTimeout(5000);
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
}
