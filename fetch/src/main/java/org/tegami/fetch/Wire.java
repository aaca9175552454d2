package org.tegami.fetch;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.tegami.fetch.proto.FetchProtocolException;
import org.tegami.fetch.proto.ImapResponses;

/**
 * One connection to a remote server: TLS with the certificate verified (trusted CA and host name, TLS 1.2+), reads
 * bounded by line length and by an inactivity timeout. Not thread-safe.
 */
final class Wire implements AutoCloseable {
    /** Longest response line accepted (a stranger's server: nothing grows without bound). */
    static final int MAX_LINE = 64 * 1024;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final String host;
    private final InetAddress address;

    private Wire(Socket socket, String host) throws IOException {
        this.host = host;
        this.address = socket.getInetAddress();
        use(socket);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        s.setSoTimeout((int) READ_TIMEOUT.toMillis());
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = new BufferedOutputStream(s.getOutputStream(), 8 * 1024);
    }

    /** Connects in the clear (STARTTLS/STLS follows) or with implicit TLS. */
    static Wire connect(String host, int port, boolean implicitTls, SSLContext trust) throws IOException, FetchException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
            Wire w = new Wire(plain, host);
            if (implicitTls) w.startTls(trust);
            return w;
        } catch (IOException | FetchException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /**
     * Wraps the connection in TLS and verifies the server: its chain to a trusted CA and its name (RFC 6125, as
     * RFC 8314 §4.4 asks of mail clients). Bytes the server sent before the handshake are never read as TLS data.
     */
    void startTls(SSLContext trust) throws IOException, FetchException {
        if (in.available() > 0) {
            // RFC 3207 §4.2's rule, from the client's side: anything the server pipelined before TLS is an attack
            throw new FetchException("the server sent data before the TLS handshake", false);
        }
        SSLSocket tls = (SSLSocket) trust.getSocketFactory().createSocket(socket, host, socket.getPort(), true);
        tls.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        var params = tls.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 6125 host name check
        tls.setSSLParameters(params);
        tls.setSoTimeout((int) READ_TIMEOUT.toMillis());
        try {
            tls.startHandshake();
        } catch (SSLHandshakeException e) {
            throw new FetchException("TLS with " + host + " failed, its certificate is not trusted or does not name it ("
                    + rootMessage(e) + "); for a private CA set [outbound] tls_ca", false);
        }
        use(tls);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) t = t.getCause();
        return String.valueOf(t.getMessage());
    }

    InetAddress address() {
        return address;
    }

    boolean tls() {
        return socket instanceof SSLSocket;
    }

    /** One line without its CRLF (a bare LF ends a line too); over {@link #MAX_LINE} or EOF is an error. */
    String readLine() throws IOException, FetchProtocolException {
        byte[] buf = new byte[256];
        int n = 0;
        while (true) {
            int b = in.read();
            if (b < 0) throw new FetchProtocolException("the server closed the connection");
            if (b == '\n') {
                if (n > 0 && buf[n - 1] == '\r') n--;
                return ImapResponses.text(buf, n);
            }
            if (n == MAX_LINE) throw new FetchProtocolException("a response line is longer than " + MAX_LINE + " bytes");
            if (n == buf.length) buf = java.util.Arrays.copyOf(buf, Math.min(MAX_LINE, buf.length * 2));
            buf[n++] = (byte) b;
        }
    }

    /** Copies exactly {@code size} bytes to {@code sink}. */
    void readExactly(long size, OutputStream sink) throws IOException, FetchProtocolException {
        byte[] buf = new byte[16 * 1024];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) throw new FetchProtocolException("the server closed the connection inside a literal");
            sink.write(buf, 0, n);
            left -= n;
        }
    }

    InputStream input() {
        return in;
    }

    /** Sends one line (CRLF added) and flushes. */
    void send(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
        out.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
