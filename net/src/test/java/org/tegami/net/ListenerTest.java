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

    @Test
    void idleConnectionsThatNeverLogInCannotLockAUserOut() throws Exception {
        // A session that logs in when it reads LOGIN, and otherwise waits: 3 connections in all.
        ConnectionHandler session = c -> {
            c.write("* OK ready\r\n");
            c.flush();
            while (true) {
                LineResult r = c.readLine(512);
                if (!(r instanceof LineResult.Line line)) return;
                if (new String(line.bytes(), StandardCharsets.US_ASCII).equals("LOGIN")) {
                    c.authenticated();
                    c.write("OK logged in\r\n");
                    c.flush();
                }
            }
        };
        try (Listener l = Listener.start("imap", new InetSocketAddress("127.0.0.1", 0), TlsMode.STARTTLS, null,
                new ConnectionLimiter(3, 10), session, "* BYE busy\r\n")) {
            Socket user = new Socket("127.0.0.1", l.port());
            var userIn = reader(user);
            assertEquals("* OK ready", userIn.readLine());
            user.getOutputStream().write("LOGIN\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("OK logged in", userIn.readLine());
            Socket idle1 = new Socket("127.0.0.1", l.port()); // an attacker's connections, never logging in
            assertEquals("* OK ready", line(idle1));
            Socket idle2 = new Socket("127.0.0.1", l.port());
            assertEquals("* OK ready", line(idle2));
            // Full. A second user still gets in: the oldest connection that has not logged in makes room.
            try (Socket second = new Socket("127.0.0.1", l.port())) {
                var in = reader(second);
                assertEquals("* OK ready", in.readLine());
                second.getOutputStream().write("LOGIN\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("OK logged in", in.readLine());
            }
            idle1.setSoTimeout(5000);
            assertEquals(-1, idle1.getInputStream().read(), "the oldest idle connection was closed");
            user.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            user.getOutputStream().write("LOGIN\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("OK logged in", userIn.readLine(), "the logged-in session was never touched");
            user.close();
            idle2.close();
        }
    }

    private static BufferedReader reader(Socket s) throws Exception {
        s.setSoTimeout(5000);
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    private static String line(Socket s) throws Exception {
        s.setSoTimeout(5000);
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
}
