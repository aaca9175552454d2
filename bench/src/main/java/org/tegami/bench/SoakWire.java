package org.tegami.bench;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.tegami.testkit.TestTls;

/**
 * One client connection of {@link SoakBench}: a socket bound to a chosen loopback source address, optionally TLS,
 * with line and literal reading. Every open connection is registered so the bench can count them and close them
 * all at the deadline (which also unblocks any thread reading from one).
 */
final class SoakWire implements Closeable {
    static final SSLContext TLS = TestTls.trustAllClientContext();
    /** Open connections, for the deadline. */
    static final Set<SoakWire> OPEN = ConcurrentHashMap.newKeySet();
    static final AtomicInteger HONEST_OPEN = new AtomicInteger();
    static final AtomicInteger ABUSIVE_OPEN = new AtomicInteger();

    private final boolean honest;
    private Socket raw;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private boolean closed;
    final long openedAt = System.nanoTime();

    private SoakWire(boolean honest) {
        this.honest = honest;
    }

    /**
     * Connects from {@code localIp} to 127.0.0.1:{@code port}; {@code receiveBuffer} &gt; 0 shrinks the socket's
     * receive buffer (slow readers), {@code tls} does the handshake at once (implicit TLS).
     */
    static SoakWire connect(boolean honest, String localIp, int port, boolean tls, int receiveBuffer, int timeoutMs)
            throws IOException {
        SoakWire w = new SoakWire(honest);
        Socket s = new Socket();
        w.socket = s;
        w.raw = s;
        w.register();
        try {
            if (receiveBuffer > 0) s.setReceiveBufferSize(receiveBuffer);
            s.bind(new InetSocketAddress(localIp, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(timeoutMs);
            s.setTcpNoDelay(true);
            w.in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
            w.out = s.getOutputStream();
            if (tls) w.startTls();
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
        return w;
    }

    private void register() {
        OPEN.add(this);
        (honest ? HONEST_OPEN : ABUSIVE_OPEN).incrementAndGet();
    }

    /** Layers TLS over the connection (implicit TLS at connect, or after STARTTLS/STLS). */
    void startTls() throws IOException {
        SSLSocket ssl = (SSLSocket) TLS.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        ssl.setSoTimeout(socket.getSoTimeout());
        synchronized (this) {
            socket = ssl;
            if (closed) throw new IOException("closed at the deadline");
        }
        ssl.startHandshake();
        in = new BufferedInputStream(ssl.getInputStream(), 16 * 1024);
        out = ssl.getOutputStream();
    }

    void timeout(int ms) throws IOException {
        socket.setSoTimeout(Math.max(1, ms));
    }

    /** One line without its CRLF (ISO-8859-1, enough for the protocols' ASCII). */
    String line() throws IOException {
        StringBuilder sb = new StringBuilder(80);
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) throw new EOFException("connection closed by the server");
            if (b != '\r' && sb.length() < 100_000) sb.append((char) b);
        }
        return sb.toString();
    }

    /** Reads and discards {@code n} bytes (a literal). */
    void skip(long n) throws IOException {
        byte[] buf = new byte[8192];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) throw new EOFException("connection closed inside a literal");
            n -= r;
        }
    }

    void send(String s) throws IOException {
        write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /**
     * Waits up to {@code ms} reading and discarding whatever arrives: true when the server closed the connection,
     * false when the time ran out first.
     */
    boolean holdReading(long ms) throws IOException {
        long end = System.nanoTime() + ms * 1_000_000;
        byte[] buf = new byte[4096];
        while (true) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) return false;
            timeout((int) Math.min(left, Integer.MAX_VALUE));
            try {
                if (in.read(buf) < 0) return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                if (isClosed()) throw e;
                return true; // reset by the server
            }
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        Socket s;
        synchronized (this) {
            if (closed) return;
            closed = true;
            s = socket;
        }
        OPEN.remove(this);
        (honest ? HONEST_OPEN : ABUSIVE_OPEN).decrementAndGet();
        try {
            raw.close(); // first the TCP socket, so that closing TLS never waits for a blocked peer
            s.close();
        } catch (IOException ignored) {
            // going away either way
        }
    }

    /** Closes every open connection (the deadline). */
    static void closeAll() {
        for (SoakWire w : OPEN) w.close();
    }
}
