package org.tegami.bench;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal SMTP server that stores nothing: the no-storage upper bound that every benchmark
 * to report beside its own figure, so results compare as ratios across machines.
 */
public final class SmtpSink implements AutoCloseable {
    private final ServerSocket server;

    public SmtpSink() throws IOException {
        server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void serve(Socket s) {
        try (s) {
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1), 64 * 1024);
            OutputStream out = new BufferedOutputStream(s.getOutputStream());
            write(out, "220 sink ESMTP\r\n");
            String line;
            while ((line = in.readLine()) != null) {
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(java.util.Locale.ROOT) : line;
                switch (verb) {
                    case "EHLO" -> write(out, "250-sink\r\n250 PIPELINING\r\n");
                    case "DATA" -> {
                        write(out, "354 go\r\n");
                        while ((line = in.readLine()) != null && !line.equals(".")) {
                            // discard
                        }
                        write(out, "250 2.0.0 OK\r\n");
                    }
                    case "QUIT" -> {
                        write(out, "221 bye\r\n");
                        return;
                    }
                    default -> {
                        out.write("250 OK\r\n".getBytes(StandardCharsets.US_ASCII));
                        if (!in.ready()) out.flush();
                    }
                }
            }
        } catch (IOException ignored) {
            // client gone
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
