package org.tegami.queue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.tegami.store.EnvelopeParams;

/**
 * SMTP client sessions (RFC 5321 §3.3), each carrying one or more transactions: EHLO, STARTTLS whenever offered (opportunistic:
 * the certificate is not checked, RFC 7435), SIZE respected, MAIL, RCPT per recipient, DATA with dot-stuffing.
 * Returns a status per recipient. Timeouts per RFC 5321 §4.5.3.2.
 */
public final class SmtpClient {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);   // §4.5.3.2.1–3
    static final Duration DATA_END_TIMEOUT = Duration.ofMinutes(10); // §4.5.3.2.6
    private static final int MAX_REPLY_LINE = 4096;
    private static final int MAX_REPLY_LINES = 100;

    private final String hostname;
    private final SSLContext opportunistic;

    public SmtpClient(String hostname) {
        this.hostname = hostname;
        try {
            opportunistic = SSLContext.getInstance("TLS");
            opportunistic.init(null, new TrustManager[] {new AcceptAny()}, new SecureRandom());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A reply: code and full text (lines joined with a space). */
    record Reply(int code, String text) {
        boolean positive() {
            return code >= 200 && code < 400;
        }

        boolean permanent() {
            return code >= 500;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /**
     * The message to send: envelope and a source for its bytes. {@code eightBit} tells whether the text has bytes
     * above 127, so that BODY=8BITMIME is declared where the server offers it (RFC 6152 §3).
     */
    public record Outgoing(String sender, List<String> recipients, long size, MessageSource body, boolean eightBit,
                           EnvelopeParams params) {
        public Outgoing(String sender, List<String> recipients, long size, MessageSource body, boolean eightBit) {
            this(sender, recipients, size, body, eightBit, EnvelopeParams.NONE);
        }
    }

    /** Opens the message text each time it is sent (a retry re-reads it). */
    @FunctionalInterface
    public interface MessageSource {
        InputStream open() throws IOException;
    }

    /**
     * How to secure one connection. MX delivery uses {@link #OPPORTUNISTIC}; a smarthost (relay) requires TLS
     * with a verified certificate, and may log in.
     *
     * @param verified   null for opportunistic TLS; else the context whose trust decides
     * @param implicitTls TLS from the first byte (port 465, RFC 8314) instead of STARTTLS
     * @param checkName  whether the JDK checks the host name against the certificate (RFC 6125); off for DANE,
     *                   whose trust manager decides about names itself (RFC 7672 §3.1.1, §3.2.3)
     */
    public record Security(SSLContext verified, boolean requireTls, boolean implicitTls, String username, String password,
                           boolean checkName) {
        public static final Security OPPORTUNISTIC = new Security(null, false, false, null, null);

        public Security(SSLContext verified, boolean requireTls, boolean implicitTls, String username, String password) {
            this(verified, requireTls, implicitTls, username, password, true);
        }

        /** DANE (RFC 7672 §2.2): TLS required, the server judged by the TLSA records in {@code dane}'s trust manager. */
        public static Security dane(SSLContext dane) {
            return new Security(dane, true, false, null, null, false);
        }
    }

    /** Delivers to the server at {@code address}; every recipient gets a status, never an exception. */
    public Map<String, DeliveryStatus> send(String host, InetSocketAddress address, Outgoing m) {
        return send(host, address, m, Security.OPPORTUNISTIC);
    }

    /** One connection for one message: open, one transaction, QUIT. */
    public Map<String, DeliveryStatus> send(String host, InetSocketAddress address, Outgoing m, Security sec) {
        Opened o = open(host, address, sec);
        if (o.session() == null) return all(m, o.failure(), new LinkedHashMap<>());
        try (Session s = o.session()) {
            return s.send(m);
        }
    }

    /**
     * The outcome of opening a session: a session ready for MAIL, or the status every recipient of a message
     * would get (refused greeting, TLS required but not offered, relay login refused, connection failure).
     */
    public record Opened(Session session, DeliveryStatus failure, boolean serviceClosing) {
        Opened(Session session, DeliveryStatus failure) {
            this(session, failure, false);
        }
    }

    /**
     * Connects, reads the greeting, says EHLO (HELO if refused), upgrades with STARTTLS when offered (or
     * implicit TLS), and logs in to a relay. Never throws: a failure is returned as a status.
     */
    public Opened open(String host, InetSocketAddress address, Security sec) {
        Socket plain = new Socket();
        try {
            plain.connect(address, (int) CONNECT_TIMEOUT.toMillis());
            plain.setSoTimeout((int) COMMAND_TIMEOUT.toMillis());
            Conn c = new Conn(sec.implicitTls() ? tls(plain, host, address, sec) : plain);
            Reply greeting = c.read();
            if (!greeting.positive()) return refused(plain, c, fail(host, greeting), greeting);
            Map<String, String> ext = ehlo(c);
            if (ext == null) {
                c.send("HELO " + hostname);
                Reply r = c.read();
                if (!r.positive()) return refused(plain, c, fail(host, r), r);
                ext = Map.of();
            }
            if (!sec.implicitTls() && ext.containsKey("STARTTLS")) {
                c.send("STARTTLS");
                Reply r = c.read();
                if (r.code() == 220) {
                    c = new Conn(tls(plain, host, address, sec));
                    ext = ehlo(c);
                    if (ext == null) return refused(plain, c, new DeliveryStatus.TempFailed(host + ": EHLO failed after STARTTLS"), null);
                }
            }
            if (sec.requireTls() && !(c.socket instanceof SSLSocket)) {
                // Never send credentials or relayed mail in clear text to a relay that should speak TLS.
                return refused(plain, c, new DeliveryStatus.TempFailed(host + " does not offer STARTTLS, which "
                        + (sec.checkName() ? "the relay settings or MTA-STS require" : "its DANE TLSA records require (RFC 7672 §2.2)")), null);
            }
            if (sec.username() != null) {
                String ir = java.util.Base64.getEncoder().encodeToString(
                        ("\0" + sec.username() + "\0" + sec.password()).getBytes(StandardCharsets.UTF_8));
                c.send("AUTH PLAIN " + ir); // RFC 4954 §4 with an initial response (RFC 4616)
                Reply r = c.read();
                if (r.code() != 235) {
                    // A refused login is a configuration problem the operator can fix: keep the mail and retry.
                    return refused(plain, c, new DeliveryStatus.TempFailed(host + ": relay login failed: " + r.text()), r);
                }
            }
            return new Opened(new Session(host, address, sec, c, ext), null);
        } catch (IOException e) {
            closeQuietly(plain);
            return new Opened(null, connectionFailure(host, address, e));
        }
    }

    /** Ends a session that cannot carry mail: QUIT when the server still listens, then close. */
    private static Opened refused(Socket plain, Conn c, DeliveryStatus failure, Reply last) {
        if (last == null || last.code() != 421) {
            try {
                c.send("QUIT");
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        closeQuietly(c.socket);
        closeQuietly(plain);
        return new Opened(null, failure, last != null && last.code() == 421);
    }

    private static DeliveryStatus connectionFailure(String host, InetSocketAddress address, IOException e) {
        return new DeliveryStatus.TempFailed(host + " [" + address.getAddress().getHostAddress() + "]: "
                + e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /**
     * An open SMTP session after EHLO (and STARTTLS, login) that carries one mail transaction after another
     * (RFC 5321 §3.3), separated by RSET (§4.1.1.5). Used by one thread at a time. After a connection error,
     * a 421 or a reply out of step, {@link #usable()} is false and the session must be closed.
     */
    public final class Session implements AutoCloseable {
        private final String host;
        private final InetSocketAddress address;
        private final Security security;
        private final Conn c;
        private final Map<String, String> ext;
        private int transactions;
        private boolean broken;
        private boolean serviceClosing;
        private long idleSince = System.nanoTime();

        private Session(String host, InetSocketAddress address, Security security, Conn c, Map<String, String> ext) {
            this.host = host;
            this.address = address;
            this.security = security;
            this.c = c;
            this.ext = ext;
        }

        public String host() {
            return host;
        }

        public InetSocketAddress address() {
            return address;
        }

        /** How the session was secured when it was opened. */
        public Security security() {
            return security;
        }

        public boolean tls() {
            return c.socket instanceof SSLSocket;
        }

        /** The EHLO keywords (upper case) with their parameters; empty after HELO. */
        public Map<String, String> extensions() {
            return ext;
        }

        /** Mail transactions started on this session. */
        public int transactions() {
            return transactions;
        }

        /** False once the connection failed, the server said 421 or the dialogue fell out of step. */
        public boolean usable() {
            return !broken && !c.socket.isClosed();
        }

        /** Whether the server answered 421 (RFC 5321 §3.8: it is closing the transmission channel). */
        public boolean serviceClosing() {
            return serviceClosing;
        }

        /** Nanos ({@link System#nanoTime}) since which the session has been idle. */
        long idleSince() {
            return idleSince;
        }

        /**
         * RSET before a further transaction (RFC 5321 §4.1.1.5), which also shows whether the server still
         * listens; false means the session is not usable.
         */
        public boolean reset() {
            try {
                c.send("RSET");
                Reply r = read();
                if (r.code() != 250) broken = true;
            } catch (IOException e) {
                broken = true;
            }
            return !broken;
        }

        /** One mail transaction; every recipient gets a status, never an exception. */
        public Map<String, DeliveryStatus> send(Outgoing m) {
            Map<String, DeliveryStatus> out = new LinkedHashMap<>();
            transactions++;
            try {
                return transaction(m, out);
            } catch (IOException e) {
                broken = true;
                DeliveryStatus t = connectionFailure(host, address, e);
                for (String r : m.recipients()) out.putIfAbsent(r, t);
                return out;
            } finally {
                idleSince = System.nanoTime();
            }
        }

        private Reply read() throws IOException {
            Reply r = c.read();
            if (r.code() == 421) {
                broken = true;
                serviceClosing = true;
            }
            return r;
        }

        private Map<String, DeliveryStatus> transaction(Outgoing m, Map<String, DeliveryStatus> out) throws IOException {
            c.socket.setSoTimeout((int) COMMAND_TIMEOUT.toMillis());
            String size = ext.get("SIZE");
            if (size != null && !size.isBlank() && size.chars().allMatch(Character::isDigit) && size.length() < 19
                    && Long.parseLong(size) > 0 && m.size() > Long.parseLong(size)) {
                return all(m, new DeliveryStatus.PermFailed("552 5.3.4 message too big for " + host
                        + " (limit " + size + " bytes)", host), out);
            }
            EnvelopeParams p = m.params();
            if (p.requireTls()) {
                // RFC 8689 §4.2.1: TLS with an authenticated server (PKIX with the host name, or DANE) that offers
                // REQUIRETLS after TLS; else nothing of the message is sent here
                if (!tls() || security.verified() == null) {
                    return all(m, new DeliveryStatus.PermFailed("550 5.7.30 REQUIRETLS: the session with " + host
                            + " is not TLS with a verified certificate", host), out);
                }
                if (!ext.containsKey("REQUIRETLS")) {
                    return all(m, new DeliveryStatus.PermFailed("550 5.7.30 REQUIRETLS support required: " + host
                            + " does not offer REQUIRETLS", host), out);
                }
            }
            boolean utf8 = !isAscii(m.sender()) || m.recipients().stream().anyMatch(r -> !isAscii(r));
            if (utf8 && !ext.containsKey("SMTPUTF8")) {
                // RFC 6531 §3.2: no SMTPUTF8 at the server means a non-ASCII address cannot be delivered there.
                return all(m, new DeliveryStatus.PermFailed("553 5.6.7 " + host + " does not support SMTPUTF8", host), out);
            }
            // RFC 3461 §5.2.1: a next hop that supports DSN gets the sender's DSN parameters as they came
            boolean dsn = ext.containsKey("DSN");
            String mailFrom = "MAIL FROM:<" + m.sender() + ">" + (ext.containsKey("SIZE") ? " SIZE=" + m.size() : "")
                    + (m.eightBit() && ext.containsKey("8BITMIME") ? " BODY=8BITMIME" : "") + (utf8 ? " SMTPUTF8" : "")
                    + (dsn && p.ret().isPresent() ? " RET=" + p.ret().get() : "")
                    + (dsn && p.envid().isPresent() ? " ENVID=" + EnvelopeParams.xtext(p.envid().get()) : "")
                    + (p.requireTls() ? " REQUIRETLS" : ""); // RFC 8689 §4.2.1: relayed as it came
            boolean chunking = ext.containsKey("CHUNKING");
            List<String> accepted = new ArrayList<>();
            Reply mail;
            Reply data = null;
            if (ext.containsKey("PIPELINING")) {
                // RFC 2920 §3.1: MAIL, every RCPT and (unless we use BDAT) DATA in one group, replies read in order.
                StringBuilder group = new StringBuilder(mailFrom).append("\r\n");
                for (String rcpt : m.recipients()) group.append(rcptTo(rcpt, p, dsn)).append("\r\n");
                if (!chunking) group.append("DATA\r\n");
                c.sendRaw(group.toString());
                mail = read();
                for (String rcpt : m.recipients()) {
                    Reply r = read();
                    if (!mail.positive()) continue;
                    if (r.positive()) accepted.add(rcpt);
                    else out.put(rcpt, fail(host, r));
                }
                if (!chunking) data = read();
                if (!mail.positive()) {
                    if (data != null && data.code() == 354) {
                        broken = true; // should not happen; keep in step and do not reuse the session
                        c.sendRaw(".\r\n");
                    }
                    return all(m, fail(host, mail), out);
                }
            } else {
                c.send(mailFrom);
                mail = read();
                if (!mail.positive()) return all(m, fail(host, mail), out);
                for (String rcpt : m.recipients()) {
                    c.send(rcptTo(rcpt, p, dsn));
                    Reply r = read();
                    if (r.positive()) accepted.add(rcpt);
                    else out.put(rcpt, fail(host, r));
                }
            }
            if (accepted.isEmpty()) {
                if (data != null && data.code() == 354) {
                    broken = true;
                    c.sendRaw(".\r\n"); // a server that said 354 without recipients gets an empty message ended
                    c.read();
                }
                return out;
            }
            if (chunking) {
                // RFC 3030: the whole message in one chunk, sent as it is stored (no dot-stuffing).
                c.sendRaw("BDAT " + m.size() + " LAST\r\n");
                try (InputStream in = m.body().open()) {
                    c.sendExactly(in, m.size());
                }
            } else {
                if (data == null) {
                    c.send("DATA");
                    data = read();
                }
                if (data.code() != 354) {
                    Reply d = data;
                    accepted.forEach(r -> out.put(r, fail(host, d)));
                    return out;
                }
                try (InputStream in = m.body().open()) {
                    c.sendDotStuffed(in);
                }
            }
            c.socket.setSoTimeout((int) DATA_END_TIMEOUT.toMillis());
            Reply done = read();
            c.socket.setSoTimeout((int) COMMAND_TIMEOUT.toMillis());
            DeliveryStatus st = done.positive() ? new DeliveryStatus.Delivered(host, done.text(), dsn) : fail(host, done);
            accepted.forEach(r -> out.put(r, st));
            return out;
        }

        /** RCPT with the recipient's NOTIFY and ORCPT when the next hop supports DSN (RFC 3461 §5.2.1). */
        private static String rcptTo(String rcpt, EnvelopeParams p, boolean dsn) {
            StringBuilder sb = new StringBuilder("RCPT TO:<").append(rcpt).append('>');
            if (!dsn) return sb.toString();
            EnvelopeParams.Rcpt r = p.recipient(rcpt);
            if (r.notifyOn().isPresent()) sb.append(" NOTIFY=").append(r.notifyText());
            if (r.orcpt().isPresent()) sb.append(" ORCPT=").append(r.orcptType().get()).append(';').append(EnvelopeParams.xtext(r.orcpt().get()));
            return sb.toString();
        }

        /** QUIT (unless the connection is already gone) and close. */
        @Override
        public void close() {
            if (!broken && !c.socket.isClosed()) {
                try {
                    c.send("QUIT");
                    c.socket.setSoTimeout(2000);
                    c.read();
                } catch (IOException ignored) {
                    // the mail is delivered or not; a lost QUIT changes nothing
                }
            }
            broken = true;
            closeQuietly(c.socket);
        }
    }

    private SSLSocket tls(Socket plain, String host, InetSocketAddress address, Security sec) throws IOException {
        SSLContext ctx = sec.verified() != null ? sec.verified() : opportunistic;
        SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(plain, host, address.getPort(), true);
        tls.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        var params = tls.getSSLParameters();
        if (sec.verified() != null && sec.checkName()) params.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 6125
        sni(params, host);
        tls.setSSLParameters(params);
        tls.startHandshake();
        return tls;
    }

    /** RFC 7672 §8.1: the client sends SNI with the MX host name (DANE-TA servers may choose a chain by it). */
    private static void sni(javax.net.ssl.SSLParameters params, String host) {
        try {
            if (host.indexOf('.') > 0 && !host.startsWith("[")) params.setServerNames(List.of(new javax.net.ssl.SNIHostName(host)));
        } catch (IllegalArgumentException e) {
            // not a valid SNI host name (an address literal): none is sent
        }
    }

    private Map<String, String> ehlo(Conn c) throws IOException {
        c.send("EHLO " + hostname);
        Reply r = c.read();
        if (!r.positive()) return null;
        Map<String, String> ext = new LinkedHashMap<>();
        for (String line : c.lastLines.subList(1, c.lastLines.size())) {
            String[] kv = line.split(" ", 2);
            ext.put(kv[0].toUpperCase(Locale.ROOT), kv.length > 1 ? kv[1] : "");
        }
        return ext;
    }

    private static DeliveryStatus fail(String host, Reply r) {
        return r.permanent() ? new DeliveryStatus.PermFailed(r.text(), host)
                : new DeliveryStatus.TempFailed(host + ": " + r.text());
    }

    private static Map<String, DeliveryStatus> all(Outgoing m, DeliveryStatus s, Map<String, DeliveryStatus> out) {
        for (String r : m.recipients()) out.put(r, s);
        return out;
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(ch -> ch < 0x80);
    }

    /** Buffered reply reader and command writer over one socket. */
    private static final class Conn {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        List<String> lastLines = List.of();

        Conn(Socket s) throws IOException {
            socket = s;
            in = new BufferedInputStream(s.getInputStream());
            out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
        }

        void send(String command) throws IOException {
            sendRaw(command + "\r\n");
        }

        void sendRaw(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Sends exactly {@code size} bytes of {@code in}; fewer means the stored message changed size: an error. */
        void sendExactly(InputStream in, long size) throws IOException {
            byte[] buf = new byte[16 * 1024];
            long left = size;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) throw new IOException("message shorter than its recorded size");
                out.write(buf, 0, n);
                left -= n;
            }
            out.flush();
        }

        /** Reads a (multi-line) reply, bounded in line length and count. */
        Reply read() throws IOException {
            List<String> lines = new ArrayList<>();
            int code;
            while (true) {
                String line = readLine();
                if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)) {
                    throw new IOException("malformed reply: " + line);
                }
                code = Integer.parseInt(line.substring(0, 3));
                lines.add(line.length() > 4 ? line.substring(4) : "");
                if (line.length() == 3 || line.charAt(3) == ' ') break;
                if (lines.size() > MAX_REPLY_LINES) throw new IOException("reply too long");
            }
            lastLines = lines;
            return new Reply(code, code + " " + String.join(" ", lines));
        }

        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int b = in.read();
                if (b < 0) throw new IOException("connection closed by server");
                if (b == '\n') break;
                if (sb.length() >= MAX_REPLY_LINE) throw new IOException("reply line too long");
                sb.append((char) b);
            }
            int n = sb.length();
            if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
            return sb.toString();
        }

        /** RFC 5321 §4.5.2: a leading dot is doubled; the data ends with CRLF.CRLF. */
        void sendDotStuffed(InputStream body) throws IOException {
            byte[] buf = new byte[16 * 1024];
            boolean lineStart = true;
            for (int n; (n = body.read(buf)) > 0; ) {
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (lineStart && buf[i] == '.') {
                        out.write(buf, from, i - from);
                        out.write('.');
                        from = i;
                    }
                    lineStart = buf[i] == '\n';
                }
                out.write(buf, from, n - from);
            }
            if (!lineStart) out.write(new byte[] {'\r', '\n'});
            out.write(new byte[] {'.', '\r', '\n'});
            out.flush();
        }
    }

    /** Opportunistic TLS (RFC 7435): encrypt even when the certificate cannot be verified. */
    private static final class AcceptAny implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
