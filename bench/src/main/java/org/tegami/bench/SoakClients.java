package org.tegami.bench;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * The client behaviours of {@link SoakBench}. Honest clients connect from 127.0.0.1 and time every operation;
 * abusive ones take their source address from 127.0.0.2 … 127.0.0.250 in turn and count what the server does to
 * them. Every loop ends at the deadline; every pause is bounded.
 */
final class SoakClients {
    static final String HONEST_IP = "127.0.0.1";
    static final String DOMAIN = "example.test";
    static final String PASSWORD = "soak-password-1";
    static final String MALLORY = "mallory@" + DOMAIN;
    static final String VICTIM = "victim@" + DOMAIN;
    /** Think time of honest clients between operations, milliseconds (uniform). */
    static final int THINK_MIN = 1000;
    static final int THINK_MAX = 3000;
    private static final int HONEST_TIMEOUT = 60_000;

    final int smtp;
    final int submission;
    final int imaps;
    final int pop3s;
    final long deadline;
    final SoakStats stats;
    final List<String> imapUsers;
    final List<String> popUsers;
    final List<String> allUsers;
    /** Acknowledged message ids (SMTP 250 after DATA, IMAP APPEND OK) and the user they were for. */
    final Map<String, String> smtpAcked = new ConcurrentHashMap<>();
    final Map<String, String> appendAcked = new ConcurrentHashMap<>();
    private final AtomicInteger nextAbusiveIp = new AtomicInteger();
    /** Literal floods whose huge literal the server accepted (+) and that are holding it open right now. */
    final AtomicInteger appendLiteralsHeld = new AtomicInteger();
    final AtomicInteger otherLiteralsHeld = new AtomicInteger();
    private static final byte[] HALF_CLIENT_HELLO = halfClientHello();

    SoakClients(int smtp, int submission, int imaps, int pop3s, long deadline, SoakStats stats, List<String> imapUsers,
                List<String> popUsers) {
        this.smtp = smtp;
        this.submission = submission;
        this.imaps = imaps;
        this.pop3s = pop3s;
        this.deadline = deadline;
        this.stats = stats;
        this.imapUsers = imapUsers;
        this.popUsers = popUsers;
        this.allUsers = new java.util.ArrayList<>(imapUsers);
        allUsers.addAll(popUsers);
    }

    boolean running() {
        return System.nanoTime() < deadline;
    }

    long leftMs() {
        return Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
    }

    /** Sleeps up to {@code ms}, never past the deadline. */
    void pause(long ms) {
        long t = Math.min(ms, leftMs());
        if (t <= 0) return;
        try {
            Thread.sleep(t);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void think(Random r) {
        pause(THINK_MIN + r.nextInt(THINK_MAX - THINK_MIN));
    }

    String abusiveIp() {
        return "127.0.0." + (2 + Math.floorMod(nextAbusiveIp.getAndIncrement(), 249));
    }

    // ---------------------------------------------------------------- honest

    /** An operation already counted as an error; the session ends and the client reconnects. */
    private static final class Counted extends IOException {
        private static final long serialVersionUID = 1L;

        Counted(String m) {
            super(m);
        }
    }

    @FunctionalInterface
    interface IoCall<T> {
        T call() throws IOException;
    }

    private <T> T timed(String op, IoCall<T> c) throws IOException {
        long t0 = System.nanoTime();
        try {
            T v = c.call();
            stats.ok(op, System.nanoTime() - t0);
            return v;
        } catch (Counted e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            if (running()) stats.error(op, e.getClass().getSimpleName() + ": " + e.getMessage());
            throw new Counted(op + ": " + e);
        }
    }

    /** Loop body wrapper: an uncounted failure (outside any timed operation) is counted under {@code proto}-OTHER. */
    private void session(String proto, Random r, IoCall<Void> body) {
        try {
            body.call();
        } catch (Counted e) {
            pause(1000 + r.nextInt(2000));
        } catch (IOException | RuntimeException e) {
            if (running()) {
                stats.error(proto + "-OTHER", e.getClass().getSimpleName() + ": " + e.getMessage());
                pause(1000 + r.nextInt(2000));
            }
        }
    }

    /** Reads IMAP responses to the tagged one, skipping literals; updates {@code exists} from untagged EXISTS. */
    static String imapResponse(SoakWire w, String tag, int[] exists) throws IOException {
        while (true) {
            String l = w.line();
            while (l.endsWith("}")) {
                int o = l.lastIndexOf('{');
                if (o < 0) break;
                String n = l.substring(o + 1, l.length() - 1).replace("+", "");
                if (n.isEmpty() || !n.chars().allMatch(Character::isDigit)) break;
                w.skip(Long.parseLong(n));
                l = l.substring(0, o) + "<literal>" + w.line();
            }
            if (l.startsWith(tag + " ")) return l;
            if (exists != null && l.startsWith("* ") && l.endsWith(" EXISTS")) {
                exists[0] = Integer.parseInt(l.substring(2, l.length() - 7));
            }
        }
    }

    private static String imapOk(SoakWire w, String tag, String command, int[] exists) throws IOException {
        w.send(tag + " " + command + "\r\n");
        String r = imapResponse(w, tag, exists);
        if (!r.startsWith(tag + " OK")) throw new IOException("server said: " + r);
        return r;
    }

    void honestImap(int id) {
        Random r = new Random(id * 7919L);
        String user = imapUsers.get(id % imapUsers.size());
        int appends = 0;
        pause(r.nextInt(rampMs()));
        while (running()) {
            int a = appends;
            int[] done = {0};
            session("IMAP", r, () -> {
                try (SoakWire w = timed("IMAP-CONNECT", () -> {
                    SoakWire c = SoakWire.connect(true, HONEST_IP, imaps, true, 0, HONEST_TIMEOUT);
                    try {
                        String g = c.line();
                        if (!g.startsWith("* OK")) throw new IOException("greeting: " + g);
                    } catch (IOException e) {
                        c.close();
                        throw e;
                    }
                    return c;
                })) {
                    int[] exists = {0};
                    timed("IMAP-LOGIN", () -> imapOk(w, "a", "LOGIN " + user + " " + PASSWORD, null));
                    timed("IMAP-SELECT", () -> imapOk(w, "b", "SELECT INBOX", exists));
                    int n = 15 + r.nextInt(10);
                    for (int i = 0; i < n && running(); i++) {
                        think(r);
                        if (!running()) break;
                        switch (i % 5) {
                            case 0 -> {
                                if (exists[0] > 0) {
                                    timed("IMAP-FETCH-FLAGS", () -> imapOk(w, "c", "FETCH " + Math.max(1, exists[0] - 19)
                                            + ":* (UID FLAGS)", exists));
                                }
                            }
                            case 1 -> {
                                if (exists[0] > 0) {
                                    timed("IMAP-FETCH-BODY", () -> imapOk(w, "d", "FETCH " + (1 + r.nextInt(exists[0]))
                                            + " (UID BODY.PEEK[])", exists));
                                }
                            }
                            case 2 -> {
                                if (exists[0] > 0) {
                                    String f = r.nextBoolean() ? "+FLAGS (\\Seen \\Flagged)" : "-FLAGS (\\Flagged)";
                                    timed("IMAP-STORE", () -> imapOk(w, "e", "STORE " + (1 + r.nextInt(exists[0])) + " " + f,
                                            exists));
                                }
                            }
                            case 3 -> {
                                String mid = "imap-" + id + "-" + (a + done[0]);
                                byte[] msg = message(mid, user, "soak append " + mid, 1500);
                                timed("IMAP-APPEND", () -> {
                                    w.send("f APPEND INBOX (\\Seen) {" + msg.length + "}\r\n");
                                    String cont = w.line();
                                    if (!cont.startsWith("+")) throw new IOException("server said: " + cont);
                                    w.write(msg);
                                    w.send("\r\n");
                                    String res = imapResponse(w, "f", exists);
                                    if (!res.startsWith("f OK")) throw new IOException("server said: " + res);
                                    appendAcked.put(mid, user);
                                    return res;
                                });
                                done[0]++;
                            }
                            default -> timed("IMAP-NOOP", () -> imapOk(w, "g", "NOOP", exists));
                        }
                    }
                    if (running()) timed("IMAP-LOGOUT", () -> imapOk(w, "z", "LOGOUT", null));
                }
                return null;
            });
            appends += done[0];
            think(r);
        }
    }

    private static String smtpReply(SoakWire w) throws IOException {
        String l;
        do {
            l = w.line();
        } while (l.length() > 3 && l.charAt(3) == '-');
        return l;
    }

    private static void smtpExpect(SoakWire w, String code) throws IOException {
        String l = smtpReply(w);
        if (!l.startsWith(code)) throw new IOException("expected " + code + ", server said: " + l);
    }

    void honestSmtp(int id) {
        Random r = new Random(id * 104729L);
        int[] sent = {0};
        pause(r.nextInt(rampMs()));
        while (running()) {
            session("SMTP", r, () -> {
                try (SoakWire w = timed("SMTP-CONNECT", () -> {
                    SoakWire c = SoakWire.connect(true, HONEST_IP, smtp, false, 0, HONEST_TIMEOUT);
                    try {
                        smtpExpect(c, "220");
                        c.send("EHLO honest.soak.example\r\n");
                        smtpExpect(c, "250");
                    } catch (IOException e) {
                        c.close();
                        throw e;
                    }
                    return c;
                })) {
                    int n = 10 + r.nextInt(20);
                    for (int i = 0; i < n && running(); i++) {
                        think(r);
                        if (!running()) break;
                        String rcpt = allUsers.get(r.nextInt(allUsers.size()));
                        String mid = "smtp-" + id + "-" + sent[0]++;
                        byte[] msg = message(mid, rcpt, "soak smtp " + mid, 1000 + r.nextInt(3000));
                        timed("SMTP-DELIVER", () -> {
                            w.send("MAIL FROM:<soak@example.org>\r\nRCPT TO:<" + rcpt + ">\r\nDATA\r\n");
                            smtpExpect(w, "250");
                            smtpExpect(w, "250");
                            smtpExpect(w, "354");
                            w.write(msg);
                            w.send(".\r\n");
                            smtpExpect(w, "250");
                            smtpAcked.put(mid, rcpt);
                            return null;
                        });
                    }
                    if (running()) {
                        w.send("QUIT\r\n");
                        smtpReply(w);
                    }
                }
                return null;
            });
            think(r);
        }
    }

    private static String popOk(SoakWire w, String command) throws IOException {
        if (command != null) w.send(command + "\r\n");
        String l = w.line();
        if (!l.startsWith("+OK")) throw new IOException("server said: " + l);
        return l;
    }

    void honestPop3(int id) {
        Random r = new Random(id * 15485863L);
        String user = popUsers.get(id % popUsers.size()); // one client per maildrop: POP3 locks it
        pause(r.nextInt(rampMs()));
        while (running()) {
            session("POP3", r, () -> {
                try (SoakWire w = timed("POP3-CONNECT", () -> {
                    SoakWire c = SoakWire.connect(true, HONEST_IP, pop3s, true, 0, HONEST_TIMEOUT);
                    try {
                        popOk(c, null);
                    } catch (IOException e) {
                        c.close();
                        throw e;
                    }
                    return c;
                })) {
                    timed("POP3-LOGIN", () -> {
                        popOk(w, "USER " + user);
                        return popOk(w, "PASS " + PASSWORD);
                    });
                    think(r);
                    int count = timed("POP3-STAT", () -> Integer.parseInt(popOk(w, "STAT").split(" ")[1]));
                    for (int i = 0; i < 5 && count > 0 && running(); i++) {
                        think(r);
                        if (!running()) break;
                        int m = 1 + r.nextInt(count);
                        timed("POP3-RETR", () -> {
                            popOk(w, "RETR " + m);
                            while (!w.line().equals(".")) {
                                // message lines
                            }
                            return null;
                        });
                    }
                    if (running()) timed("POP3-QUIT", () -> popOk(w, "QUIT"));
                }
                return null;
            });
            think(r);
        }
    }

    /** A message of about {@code size} bytes whose X-Soak-Id header names it. */
    static byte[] message(String id, String to, String subject, int size) {
        StringBuilder sb = new StringBuilder(size + 300);
        sb.append("From: <soak@example.org>\r\nTo: <").append(to).append(">\r\nSubject: ").append(subject)
                .append("\r\nX-Soak-Id: ").append(id).append("\r\nMessage-ID: <").append(id).append("@soak.example>\r\n\r\n");
        String line = "soak " + id + " " + "lorem ipsum dolor sit amet ".repeat(2) + "\r\n";
        while (sb.length() < size) sb.append(line);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    int rampMs() {
        return SoakBench.RAMP_MS;
    }

    // ---------------------------------------------------------------- abusive

    @FunctionalInterface
    interface Abuse {
        /** One connection's worth of abuse; returns true if the server closed it. */
        boolean run(SoakWire w, Random r, SoakStats.Kind k) throws IOException;
    }

    /**
     * The loop of one abusive client: connect from the next abusive address, run {@code abuse}, count how the
     * connection ended, wait 1-3 s, again until the deadline.
     */
    void abusive(String kind, int id, int port, boolean tls, int receiveBuffer, Abuse abuse) {
        Random r = new Random(id * 31L + kind.hashCode());
        SoakStats.Kind k = stats.kind(kind);
        k.clients.increment();
        pause(r.nextInt(rampMs()));
        while (running()) {
            SoakWire w;
            try {
                w = SoakWire.connect(false, abusiveIp(), port, tls, receiveBuffer, 30_000);
                k.connects.increment();
            } catch (IOException e) {
                if (running()) {
                    k.connectFailed.increment();
                    SoakStats.answer(k, "connect/handshake failed: " + e.getClass().getSimpleName());
                }
                pause(1000 + r.nextInt(2000));
                continue;
            }
            boolean closedByServer;
            try {
                closedByServer = abuse.run(w, r, k);
            } catch (SocketTimeoutException e) {
                closedByServer = false;
            } catch (IOException e) {
                closedByServer = !w.isClosed(); // not us at the deadline: the server closed or reset it
            }
            long life = (System.nanoTime() - w.openedAt) / 1_000_000;
            boolean ours = w.isClosed() || !running();
            w.close();
            if (closedByServer && !ours) {
                k.closedByServer.increment();
                k.lifetimeMs.add(life);
                k.lifetimes.increment();
            } else if (!running()) {
                k.heldToTheEnd.increment();
            }
            pause(1000 + r.nextInt(2000));
        }
    }

    /** IMAP LOGIN as the attacker's own (valid) account, from an abusive address. */
    private static void malloryLogin(SoakWire w, SoakStats.Kind k) throws IOException {
        String g = w.line();
        if (!g.startsWith("* OK")) throw new IOException("greeting " + g);
        w.send("a LOGIN " + MALLORY + " " + PASSWORD + "\r\n");
        String l = imapResponse(w, "a", null);
        if (!l.startsWith("a OK")) {
            SoakStats.answer(k, "LOGIN " + l);
            throw new IOException("login refused: " + l);
        }
    }

    /** Slow reader: FETCH of a large message (mallory's INBOX 1), then reading nothing for 1-3 minutes. */
    boolean slowReader(SoakWire w, Random r, SoakStats.Kind k) throws IOException {
        malloryLogin(w, k);
        w.send("b SELECT INBOX\r\n");
        imapResponse(w, "b", null);
        w.send("c FETCH 1 (BODY.PEEK[])\r\n");
        k.attempts.increment();
        pause(60_000 + r.nextInt(120_000));
        return false;
    }

    /** Half-open TLS on 993/995: nothing, or half a ClientHello; waits for the server to give up. */
    boolean halfOpenTls(SoakWire w, Random r, SoakStats.Kind k) throws IOException {
        if (r.nextBoolean()) {
            w.write(Arrays.copyOf(HALF_CLIENT_HELLO, HALF_CLIENT_HELLO.length / 2));
            SoakStats.answer(k, "sent half a ClientHello");
        } else {
            SoakStats.answer(k, "sent nothing");
        }
        k.attempts.increment();
        return w.holdReading(Math.min(leftMs(), 600_000));
    }

    /** Idle before login (port 25 or 993): read the greeting, then say nothing until the server hangs up. */
    boolean idlePreLogin(SoakWire w, Random r, SoakStats.Kind k) throws IOException {
        w.line();
        k.attempts.increment();
        return w.holdReading(Math.min(leftMs(), 900_000));
    }

    /**
     * Literal flood: after logging in as mallory, announce a huge literal ({@code APPEND INBOX {50000000}}, or a
     * non-APPEND one: SETMETADATA, then SEARCH TEXT if that is refused), then trickle 100 bytes every 2 s or send
     * nothing, for 30-120 s.
     */
    boolean literalFlood(SoakWire w, Random r, SoakStats.Kind k, boolean append) throws IOException {
        malloryLogin(w, k);
        String[] commands = append ? new String[] {"b APPEND INBOX {50000000}"}
                : new String[] {"b SETMETADATA INBOX (/private/comment {60000000}", "c SEARCH TEXT {60000000}"};
        boolean accepted = false;
        for (String c : commands) {
            w.send(c + "\r\n");
            k.attempts.increment();
            String l = w.line();
            String verb = c.split(" ")[1];
            SoakStats.answer(k, verb + " -> " + (l.startsWith("+") ? "+ (continuation)" : l));
            if (l.startsWith("+")) {
                accepted = true;
                break;
            }
        }
        if (!accepted) return w.holdReading(Math.min(leftMs(), 5000));
        AtomicInteger gauge = append ? appendLiteralsHeld : otherLiteralsHeld;
        gauge.incrementAndGet();
        try {
            return holdLiteral(w, r);
        } finally {
            gauge.decrementAndGet();
        }
    }

    private boolean holdLiteral(SoakWire w, Random r) throws IOException {
        long hold = Math.min(leftMs(), 30_000 + r.nextInt(90_000));
        if (r.nextBoolean()) return w.holdReading(hold); // announced, then silence
        long end = System.nanoTime() + hold * 1_000_000;
        byte[] drip = "x".repeat(100).getBytes(StandardCharsets.US_ASCII);
        while (System.nanoTime() < end && running()) {
            w.write(drip);
            pause(2000);
        }
        return false;
    }

    /** Login flood: wrong passwords over IMAP, POP3 or submission (AUTH PLAIN after STARTTLS), one per 250 ms at most. */
    boolean loginFlood(SoakWire w, Random r, SoakStats.Kind k, String proto) throws IOException {
        w.line(); // greeting
        if ("submission".equals(proto)) {
            w.send("EHLO flood.example\r\n");
            smtpReply(w);
            w.send("STARTTLS\r\n");
            String l = smtpReply(w);
            if (!l.startsWith("220")) {
                SoakStats.answer(k, "STARTTLS " + l);
                return false;
            }
            w.startTls();
            w.send("EHLO flood.example\r\n");
            smtpReply(w);
        }
        for (int i = 0; running(); i++) {
            long t0 = System.nanoTime();
            String account = r.nextInt(3) == 0 ? "nobody" + r.nextInt(1000) + "@" + DOMAIN : VICTIM;
            String pw = "wrong" + r.nextInt(1_000_000);
            String answer;
            k.attempts.increment();
            switch (proto) {
                case "imap" -> {
                    w.send("a" + i + " LOGIN " + account + " " + pw + "\r\n");
                    answer = imapResponse(w, "a" + i, null);
                }
                case "pop3" -> {
                    w.send("USER " + account + "\r\n");
                    String u = w.line();
                    if (!u.startsWith("+OK")) {
                        answer = "USER " + u;
                        break;
                    }
                    w.send("PASS " + pw + "\r\n");
                    answer = w.line();
                }
                default -> {
                    String plain = Base64.getEncoder().encodeToString(("\0" + account + "\0" + pw).getBytes(StandardCharsets.UTF_8));
                    w.send("AUTH PLAIN " + plain + "\r\n");
                    answer = smtpReply(w);
                }
            }
            SoakStats.answer(k, proto + ": " + answer);
            long spent = (System.nanoTime() - t0) / 1_000_000;
            if (spent < 250) pause(250 - spent);
        }
        return false;
    }

    /** Oversized command lines: 100 KiB on IMAP, 8 KiB on SMTP 25 and POP3, repeated until the server hangs up. */
    boolean oversizedLines(SoakWire w, Random r, SoakStats.Kind k, String proto) throws IOException {
        w.line(); // greeting
        byte[] line = ((switch (proto) {
            case "imap" -> "a LOGIN " + "x".repeat(100 * 1024);
            case "smtp" -> "EHLO " + "x".repeat(8 * 1024);
            default -> "USER " + "x".repeat(8 * 1024);
        }) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        while (running()) {
            k.attempts.increment();
            w.write(line);
            String answer = w.line();
            SoakStats.answer(k, proto + ": " + answer);
            if (answer.startsWith("* BYE")) return w.holdReading(5000);
            pause(500);
        }
        return false;
    }

    /** The first TLS record a JDK client sends (its ClientHello), for half-open handshakes. */
    private static byte[] halfClientHello() {
        try {
            SSLEngine e = SoakWire.TLS.createSSLEngine("127.0.0.1", 993);
            e.setUseClientMode(true);
            ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
            e.beginHandshake();
            e.wrap(ByteBuffer.allocate(0), out);
            out.flip();
            byte[] b = new byte[out.remaining()];
            out.get(b);
            return b;
        } catch (SSLException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
