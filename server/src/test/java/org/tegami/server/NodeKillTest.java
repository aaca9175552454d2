package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.FetchProfile;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.UIDFolder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.Store;
import org.tegami.testkit.TestDnsServer;
import org.tegami.testkit.TestTls;

/**
 * Two nodes, each its own JVM, with one hostname, on one PostgreSQL database and one S3 bucket; node A dies by SIGKILL
 * under load: SMTP clients delivering to both nodes, an IMAP client appending and flagging on A, and the outbound
 * queue busy delivering to local SMTP sinks (A's never answers the end of DATA, so A dies holding entries). Read back through node B: every message either node acknowledged is there once,
 * UIDs strictly increase, every acknowledged flag is set; B's own clients saw no error during or after the kill; the
 * queue entries A held are delivered by B once their lease (3 s here, {@code tegami.queue.lease}) runs out, each
 * exactly once; A, restarted on the same config, serves IMAP and SMTP again and sees B's mail.
 */
class NodeKillTest {
    private static final String LEASE = "PT3S";
    /** Both nodes answer as one name, as behind a load balancer: their queue claims are told apart by node id. */
    private static final String HOSTNAME = "mail.example.test";
    private static final String ALICE = "alice@example.test";
    private static final String PASSWORD = "correct horse battery";
    private static final Pattern APPENDUID = Pattern.compile("^a\\d+ OK \\[APPENDUID \\d+ (\\d+)\\]");

    @TempDir
    Path dir;

    private record Node(int smtp, int imaps, Path config) {}

    private final List<Process> processes = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Set<String> ackedByA = ConcurrentHashMap.newKeySet();
    private final Set<String> ackedByB = ConcurrentHashMap.newKeySet();
    private final Map<String, byte[]> appended = new ConcurrentHashMap<>();
    private final Set<String> flagged = ConcurrentHashMap.newKeySet();
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<String> errorsOnB = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> feederErrors = new ConcurrentLinkedQueue<>();

    @Test
    void killingANodeUnderLoadLosesNothingAcknowledgedAndTheOtherNodeTakesOverItsQueue() throws Exception {
        Backend.POSTGRES_S3.assumeAvailable();
        long seed = System.nanoTime();
        long began = System.nanoTime();
        Random random = new Random(seed);
        String backend = Backend.POSTGRES_S3.toml();
        try (TestDnsServer dns = new TestDnsServer().add("sink.test. 300 IN MX 10 mx.sink.test.")
                .add("mx.sink.test. 300 IN A 127.0.0.1");
             Sink holding = new Sink(true);
             Sink sink = new Sink(false)) {
            String common = "[inbound]\nverify = false\n[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort()
                    + "\"]\n" + backend;
            // A's outbound mail goes to a sink that never gives the final reply: A's entries stay claimed, in flight
            Node a = node("a", common + "[outbound]\nmx_port = " + holding.port() + "\n");
            Node b = node("b", common + "[outbound]\nmx_port = " + sink.port() + "\n");
            // the test's own handle on the shared store: accounts, and the outbound entries it queues
            Path tool = config(dir.resolve("tool"), 0, 0, common);
            List<Thread> load = new ArrayList<>();
            try (Store shared = Backend.open(tool)) {
                shared.accounts().addDomain("example.test");
                shared.accounts().addUser(EmailAddress.parse(ALICE).orElseThrow(), new PasswordHasher().hash(PASSWORD.toCharArray()));
                Process nodeA = start(a);
                Process nodeB = start(b);
                ServerProcess.awaitGreeting(a.smtp(), nodeA);
                ServerProcess.awaitGreeting(b.smtp(), nodeB);
                long up = millisSince(began);

                for (int c = 0; c < 3; c++) {
                    String onA = "a" + c;
                    String onB = "b" + c;
                    load.add(Thread.ofVirtual().start(() -> smtpClient(a.smtp(), onA, ackedByA, e -> { })));
                    load.add(Thread.ofVirtual().start(() -> smtpClient(b.smtp(), onB, ackedByB, errorsOnB::add)));
                }
                load.add(Thread.ofVirtual().start(() -> imapAppender(a.imaps())));
                load.add(Thread.ofVirtual().start(() -> imapWatcher(b.imaps())));
                load.add(Thread.ofVirtual().start(() -> queueFeeder(shared)));

                // A is killed once it has acknowledged over both protocols and holds queue entries (the sink keeps
                // A's deliveries waiting for their final reply), at a random moment after that.
                awaitTrue(() -> ackedByA.size() >= 5 && flagged.size() >= 3 && !holding.held.isEmpty(), 90,
                        "node A did not get going (seed " + seed + ")");
                long killAfter = random.nextInt(1000);
                Thread.sleep(killAfter);
                nodeA.destroyForcibly(); // SIGKILL
                assertTrue(nodeA.waitFor(10, TimeUnit.SECONDS));
                long killed = System.nanoTime();
                Set<String> heldByA = Set.copyOf(holding.held);
                int bBefore = ackedByB.size();
                Thread.sleep(2000); // B keeps serving its clients after A is gone
                // at least one of them acknowledged after the kill (a loaded machine may take longer than 2 s)
                awaitTrue(() -> ackedByB.size() > bBefore, 30, "node B acknowledged nothing after the kill (seed " + seed + ")");
                stop.set(true);
                for (Thread t : load) t.join(30_000);
                assertTrue(ackedByB.size() > bBefore, "node B acknowledged mail after the kill");
                assertEquals(List.of(), List.copyOf(errorsOnB), "node B's clients saw errors (seed " + seed + ")");
                assertEquals(List.of(), List.copyOf(feederErrors), "queueing through the shared store failed");

                // the queue: A's entries return to B once their lease runs out, and every entry reaches the sink once
                awaitTrue(() -> sink.acked.keySet().containsAll(queued), 30,
                        "queued mail did not all reach the sink: " + queued.size() + " queued, " + sink.acked.size() + " delivered");
                long takeover = millisSince(killed);
                for (String id : queued) assertEquals(1, sink.acked.get(id), id + " delivered once");
                assertEquals(queued, sink.acked.keySet(), "nothing but the queued mail reached the sink");
                assertTrue(queued.containsAll(heldByA), "A held queued entries: " + heldByA);
                assertEquals(Map.of(), holding.acked);
                assertTrue(!Files.readString(dir.resolve("a/d/node-id")).equals(Files.readString(dir.resolve("b/d/node-id"))),
                        "each node has its own id");

                Map<String, Boolean> stored = new HashMap<>(); // X-Kill-Id → \Flagged
                int count = readThroughB(b.imaps(), stored);
                for (String id : ackedByA) assertTrue(stored.containsKey(id), "acknowledged by A over SMTP, lost: " + id + " (seed " + seed + ")");
                for (String id : ackedByB) assertTrue(stored.containsKey(id), "acknowledged by B over SMTP, lost: " + id + " (seed " + seed + ")");
                for (String id : appended.keySet()) assertTrue(stored.containsKey(id), "APPEND acknowledged by A, lost: " + id + " (seed " + seed + ")");
                for (String id : flagged) {
                    assertTrue(stored.get(id), "STORE acknowledged by A, lost: " + id + " (seed " + seed + ")");
                }

                // A rejoins on the same config: it serves both protocols, sees B's mail, and B sees what A takes
                long restarted = System.nanoTime();
                Process again = start(a);
                ServerProcess.awaitGreeting(a.smtp(), again);
                long rejoined = millisSince(restarted);
                assertEquals(count, inboxCount(a.imaps()), "restarted node A sees every message");
                Wire.smtp(a.smtp(), "From: <bob@example.org>\r\nX-Kill-Id: after-restart\r\nSubject: back\r\n\r\nhello\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertEquals(count + 1, inboxCount(b.imaps()), "node B sees what the restarted node A accepted");
                System.out.printf("node kill test: A killed %d ms after it was under way; acknowledged by A %d SMTP, %d APPEND, %d STORE;"
                                + " by B %d SMTP (%d after the kill, no errors); %d stored; %d queued, A held %d, all delivered once,"
                                + " the last %d ms after the kill (lease %s); nodes up in %d ms, A back in %d ms, %d ms in all%n",
                        killAfter, ackedByA.size(), appended.size(), flagged.size(), ackedByB.size(), ackedByB.size() - bBefore,
                        count, queued.size(), heldByA.size(), takeover, LEASE, up, rejoined, millisSince(began));
            } finally {
                stop.set(true);
                for (Thread t : load) t.join(30_000);
                for (Process p : processes) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private Node node(String name, String sections) throws IOException {
        int smtp = ServerProcess.freePort();
        int imaps = ServerProcess.freePort();
        return new Node(smtp, imaps, config(dir.resolve(name), smtp, imaps, sections));
    }

    private static Path config(Path d, int smtp, int imaps, String sections) throws IOException {
        Files.createDirectories(d);
        String listen = smtp == 0 ? "smtp = []\nimaps = []\n"
                : "smtp = [\"127.0.0.1:" + smtp + "\"]\nimaps = [\"127.0.0.1:" + imaps + "\"]\n";
        return Files.writeString(d.resolve("tegami.toml"), "hostname = \"" + HOSTNAME + "\"\ndata_dir = \"d\"\n[listen]\n" + listen
                + "submission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nmanagesieve = []\nmetrics = []\n" + sections);
    }

    private Process start(Node n) throws IOException {
        Process p = ServerProcess.cliWith(n.config().getParent(), n.config(), List.of("-Dtegami.queue.lease=" + LEASE), null, "serve");
        processes.add(p);
        return p;
    }

    private static void awaitTrue(BooleanSupplier condition, int seconds, String message) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(message);
            Thread.sleep(50);
        }
    }

    /** Delivers to alice over port 25 until stopped; records what got a 250; reports anything else to {@code error}. */
    private void smtpClient(int port, String client, Set<String> acked, Consumer<String> error) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            expect(in, "220", client, error);
            write(out, "EHLO load.example.org\r\n");
            expect(in, "250", client, error);
            for (int n = 0; !stop.get(); n++) {
                String id = client + "-" + n;
                // now and then a message above the inline limit, so its bytes go to the bucket
                String body = n % 8 == 7 ? ("line of a large message " + id + "\r\n").repeat(7000) : "hello " + id + "\r\n";
                String message = "From: <load@example.org>\r\nTo: <" + ALICE + ">\r\nMessage-ID: <" + id
                        + "@load.example.org>\r\nX-Kill-Id: " + id + "\r\nSubject: " + id + "\r\n\r\n" + body;
                write(out, "MAIL FROM:<load@example.org>\r\n");
                expect(in, "250", client, error);
                write(out, "RCPT TO:<" + ALICE + ">\r\n");
                expect(in, "250", client, error);
                write(out, "DATA\r\n");
                expect(in, "354", client, error);
                write(out, message + ".\r\n");
                String r = reply(in);
                if (r.startsWith("250")) acked.add(id);
                else error.accept(id + ": " + r);
                Thread.sleep(20);
            }
            write(out, "QUIT\r\n");
        } catch (IOException | InterruptedException e) {
            error.accept(client + ": " + e); // on A: the kill; on B: a failure
        }
    }

    /** APPENDs to alice's INBOX on node A and flags each appended message, until stopped or A dies. */
    private void imapAppender(int port) {
        try (SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            in.readLine();
            imap(out, in, "l LOGIN " + ALICE + " \"" + PASSWORD + "\"");
            imap(out, in, "s SELECT INBOX");
            for (int n = 0; !stop.get(); n++) {
                String id = "i-" + n;
                byte[] message = ("From: <alice@example.test>\r\nX-Kill-Id: " + id + "\r\nSubject: " + id + "\r\n\r\n"
                        + "appended " + id + "\r\n").getBytes(StandardCharsets.US_ASCII);
                out.write(("a" + n + " APPEND INBOX {" + message.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(message);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Matcher m = APPENDUID.matcher(imap(out, in, null));
                if (!m.find()) continue;
                appended.put(id, message);
                if (imap(out, in, "f" + n + " UID STORE " + m.group(1) + " +FLAGS.SILENT (\\Flagged)").startsWith("f" + n + " OK")) {
                    flagged.add(id);
                }
            }
        } catch (IOException expectedWhenKilled) {
            // A died under us: what was not acknowledged may be lost
        }
    }

    /** Keeps an IMAP session on node B busy (NOOP, STATUS) through the kill; any failure is B's error. */
    private void imapWatcher(int port) {
        try (SSLSocket s = (SSLSocket) TestTls.trustAllClientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            in.readLine();
            for (String c : List.of("l LOGIN " + ALICE + " \"" + PASSWORD + "\"", "s SELECT INBOX")) {
                String r = imap(out, in, c);
                if (!r.startsWith(c.substring(0, 2) + "OK")) errorsOnB.add("IMAP on B: " + r);
            }
            for (int n = 0; !stop.get(); n++) {
                String tag = "n" + n;
                String r = imap(out, in, tag + (n % 2 == 0 ? " NOOP" : " STATUS INBOX (MESSAGES UIDNEXT)"));
                if (!r.startsWith(tag + " OK")) errorsOnB.add("IMAP on B: " + r);
                Thread.sleep(100);
            }
        } catch (IOException | InterruptedException e) {
            errorsOnB.add("IMAP on B: " + e);
        }
    }

    /** Queues outbound mail to the sink, a few entries every quarter second, for whichever node claims it. */
    private void queueFeeder(Store shared) {
        try {
            for (int n = 0; !stop.get(); n++) {
                for (int i = 0; i < 3; i++) {
                    String id = "q" + n + "." + i + "@example.test";
                    byte[] m = ("From: <alice@example.test>\r\nTo: <someone@sink.test>\r\nMessage-ID: <" + id
                            + ">\r\nSubject: queued\r\n\r\nout\r\n").getBytes(StandardCharsets.US_ASCII);
                    try (BlobStore.BlobWriter w = shared.blobs().create()) {
                        w.stream().write(m);
                        shared.mail().deliver(new DeliveryRequest(w.commit(), m.length, Instant.now(), Set.of(),
                                Optional.of(new DeliveryRequest.Outbound(ALICE, List.of("someone@sink.test"), 0))));
                    }
                    queued.add(id);
                }
                Thread.sleep(250);
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            feederErrors.add(e.toString());
        }
    }

    /** Reads alice's INBOX through node B: X-Kill-Id → flagged; checks UIDs and ids. @return the message count */
    private static int readThroughB(int port, Map<String, Boolean> byId) throws Exception {
        jakarta.mail.Store store = imapStore(port);
        try {
            return readInbox(store.getFolder("INBOX"), byId);
        } finally {
            store.close();
        }
    }

    private static int readInbox(Folder inbox, Map<String, Boolean> byId) throws Exception {
        inbox.open(Folder.READ_ONLY);
        Message[] all = inbox.getMessages();
        FetchProfile fp = new FetchProfile();
        fp.add(UIDFolder.FetchProfileItem.UID);
        fp.add(FetchProfile.Item.FLAGS);
        fp.add("X-Kill-Id");
        inbox.fetch(all, fp);
        long last = 0;
        for (Message m : all) {
            long uid = ((UIDFolder) inbox).getUID(m);
            assertTrue(uid > last, "UIDs strictly increase: " + uid + " after " + last);
            last = uid;
            String[] id = m.getHeader("X-Kill-Id");
            assertTrue(id != null && id.length == 1, "message " + uid + " has one X-Kill-Id");
            assertTrue(byId.put(id[0], m.isSet(Flags.Flag.FLAGGED)) == null, "stored twice: " + id[0]);
        }
        return all.length;
    }

    private static int inboxCount(int port) throws Exception {
        jakarta.mail.Store store = imapStore(port);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            int n = inbox.getMessageCount();
            inbox.close(false);
            return n;
        } finally {
            store.close();
        }
    }

    private static jakarta.mail.Store imapStore(int port) throws Exception {
        Properties p = new Properties();
        p.put("mail.imaps.ssl.trust", "*");
        p.put("mail.imaps.ssl.checkserveridentity", "false");
        jakarta.mail.Store store = Session.getInstance(p).getStore("imaps");
        store.connect("127.0.0.1", port, ALICE, PASSWORD);
        return store;
    }

    /** Sends {@code line} (unless null) and returns the tagged response line. */
    private static String imap(OutputStream out, BufferedReader in, String line) throws IOException {
        if (line != null) write(out, line + "\r\n");
        String r;
        do {
            r = in.readLine();
            if (r == null) throw new IOException("closed");
        } while (r.startsWith("* ") || r.startsWith("+ "));
        return r;
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("closed");
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static void expect(BufferedReader in, String code, String client, Consumer<String> error) throws IOException {
        String r = reply(in);
        if (!r.startsWith(code)) {
            error.accept(client + ": expected " + code + ", got " + r);
            throw new IOException("expected " + code + " got " + r);
        }
    }

    /**
     * The remote MTA the queue delivers to: answers 250 to every message, or (holding) never gives the final reply, so
     * the sending node's entries stay claimed and in flight until it dies.
     */
    private static final class Sink implements AutoCloseable {
        private static final Pattern MESSAGE_ID = Pattern.compile("(?i)^Message-ID: <([^>]+)>$");
        private final java.net.ServerSocket server = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final boolean hold;
        /** Message-ID → how many times it was acknowledged with 250. */
        final Map<String, Integer> acked = new ConcurrentHashMap<>();
        /** Message-IDs received and never answered (holding). */
        final Set<String> held = ConcurrentHashMap.newKeySet();

        Sink(boolean hold) throws IOException {
            this.hold = hold;
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> session(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void session(Socket s) {
            try (s) {
                s.setSoTimeout(120_000);
                var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                write(out, "220 mx.sink.test ESMTP\r\n");
                for (String line; (line = in.readLine()) != null; ) {
                    String verb = line.length() < 4 ? line : line.substring(0, 4).toUpperCase(java.util.Locale.ROOT);
                    switch (verb) {
                        case "EHLO", "HELO" -> write(out, "250 mx.sink.test\r\n");
                        case "MAIL", "RCPT", "RSET", "NOOP" -> write(out, "250 2.0.0 OK\r\n");
                        case "DATA" -> {
                            write(out, "354 go ahead\r\n");
                            String id = null;
                            for (String l; (l = in.readLine()) != null && !l.equals("."); ) {
                                Matcher m = MESSAGE_ID.matcher(l);
                                if (id == null && m.matches()) id = m.group(1);
                            }
                            if (hold) {
                                held.add(String.valueOf(id));
                                while (in.readLine() != null) { } // no final reply: in flight until the node dies
                                return;
                            }
                            acked.merge(String.valueOf(id), 1, Integer::sum);
                            write(out, "250 2.0.0 queued\r\n");
                        }
                        case "QUIT" -> {
                            write(out, "221 2.0.0 bye\r\n");
                            return;
                        }
                        default -> write(out, "502 5.5.1 not here\r\n");
                    }
                }
            } catch (IOException gone) {
                // the client went away (or died)
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
