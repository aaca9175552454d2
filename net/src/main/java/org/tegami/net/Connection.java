package org.tegami.net;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.tegami.core.log.LogContext;
import org.tegami.core.metrics.Metrics;
import org.tegami.net.tls.TlsContext;

/**
 * One client connection: a socket, our own read buffer (so that bytes pipelined behind STARTTLS can be discarded
 * exactly), bounded line reading and a buffered writer. Used by one virtual thread at a time; callers that write
 * from other threads (IMAP IDLE notifications) synchronise on {@link #writeLock()}.
 */
public final class Connection implements AutoCloseable {
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    // 8 KiB each way: thousands of idle IMAP sessions hold these (IMAP issue: under 64 KiB per IDLE connection)
    private final byte[] buf = new byte[8 * 1024];
    private int pos;
    private int lim;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private final Object writeLock = new Object();
    /** The TCP socket under any TLS layer: what the write watchdog closes (an SSLSocket's close could block). */
    private final Socket tcp;
    private Duration writeDeadline = WriteDeadline.DEFAULT;
    private WriteDeadline guard;
    private Runnable onAuthenticated = () -> { };
    private Runnable onClose = () -> { };

    public Connection(Socket socket) throws IOException {
        this.remote = (InetSocketAddress) socket.getRemoteSocketAddress();
        this.local = (InetSocketAddress) socket.getLocalSocketAddress();
        this.tcp = socket;
        attach(socket);
    }

    /** What to run when the session's user logs in (the connection cap stops counting it as evictable). */
    public void onAuthenticated(Runnable r) {
        onAuthenticated = r;
    }

    /**
     * What to run first when the connection closes: the connection cap counts it gone from then on, before the TLS
     * close_notify and the socket's close, which can take a moment.
     */
    public void onClose(Runnable r) {
        onClose = r;
    }

    /** The session's user has logged in: the connection is no longer one that may be evicted when the server is full. */
    public void authenticated() {
        onAuthenticated.run();
    }

    private void attach(Socket s) throws IOException {
        this.socket = s;
        this.in = s.getInputStream();
        this.out = new BufferedOutputStream(guard(s.getOutputStream()), 8 * 1024);
        this.compressed = false;
    }

    /** Every write to the socket is timed: a peer that stops reading is cut off after the write deadline. */
    private OutputStream guard(OutputStream raw) {
        if (guard != null) guard.release();
        guard = new WriteDeadline(tcp, raw, writeDeadline);
        return guard;
    }

    /**
     * How long one write may stay blocked because the peer does not read before the connection is closed (default
     * {@link WriteDeadline#DEFAULT}); applies to the writes that follow.
     */
    public void setWriteDeadline(Duration deadline) {
        writeDeadline = deadline;
        guard.deadline(deadline);
    }

    private boolean compressed;
    private Inflater inflater;

    /**
     * Starts raw DEFLATE (RFC 1951) both ways, as IMAP COMPRESS=DEFLATE does (RFC 4978 §3): what is written is
     * compressed and sync-flushed on every {@link #flush()}, what is read is inflated. Bytes received before this
     * call and not yet consumed are dropped, as for STARTTLS. Memory stays bounded: the inflater hands out at most
     * what the caller's bounded reads ask for.
     */
    public void startCompression() throws IOException {
        flush();
        pos = lim = 0;
        inflater = new Inflater(true);
        // level 1: ImapCompressBench measured 1.79x fewer octets at about half the CPU of level 6 (1.94x); the
        // compressor is borrowed per flush, so an idle compressed connection holds no zlib state for its output
        in = new InflaterInputStream(socket.getInputStream(), inflater, 4 * 1024);
        // A flush with nothing written sends nothing (not even an empty stored block): one sent right behind "OK
        // DEFLATE active" reached Thunderbird 153 in the same read as the OK line, which it took as plain text in front
        // of the next response and dropped its authenticated state (ImapThunderbirdTest, ConnectionTest)
        out = new PooledDeflaterOutputStream(guard(socket.getOutputStream()), Deflater.BEST_SPEED);
        compressed = true;
    }

    public boolean isCompressed() {
        return compressed;
    }

    public InetAddress remoteAddress() {
        return remote.getAddress();
    }

    public InetSocketAddress remote() {
        return remote;
    }

    public InetSocketAddress local() {
        return local;
    }

    public boolean isTls() {
        return socket instanceof SSLSocket;
    }

    public Optional<SSLSession> tlsSession() {
        return socket instanceof SSLSocket s ? Optional.of(s.getSession()) : Optional.empty();
    }

    /** Sets the idle timeout for every following read. */
    public void setReadTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /** Bytes received but not yet consumed. */
    public int buffered() {
        return lim - pos;
    }

    /**
     * Upgrades to TLS (STARTTLS/STLS, or implicit TLS at accept). Every byte the client sent behind the command is
     * dropped first, so nothing pipelined in plaintext can run inside the TLS session (CVE-2011-0411 class;
     * RFC 3207 §4.2, RFC 9051 §6.2.1, RFC 2595 §4).
     */
    public void startTls(TlsContext tls) throws IOException {
        pos = lim = 0;
        SSLSocket ssl = tls.wrapServer(socket);
        ssl.startHandshake();
        Metrics.tlsHandshake(LogContext.service().orElse(""), ssl.getSession().getProtocol());
        attach(ssl);
    }

    private boolean fill() throws IOException {
        if (pos < lim) return true;
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) return false;
        pos = 0;
        lim = n;
        return true;
    }

    /** Reads one byte, or -1 at end of stream. */
    public int read() throws IOException {
        return fill() ? buf[pos++] & 0xff : -1;
    }

    /** Reads up to {@code len} bytes (at least one unless at end of stream, then -1). */
    public int read(byte[] b, int off, int len) throws IOException {
        if (!fill()) return -1;
        int n = Math.min(len, lim - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    /** Reads exactly {@code n} bytes into {@code sink}; returns false if the stream ended first. */
    public boolean readExactly(long n, OutputStream sink) throws IOException {
        while (n > 0) {
            if (!fill()) return false;
            int k = (int) Math.min(n, lim - pos);
            sink.write(buf, pos, k);
            pos += k;
            n -= k;
        }
        return true;
    }

    /**
     * Reads one line of at most {@code max} bytes including its terminator. A longer line is consumed and
     * discarded without buffering it, so a client cannot make us hold more than {@code max} bytes.
     */
    public LineResult readLine(int max) throws IOException {
        LineBuffer line = new LineBuffer(Math.min(max, 256));
        return switch (readLine(line, max)) {
            case EOF -> new LineResult.Eof();
            case TOO_LONG_CRLF -> new LineResult.TooLong(true);
            case TOO_LONG_BARE_LF -> new LineResult.TooLong(false);
            case CRLF -> new LineResult.Line(Arrays.copyOf(line.bytes(), line.length()), line.bareCr());
            case BARE_LF -> new LineResult.BareLf(Arrays.copyOf(line.bytes(), line.length()));
        };
    }

    /**
     * Reads one line of at most {@code max} bytes including its terminator into {@code into}, without allocating
     * unless the line is longer than any before it. A longer line is consumed and discarded as in
     * {@link #readLine(int)}.
     */
    public LineBuffer.End readLine(LineBuffer into, int max) throws IOException {
        int n = 0;
        boolean tooLong = false;
        int last = -1; // the byte before the current position, across buffer refills
        into.length = 0;
        into.bareCr = false;
        while (true) {
            if (!fill()) return LineBuffer.End.EOF;
            int start = pos;
            int i = start;
            while (i < lim && buf[i] != '\n') i++;
            int chunk = i - start;
            if (chunk > 0) last = buf[i - 1];
            if (!tooLong) {
                if (n + chunk + 1 > max) {
                    tooLong = true;
                } else {
                    if (n + chunk > into.bytes.length) {
                        into.bytes = Arrays.copyOf(into.bytes, Math.min(max, Math.max(into.bytes.length * 2, n + chunk)));
                    }
                    System.arraycopy(buf, start, into.bytes, n, chunk);
                    n += chunk;
                }
            }
            pos = i;
            if (i < lim) { // found LF
                pos++;
                if (tooLong) return last == '\r' ? LineBuffer.End.TOO_LONG_CRLF : LineBuffer.End.TOO_LONG_BARE_LF;
                if (n > 0 && into.bytes[n - 1] == '\r') {
                    into.length = n - 1;
                    for (int k = 0; k < n - 1; k++) {
                        if (into.bytes[k] == '\r') {
                            into.bareCr = true;
                            break;
                        }
                    }
                    return LineBuffer.End.CRLF;
                }
                into.length = n;
                return LineBuffer.End.BARE_LF;
            }
        }
    }

    public OutputStream output() {
        return out;
    }

    /** Lock to hold while writing from a thread other than the session's own. */
    public Object writeLock() {
        return writeLock;
    }

    /** Writes ASCII/UTF-8 text as-is (the caller supplies CRLF) and flushes. */
    public void write(String s) throws IOException {
        synchronized (writeLock) {
            out.write(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.flush();
        }
    }

    public void flush() throws IOException {
        synchronized (writeLock) {
            out.flush();
        }
    }

    @Override
    public void close() {
        onClose.run();
        guard.release();
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        if (inflater != null) inflater.end(); // native zlib memory
    }
}
