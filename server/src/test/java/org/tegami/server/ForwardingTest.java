package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mailauth.dkim.DkimKey;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.MessageMeta;
import org.tegami.store.QueueEntry;
import org.tegami.store.Store;
import org.tegami.testkit.TestDnsServer;

/**
 * Forwarding over the wire between three Tegami instances on loopback (ADR 0013): C hosts the original sender's
 * domain {@code sender.test} (SPF {@code -all} but for 127.0.0.2, DMARC {@code p=reject}), A ({@code a.test}) has
 * aliases that forward to B ({@code b.test}), and B lists A as a trusted ARC sealer. The client sends from 127.0.0.2,
 * so SPF passes at A and, for the original domain, fails at B: B accepts the copy only through A's SRS address
 * (SPF for a.test) and A's ARC seal, which dkimpy checks independently. Bounces to A's SRS addresses reach C.
 */
class ForwardingTest {
    private static final String NONE = "submission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n";

    @TempDir
    static Path dir;
    private static TestDnsServer dns;
    private static TegamiServer a;
    private static TegamiServer b;
    private static TegamiServer c;
    private static DkimKey aKey;

    @BeforeAll
    static void start() throws Exception {
        dns = new TestDnsServer();
        dns.add("sender.test. 300 IN TXT \"v=spf1 ip4:127.0.0.2 -all\"")
                .add("_dmarc.sender.test. 300 IN TXT \"v=DMARC1; p=reject\"")
                .add("sender.test. 300 IN MX 10 mx.sender.test.").add("mx.sender.test. 300 IN A 127.0.0.3")
                .add("a.test. 300 IN TXT \"v=spf1 ip4:127.0.0.1 -all\"")
                .add("a.test. 300 IN MX 10 mail.a.test.").add("mail.a.test. 300 IN A 127.0.0.1")
                .add("b.test. 300 IN TXT \"v=spf1 ip4:127.0.0.1 -all\"")
                .add("b.test. 300 IN MX 10 mx.b.test.").add("mx.b.test. 300 IN A 127.0.0.1");
        String nameservers = "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n";
        int aPort = org.tegami.testkit.FreePort.pick(); // A binds it after B starts: nothing else may take it meanwhile
        // B delivers (bounces, forwards) to A's port; A to B's, and so to C listening on 127.0.0.3 at that port
        b = start("b", "hostname = \"mx.b.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\n" + NONE + nameservers
                + "[outbound]\nmx_port = " + aPort + "\n[inbound]\ntrusted_arc_sealers = [\"a.test\"]\n");
        a = start("a", "hostname = \"mail.a.test\"\n[listen]\nsmtp = [\"127.0.0.1:" + aPort + "\"]\n" + NONE + nameservers
                + "[outbound]\nmx_port = " + b.port("smtp") + "\n[forwarding]\nmax_per_hour = 2\n");
        c = start("c", "hostname = \"mx.sender.test\"\n[listen]\nsmtp = [\"127.0.0.3:" + b.port("smtp") + "\"]\n" + NONE
                + nameservers + "[inbound]\nverify = false\n");
        a.store().accounts().addDomain("a.test");
        b.store().accounts().addDomain("b.test");
        c.store().accounts().addDomain("sender.test");
        aKey = new org.tegami.mailauth.dkim.DkimKeys(a.config().dataDir()).generate("a.test").getFirst();
        String rec = aKey.dnsRecord();
        StringBuilder quoted = new StringBuilder();
        for (int i = 0; i < rec.length(); i += 250) quoted.append(" \"").append(rec, i, Math.min(rec.length(), i + 250)).append('"');
        dns.add(aKey.dnsName() + ". 300 IN TXT" + quoted);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable s : new AutoCloseable[] {a, b, c, dns}) {
            try {
                if (s != null) s.close();
            } catch (Exception e) {
                // closing the rest matters more
            }
        }
    }

    private static TegamiServer start(String name, String toml) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Path cfg = d.resolve("tegami.toml");
        Files.writeString(cfg, toml);
        return TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system());
    }

    private static Account user(TegamiServer s, String address) {
        return s.store().accounts().addUser(EmailAddress.parse(address).orElseThrow(),
                new PasswordHasher().hash("password".toCharArray()));
    }

    private static List<String> inbox(Store s, Account a) throws Exception {
        var inbox = s.mail().mailbox(a.id(), "INBOX").orElseThrow();
        List<String> out = new ArrayList<>();
        for (MessageMeta m : s.mail().messages(inbox.id())) {
            try (InputStream in = s.blobs().open(m.blob())) {
                out.add(m.prefix() + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void await(String what, BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting: " + what);
            Thread.sleep(100);
        }
    }

    private static int size(Store s, Account a) {
        try {
            return inbox(s, a).size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One SMTP session from {@code source} to A's port 25; the replies to each command, the greeting first. */
    private static List<String> session(String source, List<String> commands, String message) throws Exception {
        List<String> replies = new ArrayList<>();
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", a.port("smtp")));
            s.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            replies.add(reply(in));
            for (String cmd : commands) {
                out.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String r = reply(in);
                replies.add(r);
                if (cmd.equals("DATA") && r.startsWith("354")) {
                    out.write((message.replace("\r\n.", "\r\n..") + ".\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    replies.add(reply(in));
                }
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        return replies;
    }

    private static String reply(BufferedReader in) throws Exception {
        StringBuilder sb = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            sb.append(line).append('\n');
            if (line.length() < 4 || line.charAt(3) != '-') break;
        }
        return sb.toString().strip();
    }

    private static String message(String from, String to, String subject) {
        return "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: " + subject + "\r\nDate: Sun, 06 Dec 2026 12:00:00 +0000\r\n"
                + "Message-ID: <" + subject.replace(' ', '-') + "@sender.test>\r\n\r\nHello.\r\n";
    }

    /** Sends from the sender domain's own address, so SPF passes at A. @return the reply to the end of data */
    private static String send(String from, String rcpt, String subject) throws Exception {
        List<String> r = session("127.0.0.2", List.of("EHLO client.sender.test", "MAIL FROM:<" + from + ">",
                "RCPT TO:<" + rcpt + ">", "DATA"), message(from, rcpt, subject));
        assertEquals("250 2.1.5 Recipient OK", r.get(3), r.toString());
        return r.getLast();
    }

    private static String returnPath(String message) {
        Matcher m = Pattern.compile("Return-Path: <([^>]*)>").matcher(message);
        assertTrue(m.find(), message);
        return m.group(1);
    }

    @Test
    void aForwardedCopyPassesSpfAndArcAtTheReceiverAndDkimpyVerifiesTheSeal() throws Exception {
        user(c, "alice@sender.test");
        Account bob = user(b, "bob@b.test");
        Account local = user(a, "local@a.test");
        a.store().accounts().putAlias("sales@a.test", List.of("local@a.test", "bob@b.test"));
        assertTrue(send("alice@sender.test", "sales@a.test", "forwarded once").startsWith("250 2.0.0 OK queued as "));
        await("bob gets the forwarded copy", () -> size(b.store(), bob) == 1);
        String got = inbox(b.store(), bob).getFirst();
        String srs = returnPath(got);
        assertTrue(srs.matches("SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=sender\\.test=alice@a\\.test"), srs);
        // B's own verdict: SPF for A's SRS domain, A's seal; the original's DMARC failure is overridden by trusting A
        String results = got.substring(0, got.indexOf("\r\nReturn-Path:"));
        assertTrue(results.startsWith("Authentication-Results: mx.b.test;"), got);
        assertTrue(Pattern.compile("spf=pass\\s+smtp\\.mailfrom=SRS0=[^@\\s]+@a\\.test").matcher(results).find(), results);
        assertTrue(results.contains("arc=pass"), results);
        assertTrue(results.contains("dmarc=fail"), "the original fails DMARC at B on its own: " + results);
        assertTrue(got.contains("ARC-Seal: i=1; a=rsa-sha256; t="), got);
        assertTrue(got.contains("; cv=none; d=a.test; s=" + aKey.selector()), got);
        assertTrue(Pattern.compile("ARC-Authentication-Results: i=1; mail\\.a\\.test;.*spf=pass.*dmarc=pass", Pattern.DOTALL)
                .matcher(got).find(), got);
        assertTrue(got.contains("\r\nDelivered-To: sales@a.test\r\n"), got);
        assertFalse(got.contains("DKIM-Signature"), "never signed as the From: domain, which is not A's");
        assertTrue(got.endsWith("\r\n\r\nHello.\r\n"), "the body is untouched");
        // the local copy at A has neither the seal nor Delivered-To: they belong to the forwarded copy only
        await("the local copy", () -> size(a.store(), local) == 1);
        String atA = inbox(a.store(), local).getFirst();
        assertFalse(atA.contains("ARC-Seal") || atA.contains("Delivered-To"), atA);
        assertTrue(atA.contains("dmarc=pass"), atA);

        // dkimpy checks A's seal on the message as B received it, with the key from the test DNS server
        Path eml = Files.writeString(dir.resolve("forwarded.eml"), got.substring(got.indexOf("Return-Path:")));
        String verify = """
                import dkim, sys, dns.resolver
                r = dns.resolver.Resolver(configure=False)
                r.nameservers = ["127.0.0.1"]
                r.port = int(sys.argv[2])
                def txt(name, timeout=5):
                    return b"".join(r.resolve(name.decode(), "TXT")[0].strings)
                cv, results, reason = dkim.arc_verify(open(sys.argv[1], "rb").read(), dnsfunc=txt)
                print(cv.decode(), reason)
                """;
        Process py = new ProcessBuilder("/usr/bin/python3", "-c", verify, eml.toString(),
                Integer.toString(dns.address().getPort())).redirectErrorStream(true).start();
        String verdict = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(py.waitFor(60, TimeUnit.SECONDS));
        assertTrue(verdict.startsWith("pass"), "dkimpy's arc_verify: " + verdict);
    }

    @Test
    void aBounceToTheSrsAddressReachesTheOriginalSenderAndForgedOnesAreRefused() throws Exception {
        Account dave = user(c, "dave@sender.test");
        Account erin = user(b, "erin@b.test");
        a.store().accounts().putAlias("dave-fwd@a.test", List.of("erin@b.test"));
        send("dave@sender.test", "dave-fwd@a.test", "to be bounced");
        await("erin gets the copy", () -> size(b.store(), erin) == 1);
        String srs = returnPath(inbox(b.store(), erin).getFirst());

        // as B's MTA would: a bounce to the SRS address, with the null reverse-path
        String bounce = "From: MAILER-DAEMON@mx.b.test\r\nTo: <" + srs + ">\r\nSubject: Undelivered Mail\r\n\r\nIt bounced.\r\n";
        List<String> r = session("127.0.0.1", List.of("EHLO mx.b.test", "MAIL FROM:<>", "RCPT TO:<" + srs + ">", "DATA"), bounce);
        assertEquals("250 2.1.5 Recipient OK", r.get(3));
        assertTrue(r.getLast().startsWith("250 2.0.0 OK queued as "), r.toString());
        await("dave gets the bounce", () -> size(c.store(), dave) == 1);
        String back = inbox(c.store(), dave).getFirst();
        assertTrue(back.startsWith("Return-Path: <>\r\n"), back);
        assertTrue(back.contains("Subject: Undelivered Mail\r\n"), back);

        // the same address with another sender is not a bounce; a forged, an expired or a broken one is refused
        r = session("127.0.0.1", List.of("EHLO mx.b.test", "MAIL FROM:<spammer@b.test>", "RCPT TO:<" + srs + ">"), "");
        assertEquals("550 5.7.1 Recipient address rejected: SRS addresses only accept bounces (MAIL FROM:<>)", r.get(3));
        String forged = srs.replace("=dave@", "=mallory@");
        String h = srs.substring(5, 11);
        String otherHash = srs.replace(h, (h.charAt(0) == 'A' ? "B" : "A") + h.substring(1));
        String stale = "SRS0=" + h + "=" + stamp(Instant.now().minus(Duration.ofDays(40))) + "=sender.test=dave@a.test";
        // made with A's own secret 40 days ago: a valid hash, but past the 21 days
        String expired = new org.tegami.mailauth.srs.Srs(org.tegami.mailauth.srs.SrsKeys.loadOrCreate(a.config().dataDir()),
                InstantSource.fixed(Instant.now().minus(Duration.ofDays(40))), Duration.ofDays(21)).forward("dave@sender.test", "a.test");
        r = session("127.0.0.1", List.of("EHLO mx.b.test", "MAIL FROM:<>", "RCPT TO:<" + forged + ">",
                "RCPT TO:<" + otherHash + ">", "RCPT TO:<" + stale + ">", "RCPT TO:<" + expired + ">",
                "RCPT TO:<SRS0=garbage@a.test>", "RCPT TO:<srs1=x=y@a.test>"), "");
        assertEquals("550 5.1.1 Recipient address rejected: SRS address has an invalid hash", r.get(3));
        assertEquals("550 5.1.1 Recipient address rejected: SRS address has an invalid hash", r.get(4));
        assertEquals("550 5.1.1 Recipient address rejected: SRS address has an invalid hash", r.get(5),
                "a stamp changed under the hash");
        assertEquals("550 5.1.1 Recipient address rejected: SRS address has expired", r.get(6));
        assertEquals("550 5.1.1 Recipient address rejected: malformed SRS0 address", r.get(7));
        assertEquals("550 5.1.1 Recipient address rejected: malformed SRS1 address", r.get(8));
        Thread.sleep(500);
        assertEquals(1, size(c.store(), dave), "nothing more reached the sender");
    }

    /** The SRS day stamp of a time, as the forwarder writes it. */
    private static String stamp(Instant t) {
        int day = (int) (t.getEpochSecond() / 86_400 % 1024);
        String b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        return "" + b32.charAt(day >> 5) + b32.charAt(day & 31);
    }

    @Test
    void aCopyTheReceiverRefusesBouncesThroughTheSrsAddressToTheOriginalSender() throws Exception {
        Account frank = user(c, "frank@sender.test");
        a.store().accounts().putAlias("frank-fwd@a.test", List.of("ghost@b.test"));
        send("frank@sender.test", "frank-fwd@a.test", "to nobody");
        await("frank gets A's bounce", () -> size(c.store(), frank) == 1);
        String dsn = inbox(c.store(), frank).getFirst();
        assertTrue(dsn.contains("To: <frank@sender.test>"), dsn);
        assertTrue(dsn.contains("Final-Recipient: rfc822; ghost@b.test\r\nAction: failed\r\nStatus: 5.1.1"), dsn);
    }

    @Test
    void aForwardingLoopBetweenTwoServersEndsInOneBounce() throws Exception {
        Account carol = user(c, "carol@sender.test");
        a.store().accounts().putAlias("loop@a.test", List.of("loop@b.test"));
        b.store().accounts().putAlias("loop@b.test", List.of("loop@a.test"));
        send("carol@sender.test", "loop@a.test", "round and round");
        await("carol gets a bounce", () -> size(c.store(), carol) == 1);
        String dsn = inbox(c.store(), carol).getFirst();
        assertTrue(dsn.contains("Status: 5.4.6"), dsn);
        assertTrue(dsn.contains("554 5.4.6 Mail forwarding loop for loop@a.test"), dsn);
        // the returned header section shows the message went round once: A, B, back to A
        assertEquals(1, dsn.split("Delivered-To: loop@a.test\r\n", -1).length - 1, dsn);
        assertEquals(1, dsn.split("Delivered-To: loop@b.test\r\n", -1).length - 1, dsn);
        await("queues drain", () -> a.store().queue().list().stream().noneMatch(e -> e.recipients().contains("loop@b.test"))
                && b.store().queue().list().isEmpty());
        Thread.sleep(1_500);
        assertEquals(1, size(c.store(), carol), "one bounce, not a storm");
    }

    @Test
    void aLoopingCopyBesideALocalOneIsReportedToTheSenderOnce() throws Exception {
        Account judy = user(c, "judy@sender.test");
        Account kim = user(a, "kim@a.test");
        a.store().accounts().putAlias("mixed@a.test", List.of("kim@a.test", "judy-elsewhere@b.test"));
        List<String> r = session("127.0.0.2", List.of("EHLO client.sender.test", "MAIL FROM:<judy@sender.test>",
                "RCPT TO:<mixed@a.test>", "DATA"), "Delivered-To: mixed@a.test\r\n"
                + message("judy@sender.test", "mixed@a.test", "seen before"));
        assertTrue(r.getLast().startsWith("250 2.0.0 OK queued as "), "the local copy is accepted: " + r);
        await("kim's copy and judy's notice", () -> size(a.store(), kim) == 1 && size(c.store(), judy) == 1);
        String notice = inbox(c.store(), judy).getFirst();
        assertTrue(notice.contains("mixed@a.test") && notice.contains("5.4.6"), notice);
        assertTrue(a.store().queue().list().stream().noneMatch(e -> e.recipients().contains("judy-elsewhere@b.test")),
                "no forwarded copy");
    }

    @Test
    void aMessageWithMoreThanFiftyReceivedFieldsIsNotForwarded() throws Exception {
        a.store().accounts().putAlias("hops@a.test", List.of("nobody-yet@b.test"));
        String hops = "Received: from x.example by y.example; Sun, 06 Dec 2026 12:00:00 +0000\r\n".repeat(50);
        List<String> r = session("127.0.0.2", List.of("EHLO client.sender.test", "MAIL FROM:<ivan@sender.test>",
                "RCPT TO:<hops@a.test>", "DATA"), hops + message("ivan@sender.test", "hops@a.test", "many hops"));
        // RFC 5321 §6.3: with ours, 51 Received fields: a loop, refused for its only recipient
        assertEquals("554 5.4.6 Mail forwarding loop for hops@a.test", r.getLast());
        assertTrue(a.store().queue().list().stream().noneMatch(e -> e.recipients().contains("nobody-yet@b.test")));
        String fewer = "Received: from x.example by y.example; Sun, 06 Dec 2026 12:00:00 +0000\r\n".repeat(49);
        r = session("127.0.0.2", List.of("EHLO client.sender.test", "MAIL FROM:<ivan@sender.test>",
                "RCPT TO:<hops@a.test>", "DATA"), fewer + message("ivan@sender.test", "hops@a.test", "fewer hops"));
        assertTrue(r.getLast().startsWith("250 2.0.0 OK queued as "), "50 with ours is within the limit: " + r);
    }

    @Test
    void copiesAboveTheHourlyLimitWaitInTheQueue() throws Exception {
        user(c, "gina@sender.test");
        Account hank = user(b, "hank@b.test");
        a.store().accounts().putAlias("busy@a.test", List.of("hank@b.test"));
        Instant before = Instant.now();
        for (int i = 0; i < 3; i++) {
            assertTrue(send("gina@sender.test", "busy@a.test", "busy " + i).startsWith("250 2.0.0 OK"), "accepted: the limit defers, never refuses");
        }
        await("two copies arrive", () -> size(b.store(), hank) == 2);
        // B stores a copy before it answers 250, and A removes the entry after: wait for A's side to catch up
        java.util.function.Supplier<List<QueueEntry>> forHank = () -> a.store().queue().list().stream()
                .filter(e -> e.recipients().equals(List.of("hank@b.test"))).toList();
        await("the sent copies leave A's queue", () -> forHank.get().size() <= 1);
        List<QueueEntry> waiting = forHank.get();
        assertEquals(1, waiting.size(), "the third waits");
        assertTrue(waiting.getFirst().nextAttempt().isAfter(before.plus(Duration.ofMinutes(59))), waiting.getFirst().toString());
        Thread.sleep(1_000);
        assertEquals(2, size(b.store(), hank));
    }

    /**
     * A Sieve redirect after editheader (RFC 5293 §7): B receives the header as the script left it when it redirected
     * (A's own Authentication-Results and Return-Path lines left out), SRS and ARC as for an alias, and B's own verdict
     * says arc=pass: A's seal covers the edited bytes it sent.
     */
    @Test
    void aSieveRedirectOfAnEditedHeaderPassesArcAtTheReceiver() throws Exception {
        Account editor = user(a, "editor@a.test");
        Account carl = user(b, "carl@b.test");
        var sieve = a.store().sieve();
        assertEquals(org.tegami.store.SieveScriptStore.Result.OK, sieve.put(editor.id(), "r", """
                require "editheader";
                deleteheader "Subject";
                addheader "Subject" "[edited] note";
                addheader :last "X-Edited" "yes";
                redirect "carl@b.test";
                """, org.tegami.store.SieveScriptStore.Quota.DEFAULTS));
        assertEquals(org.tegami.store.SieveScriptStore.Result.OK, sieve.setActive(editor.id(), "r"));
        assertTrue(send("alice@sender.test", "editor@a.test", "edited note").startsWith("250 2.0.0 OK queued as "));
        await("carl gets the redirected copy", () -> size(b.store(), carl) == 1);
        String got = inbox(b.store(), carl).getFirst();
        String srs = returnPath(got);
        assertTrue(srs.matches("SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=sender\\.test=alice@a\\.test"), srs);
        String results = got.substring(0, got.indexOf("\r\nReturn-Path:"));
        assertTrue(results.contains("arc=pass"), results);
        assertTrue(Pattern.compile("spf=pass\\s+smtp\\.mailfrom=SRS0=[^@\\s]+@a\\.test").matcher(results).find(), results);
        assertTrue(got.contains("\r\nDelivered-To: editor@a.test\r\nSubject: [edited] note\r\nReceived: from "), got);
        assertFalse(got.contains("Subject: edited note"), got);
        assertTrue(got.endsWith("\r\nMessage-ID: <edited-note@sender.test>\r\nX-Edited: yes\r\n\r\nHello.\r\n"), got);
        assertEquals(1, Pattern.compile("(?<!ARC-)Authentication-Results:").matcher(got).results().count(), "only B's own: " + got);
        assertEquals(0, size(a.store(), editor), "redirected: nothing kept at A");
    }
}
