package org.tegami.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A small IMAP client over TLS for benchmarks: one command at a time, reads the response to its tagged line,
 * skipping literals by their announced size (RFC 9051 §4.3), so bodies of any content are read correctly.
 */
final class ImapWire implements AutoCloseable {
    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private int tag;
    private String last = "";

    private ImapWire(SSLSocket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(60_000);
        socket.startHandshake();
        in = new BufferedInputStream(socket.getInputStream(), 32 * 1024);
        out = socket.getOutputStream();
        String greeting = readLine();
        if (!greeting.startsWith("* OK")) throw new IOException("greeting: " + greeting);
    }

    /** Connects to 127.0.0.1:{@code port}, handshakes and reads the greeting. */
    static ImapWire connect(SSLContext tls, int port) throws IOException {
        return new ImapWire((SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port));
    }

    /** Sends one command under a fresh tag; true when it ends in a tagged OK. */
    boolean ok(String command) throws IOException {
        String t = "t" + (++tag);
        out.write((t + " " + command + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return tagged(t);
    }

    /** APPEND with a non-synchronizing literal (RFC 7888 LITERAL+, which both servers announce). */
    boolean append(String mailbox, String flags, byte[] message) throws IOException {
        String t = "t" + (++tag);
        out.write((t + " APPEND " + mailbox + " (" + flags + ") {" + message.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(message);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return tagged(t);
    }

    /** The last tagged line read. */
    String last() {
        return last;
    }

    private boolean tagged(String t) throws IOException {
        String prefix = t + " ";
        while (true) {
            String l = readLine();
            if (l.startsWith(prefix)) {
                last = l;
                return l.startsWith("OK", prefix.length());
            }
        }
    }

    /** One response line with any literals in it skipped, e.g. {@code * 3 FETCH (BODY[] {1234}…)}. */
    private String readLine() throws IOException {
        line.reset();
        while (true) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed" + (line.size() > 0 ? " after " + line : ""));
            if (b != '\n') {
                line.write(b);
                continue;
            }
            byte[] l = line.toByteArray();
            int end = l.length > 0 && l[l.length - 1] == '\r' ? l.length - 1 : l.length;
            if (end > 2 && l[end - 1] == '}') {
                int open = end - 2;
                while (open >= 0 && l[open] != '{') open--;
                if (open >= 0) {
                    long n = Long.parseLong(new String(l, open + 1, end - 2 - open, StandardCharsets.US_ASCII));
                    line.reset();
                    line.write(l, 0, open);
                    line.write("{…}".getBytes(StandardCharsets.UTF_8));
                    in.skipNBytes(n);
                    continue;
                }
            }
            return new String(l, 0, end, StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
