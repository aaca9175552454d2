package org.tegami.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * Replays a {@link Transcript} against live listeners and throws {@link AssertionError} at the first difference.
 *
 * <p>Not thread-safe: one runner replays one transcript at a time. Every read times out after 5 s.
 */
public final class TranscriptRunner {

    /** Listener names whose connections are TLS from the first byte unless the caller says otherwise. */
    public static final Set<String> DEFAULT_IMPLICIT_TLS = Set.of("submissions", "smtps", "imaps", "pop3s", "https");

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_LINE = 1 << 20;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\*|[A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([A-Za-z][A-Za-z0-9]*)>");

    private final Map<String, InetSocketAddress> ports;
    private final Set<String> implicitTls;
    private final SSLContext tls;
    private final Admin admin;

    /** Uses {@link #DEFAULT_IMPLICIT_TLS} to decide which listeners handshake at connect. */
    public TranscriptRunner(Map<String, InetSocketAddress> ports, SSLContext trustAllClient) {
        this(ports, DEFAULT_IMPLICIT_TLS, trustAllClient);
    }

    public TranscriptRunner(Map<String, InetSocketAddress> ports, Set<String> implicitTls, SSLContext trustAllClient) {
        this(ports, implicitTls, trustAllClient, null);
    }

    private TranscriptRunner(Map<String, InetSocketAddress> ports, Set<String> implicitTls, SSLContext trustAllClient,
                             Admin admin) {
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("no listeners");
        }
        this.ports = Map.copyOf(ports);
        this.implicitTls = Set.copyOf(implicitTls);
        this.tls = trustAllClient;
        this.admin = admin;
    }

    /** Carries out a transcript's {@code ADMIN:} lines (placeholders already substituted). */
    @FunctionalInterface
    public interface Admin {
        void run(String command) throws Exception;
    }

    /** The same runner, with {@code ADMIN:} lines carried out by {@code admin}. */
    public TranscriptRunner withAdmin(Admin admin) {
        return new TranscriptRunner(ports, implicitTls, tls, admin);
    }

    /** Replays {@code t}; returns the captured variables so a test can look the server's state up afterwards. */
    public Map<String, String> run(Transcript t) {
        try (var run = new Run(t)) {
            run.execute();
            return Map.copyOf(run.vars);
        }
    }

    /** State of one replay: open connections and captured variables. */
    private final class Run implements AutoCloseable {
        final Transcript t;
        final Map<String, Conn> sessions = new LinkedHashMap<>();
        final Map<String, String> vars = new HashMap<>();
        Conn current;
        int line;

        Run(Transcript t) {
            this.t = t;
        }

        void execute() {
            List<Step> steps = t.steps();
            if (steps.isEmpty()) {
                return;
            }
            if (!(steps.getFirst() instanceof Step.Session)) {
                line = steps.getFirst().line();
                current = open("a", t.port().orElse(null));
            }
            for (Step s : steps) {
                line = s.line();
                try {
                    step(s);
                } catch (SocketTimeoutException e) {
                    throw fail("timed out after " + TIMEOUT.toSeconds() + " s", null, current.partial());
                } catch (IOException e) {
                    throw fail("I/O error: " + e, null, null);
                }
            }
            for (Conn c : sessions.values()) {
                if (c.buffered() > 0) {
                    current = c;
                    throw fail("unexpected data left unread at end of transcript", null, c.peekBuffered());
                }
            }
        }

        private void step(Step s) throws IOException {
            switch (s) {
                case Step.Send send -> current.write((substitute(send.text()) + "\r\n").getBytes(StandardCharsets.UTF_8));
                case Step.SendRaw raw -> current.write(Transcript.unescape(substitute(raw.text())));
                case Step.Expect e -> {
                    String got = current.readLine(this);
                    if (!match(e, got)) {
                        throw fail("line differs", describe(e), got);
                    }
                }
                case Step.Unordered u -> unordered(u);
                case Step.StartTls ignored -> {
                    if (current.buffered() > 0) {
                        throw fail("server sent data before the TLS handshake", "(nothing)", current.peekBuffered());
                    }
                    current.startTls(tls);
                }
                case Step.Session sess -> {
                    Conn c = sessions.get(sess.name());
                    if (c == null) {
                        c = open(sess.name(), sess.port());
                    } else if (sess.port() != null && !sess.port().equals(c.port)) {
                        throw fail("session " + sess.name() + " is already open on " + c.port, null, null);
                    }
                    current = c;
                }
                case Step.Close close -> {
                    Conn c = sessions.remove(close.name());
                    if (c == null) {
                        throw fail("no open session " + close.name() + " to close", null, null);
                    }
                    c.drop();
                }
                case Step.Admin a -> {
                    if (admin == null) throw fail("ADMIN: lines need a runner made withAdmin(...)", null, null);
                    try {
                        admin.run(substitute(a.command()));
                    } catch (Exception e) {
                        throw fail("ADMIN: " + a.command() + " failed: " + e, null, null);
                    }
                }
                case Step.Closed ignored -> {
                    String got = current.expectEof();
                    if (got != null) {
                        throw fail("expected the server to close the connection", "EOF", got);
                    }
                }
            }
        }

        private void unordered(Step.Unordered u) throws IOException {
            List<Step.Expect> pending = new ArrayList<>(u.lines());
            while (!pending.isEmpty()) {
                String got = current.readLine(this);
                Step.Expect hit = null;
                for (Step.Expect e : pending) {
                    if (match(e, got)) {
                        hit = e;
                        break;
                    }
                }
                if (hit == null) {
                    line = pending.getFirst().line();
                    StringBuilder want = new StringBuilder("one of:");
                    pending.forEach(e -> want.append("\n    ").append(describe(e)));
                    throw fail("line matches none of the pending UNORDERED lines", want.toString(), got);
                }
                pending.remove(hit);
            }
        }

        private boolean match(Step.Expect e, String got) {
            if (e.regex()) {
                String regex = e.text();
                Matcher m = Pattern.compile(regex).matcher(got);
                if (!m.matches()) {
                    return false;
                }
                Matcher g = GROUP_NAME.matcher(regex);
                while (g.find()) {
                    vars.put(g.group(1), m.group(g.group(1)));
                }
                return true;
            }
            List<String> captured = new ArrayList<>();
            Matcher m = Pattern.compile(toRegex(e.text(), captured)).matcher(got);
            if (!m.matches()) {
                return false;
            }
            for (int i = 0; i < captured.size(); i++) {
                vars.put(captured.get(i), m.group(i + 1));
            }
            return true;
        }

        /** Exact text with {@code {*}} as "anything", bound names as their value, unbound names as a token. */
        private String toRegex(String text, List<String> captured) {
            StringBuilder re = new StringBuilder();
            Matcher p = PLACEHOLDER.matcher(text);
            int last = 0;
            while (p.find()) {
                re.append(Pattern.quote(text.substring(last, p.start())));
                String name = p.group(1);
                if (name.equals("*")) {
                    re.append(".*");
                } else if (vars.containsKey(name)) {
                    re.append(Pattern.quote(vars.get(name)));
                } else if (captured.contains(name)) {
                    re.append("\\").append(captured.indexOf(name) + 1);
                } else {
                    captured.add(name);
                    re.append("(\\S+)");
                }
                last = p.end();
            }
            re.append(Pattern.quote(text.substring(last)));
            return re.toString();
        }

        private String substitute(String text) {
            Matcher p = PLACEHOLDER.matcher(text);
            StringBuilder out = new StringBuilder();
            while (p.find()) {
                String name = p.group(1);
                String value = vars.get(name);
                if (value == null) {
                    throw fail("client line uses {" + name + "}, which no earlier server line captured", null, null);
                }
                p.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            p.appendTail(out);
            return out.toString();
        }

        private String describe(Step.Expect e) {
            return (e.regex() ? "S~ " : "S: ") + e.text();
        }

        private Conn open(String name, String port) {
            String listener = port;
            if (listener == null) {
                if (ports.size() != 1) {
                    throw fail("no port given (header `port:` or SESSION port=) and several listeners: "
                            + ports.keySet(), null, null);
                }
                listener = ports.keySet().iterator().next();
            }
            InetSocketAddress addr = ports.get(listener);
            if (addr == null) {
                throw fail("unknown listener '" + listener + "', known: " + ports.keySet(), null, null);
            }
            try {
                Conn c = new Conn(name, listener, addr, implicitTls.contains(listener) ? tls : null);
                sessions.put(name, c);
                return c;
            } catch (IOException e) {
                throw fail("cannot connect to " + listener + " " + addr + ": " + e, null, null);
            }
        }

        AssertionError fail(String what, String expected, String actual) {
            StringBuilder sb = new StringBuilder();
            sb.append("transcript ").append(t.name()).append(" failed at line ").append(line).append(": ").append(what);
            if (current != null) {
                sb.append(" (session ").append(current.name).append(')');
            }
            sb.append('\n');
            if (expected != null) {
                sb.append("  expected: ").append(expected).append('\n');
            }
            if (actual != null) {
                sb.append("  actual:   ").append(visible(actual)).append('\n');
            }
            sb.append("--- transcript ---\n");
            List<String> src = t.sourceLines();
            for (int i = 0; i < src.size(); i++) {
                sb.append(i + 1 == line ? ">>> " : "    ").append(String.format("%3d  ", i + 1)).append(src.get(i)).append('\n');
            }
            if (current != null && !current.received.isEmpty()) {
                sb.append("--- last lines received in session ").append(current.name).append(" ---\n");
                current.received.forEach(r -> sb.append("    ").append(visible(r)).append('\n'));
            }
            return new AssertionError(sb.toString());
        }

        @Override
        public void close() {
            sessions.values().forEach(Conn::close);
        }
    }

    private static String visible(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp == '\r') {
                sb.append("\\r");
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp < 0x20 || cp == 0x7f) {
                sb.append(String.format("\\x%02X", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    /** One client connection with its own read buffer, so nothing is lost across a TLS upgrade check. */
    private static final class Conn {
        final String name;
        final String port;
        final InetSocketAddress addr;
        final Deque<String> received = new ArrayDeque<>();
        Socket socket;
        InputStream in;
        OutputStream out;
        final byte[] buf = new byte[8192];
        int pos;
        int limit;
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        Conn(String name, String port, InetSocketAddress addr, SSLContext implicit) throws IOException {
            this.name = name;
            this.port = port;
            this.addr = addr;
            Socket s = implicit != null ? implicit.getSocketFactory().createSocket() : new Socket();
            s.connect(addr, (int) TIMEOUT.toMillis());
            s.setSoTimeout((int) TIMEOUT.toMillis());
            s.setTcpNoDelay(true);
            if (s instanceof SSLSocket ssl) {
                ssl.startHandshake();
            }
            attach(s);
        }

        private void attach(Socket s) throws IOException {
            socket = s;
            in = s.getInputStream();
            out = s.getOutputStream();
        }

        void startTls(SSLContext ctx) throws IOException {
            SSLSocket ssl = (SSLSocket) ctx.getSocketFactory()
                    .createSocket(socket, addr.getHostString(), addr.getPort(), true);
            ssl.setUseClientMode(true);
            ssl.setSoTimeout((int) TIMEOUT.toMillis());
            ssl.startHandshake();
            attach(ssl);
        }

        void write(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        int buffered() {
            return limit - pos;
        }

        String peekBuffered() {
            return new String(buf, pos, limit - pos, StandardCharsets.UTF_8);
        }

        String partial() {
            return partial.size() == 0 ? "(nothing)" : "(partial) " + partial.toString(StandardCharsets.UTF_8);
        }

        private boolean fill() throws IOException {
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                return false;
            }
            pos = 0;
            limit = n;
            return true;
        }

        /** Reads one CRLF-terminated line; fails on EOF, bare LF or an over-long line. */
        String readLine(Run run) throws IOException {
            partial.reset();
            while (true) {
                if (pos == limit && !fill()) {
                    throw run.fail("connection closed by server", null, partial());
                }
                byte b = buf[pos++];
                if (b == '\n') {
                    byte[] bytes = partial.toByteArray();
                    if (bytes.length == 0 || bytes[bytes.length - 1] != '\r') {
                        throw run.fail("server line ends with a bare LF", null, partial.toString(StandardCharsets.UTF_8) + "\n");
                    }
                    String l = new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
                    partial.reset();
                    received.addLast(l);
                    if (received.size() > 20) {
                        received.removeFirst();
                    }
                    return l;
                }
                partial.write(b);
                if (partial.size() > MAX_LINE) {
                    throw run.fail("server line longer than " + MAX_LINE + " bytes", null, null);
                }
            }
        }

        /** Returns null on EOF (or reset), else the data the server sent instead. */
        String expectEof() throws IOException {
            if (pos < limit) {
                return peekBuffered();
            }
            try {
                int n = in.read(buf, 0, buf.length);
                return n < 0 ? null : new String(buf, 0, n, StandardCharsets.UTF_8);
            } catch (SocketTimeoutException e) {
                return "(no EOF within " + TIMEOUT.toSeconds() + " s)";
            } catch (SocketException | SSLException e) {
                // A server that closes with unread client bytes in its buffer makes the kernel send RST;
                // a TLS peer may close without close_notify.
                return null;
            }
        }

        /**
         * Drops the connection without a goodbye, and waits (up to 10 s) until the server has closed its side: so
         * what the server does when a client vanishes (a POP3 maildrop unlocked, an IMAP session's state released)
         * has happened before the next step, however slow the machine is.
         */
        void drop() {
            try {
                socket.shutdownOutput(); // the server reads end-of-stream (TLS: close_notify), as when a client dies
                socket.setSoTimeout(10_000);
                java.io.InputStream in = socket.getInputStream();
                byte[] buf = new byte[4096];
                while (in.read(buf) >= 0) {
                    // whatever the server still sends before it closes
                }
            } catch (IOException | UnsupportedOperationException e) {
                // the server closed first, or the socket cannot half-close: fall back to a plain close
            } finally {
                close();
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a test connection; nothing to recover
            }
        }
    }
}
