package org.tegami.net;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import org.tegami.core.TegamiException;
import org.tegami.core.log.LogContext;
import org.tegami.core.metrics.Metrics;
import org.tegami.net.tls.TlsContext;

/**
 * Accepts connections on one address and runs each on its own virtual thread. Implicit-TLS listeners handshake
 * before the handler sees the connection. Over the connection cap, the client gets the protocol's "busy" line
 * and is closed.
 */
public final class Listener implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Listener.class.getName());

    private final String name;
    private final ServerSocket server;
    private final TlsMode mode;
    private final TlsContext tls;
    private final ConnectionLimiter limiter;
    private final ConnectionHandler handler;
    private final String busyLine;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private Listener(String name, ServerSocket server, TlsMode mode, TlsContext tls, ConnectionLimiter limiter,
                     ConnectionHandler handler, String busyLine) {
        this.name = name;
        this.server = server;
        this.mode = mode;
        this.tls = tls;
        this.limiter = limiter;
        this.handler = handler;
        this.busyLine = busyLine;
        this.acceptor = Thread.ofVirtual().name(name + "-accept").unstarted(this::acceptLoop);
    }

    /**
     * Binds and starts accepting.
     *
     * @param busyLine line (with CRLF) sent to a client refused by the connection cap, e.g. SMTP's 421
     * @throws TegamiException with a message saying how to fix a port in use or a privileged port
     */
    public static Listener start(String name, InetSocketAddress address, TlsMode mode, TlsContext tls,
                                 ConnectionLimiter limiter, ConnectionHandler handler, String busyLine) {
        ServerSocket ss;
        try {
            ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(address, 128);
        } catch (BindException e) {
            throw new TegamiException(bindAdvice(name, address, e));
        } catch (IOException e) {
            throw new TegamiException("Cannot listen for " + name + " on " + address + ": " + e.getMessage());
        }
        Listener l = new Listener(name, ss, mode, tls, limiter, handler, busyLine);
        l.acceptor.start();
        return l;
    }

    static String bindAdvice(String name, InetSocketAddress address, BindException e) {
        String msg = String.valueOf(e.getMessage());
        int port = address.getPort();
        if (msg.contains("ermission") || msg.contains("denied")) {
            return "Cannot listen for " + name + " on " + hostPort(address) + ": permission denied. Ports below 1024 need"
                    + " root, or grant the JDK the capability once: sudo setcap cap_net_bind_service=+ep \"$(readlink -f"
                    + " \"$JAVA_HOME/bin/java\")\"; or choose other ports under [listen] in tegami.toml (try: tegami serve --local).";
        }
        if (msg.contains("in use")) {
            return "Cannot listen for " + name + " on " + hostPort(address) + ": the port is already in use by another"
                    + " program (find it with: ss -ltnp 'sport = :" + port + "'); stop it or change [listen] " + name
                    + " in tegami.toml.";
        }
        return "Cannot listen for " + name + " on " + hostPort(address) + ": " + msg
                + ". Check the address under [listen] in tegami.toml.";
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    public String name() {
        return name;
    }

    public TlsMode mode() {
        return mode;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (SocketException e) {
                if (closed) return;
                LOG.log(Level.WARNING, name + ": accept failed: " + e.getMessage());
                continue;
            } catch (IOException e) {
                LOG.log(Level.WARNING, name + ": accept failed: " + e.getMessage());
                continue;
            } catch (RuntimeException | Error e) {
                acceptFailed(e); // an acceptor that died would leave the port open and unanswered for good
                continue;
            }
            try {
                Thread.ofVirtual().name(name + "-" + s.getRemoteSocketAddress()).start(() -> serve(s));
            } catch (RuntimeException | Error e) {
                acceptFailed(e);
                try {
                    s.close();
                } catch (IOException ignored) {
                    // turned away
                }
            }
        }
    }

    /** Logs what broke accepting (an OutOfMemoryError, say) and pauses, so a lasting failure does not spin. */
    private void acceptFailed(Throwable e) {
        LOG.log(Level.ERROR, name + ": accepting a connection failed: " + e, e);
        try {
            Thread.sleep(100);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(Socket s) {
        var client = s.getInetAddress();
        var slot = limiter.tryAcquire(name, client, s);
        if (slot.isEmpty()) {
            try (s) {
                if (mode == TlsMode.STARTTLS && busyLine != null) {
                    s.setSoTimeout(5000);
                    s.getOutputStream().write(busyLine.getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException ignored) {
                // the client is being turned away anyway
            }
            return;
        }
        open.add(s);
        LogContext.connection(name, LogContext.newConnectionId());
        Metrics.connectionOpened(name);
        try (Connection c = new Connection(s)) {
            c.onAuthenticated(slot.get()::authenticated);
            c.onClose(slot.get()::release);
            s.setTcpNoDelay(true);
            if (mode == TlsMode.IMPLICIT) {
                c.setReadTimeout(java.time.Duration.ofSeconds(30)); // handshake must not hang a slot
                c.startTls(tls);
            }
            handler.handle(c);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, name + ": connection from " + client + " ended: " + e);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, name + ": session from " + client + " failed", e);
        } finally {
            open.remove(s);
            slot.get().release();
            Metrics.connectionClosed(name);
            LogContext.clear();
        }
    }

    /** Stops accepting and closes every open connection. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

}
