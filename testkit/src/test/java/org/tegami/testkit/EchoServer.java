package org.tegami.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import org.tegami.net.Connection;
import org.tegami.net.ConnectionLimiter;
import org.tegami.net.LineResult;
import org.tegami.net.Listener;
import org.tegami.net.TlsMode;
import org.tegami.net.tls.TlsContext;

/** A tiny line server on loopback for testing the runner: a plain listener "echo" and an implicit-TLS "echos". */
final class EchoServer implements AutoCloseable {
    private final Listener plain;
    private final Listener implicit;
    private final TlsContext tls;

    EchoServer(Path dir) {
        tls = TlsContext.selfSigned(dir, "echo.test", InstantSource.system());
        var limiter = new ConnectionLimiter(100, 100);
        var any = new InetSocketAddress("127.0.0.1", 0);
        plain = Listener.start("echo", any, TlsMode.STARTTLS, tls, limiter, this::serve, null);
        implicit = Listener.start("echos", any, TlsMode.IMPLICIT, tls, limiter, this::serve, null);
    }

    Map<String, InetSocketAddress> ports() {
        return Map.of("echo", plain.address(), "echos", implicit.address());
    }

    private void serve(Connection c) throws IOException {
        c.write("220 echo ready\r\n");
        while (true) {
            LineResult r = c.readLine(1000);
            if (!(r instanceof LineResult.Line line)) {
                return;
            }
            String cmd = new String(line.bytes(), StandardCharsets.UTF_8);
            switch (cmd) {
                case "QUIT" -> {
                    c.write("221 bye\r\n");
                    return;
                }
                case "ID" -> c.write("250 queued as Q42\r\n");
                case "MULTI" -> c.write("250-one\r\n250-two\r\n250 three\r\n");
                case "BARELF" -> c.write("250 bare\n");
                case "TLS?" -> c.write("250 tls=" + c.isTls() + "\r\n");
                case "STARTTLS" -> {
                    c.write("220 go\r\n");
                    c.startTls(tls);
                }
                case "INJECT" -> c.write("220 go\r\n250 smuggled\r\n");
                default -> c.write(cmd.startsWith("ECHO ") ? "250 " + cmd.substring(5) + "\r\n" : "500 unknown\r\n");
            }
        }
    }

    @Override
    public void close() {
        plain.close();
        implicit.close();
    }
}
