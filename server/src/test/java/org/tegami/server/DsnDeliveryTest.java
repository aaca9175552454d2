package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.testkit.DsnReader;
import org.tegami.testkit.TestDnsServer;
import org.tegami.testkit.TestTls;
import org.tegami.testkit.Transcript;
import org.tegami.testkit.TranscriptRunner;

/**
 * DSN (RFC 3461) between two Tegami instances on loopback, A ({@code a.test}) and B ({@code b.test}), each the
 * other's MX: parameters given at A's submission port travel to B (which offers DSN), B reports the delivery itself
 * (§5.2.2) with the sender's ENVID and ORCPT, A reports its own local delivery and a failure that NOTIFY asks for,
 * and says nothing of a NEVER recipient; a copy forwarded from A's port 25 carries the ORCPT of the alias (§5.2.1),
 * so B's notice names it. Every notice is read by python3's email package.
 */
class DsnDeliveryTest {
    private static final String NONE = "pop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n";

    @TempDir
    static Path dir;
    private static TestDnsServer dns;
    private static TegamiServer a;
    private static TegamiServer b;

    @BeforeAll
    static void start() throws Exception {
        dns = new TestDnsServer();
        dns.add("a.test. 300 IN MX 10 mail.a.test.").add("mail.a.test. 300 IN A 127.0.0.1")
                .add("b.test. 300 IN MX 10 mx.b.test.").add("mx.b.test. 300 IN A 127.0.0.1");
        String nameservers = "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n";
        int aPort = org.tegami.testkit.FreePort.pick(); // A binds it after B starts: nothing else may take it meanwhile
        b = start("b", "hostname = \"mx.b.test\"\n[listen]\nsmtp = [\"127.0.0.1:0\"]\nsubmission = []\nsubmissions = []\n"
                + NONE + nameservers + "[outbound]\nmx_port = " + aPort + "\n");
        a = start("a", "hostname = \"mail.a.test\"\n[listen]\nsmtp = [\"127.0.0.1:" + aPort + "\"]\nsubmission = []\n"
                + "submissions = [\"127.0.0.1:0\"]\n" + NONE + nameservers + "[outbound]\nmx_port = " + b.port("smtp") + "\n");
        a.store().accounts().addDomain("a.test");
        b.store().accounts().addDomain("b.test");
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable s : new AutoCloseable[] {a, b, dns}) {
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

    private static Account user(TegamiServer s, String address, String password) {
        return s.store().accounts().addUser(EmailAddress.parse(address).orElseThrow(),
                new PasswordHasher().hash(password.toCharArray()));
    }

    private static List<byte[]> inbox(Store s, Account a) {
        var inbox = s.mail().mailbox(a.id(), "INBOX").orElseThrow();
        List<byte[]> out = new ArrayList<>();
        for (MessageMeta m : s.mail().messages(inbox.id())) {
            try (InputStream in = s.blobs().open(m.blob())) {
                out.add(in.readAllBytes());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
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

    private static void transcript(TegamiServer s, String port, String body) {
        new TranscriptRunner(Map.of(port, new java.net.InetSocketAddress("127.0.0.1", s.port(port))),
                TestTls.trustAllClientContext()).run(Transcript.parse("inline", "# port: " + port + "\n" + body));
    }

    private static List<DsnReader.Dsn> notices(Store s, Account a) throws Exception {
        List<DsnReader.Dsn> out = new ArrayList<>();
        for (byte[] m : inbox(s, a)) out.add(DsnReader.read(dir, m));
        out.sort(Comparator.comparing(d -> d.message().get("reporting-mta") + d.recipients().getFirst().get("action")));
        return out;
    }

    @Test
    void submittedParametersReachTheNextTegamiWhichReportsDeliveryItself() throws Exception {
        Account alice = user(a, "alice@a.test", "alice-password");
        Account carol = user(a, "carol@a.test", "carol-password");
        Account bob = user(b, "bob@b.test", "bob-password");
        transcript(a, "submissions", """
                S: 220 mail.a.test ESMTP Tegami
                C: EHLO laptop.a.test
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S: 250 AUTH PLAIN LOGIN
                C: AUTH PLAIN AGFsaWNlQGEudGVzdABhbGljZS1wYXNzd29yZA==
                S: 235 2.7.0 Authentication successful
                C: MAIL FROM:<alice@a.test> RET=HDRS ENVID=sub+2B1
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<bob@b.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@b.test
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<ghost@b.test> NOTIFY=NEVER
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<nobody@b.test> NOTIFY=FAILURE
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<carol@a.test> NOTIFY=SUCCESS
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: From: <alice@a.test>
                C: Subject: report back
                C:
                C: the text
                C: .
                S~ 250 2\\.0\\.0 OK queued as .*
                C: QUIT
                S: 221 2.0.0 mail.a.test closing connection
                CLOSED
                """);
        await("bob's message and three notices for alice", () -> inbox(b.store(), bob).size() == 1 && inbox(a.store(), alice).size() >= 3);
        Thread.sleep(1000); // a fourth notice (for ghost) would have come by now
        assertEquals(1, inbox(a.store(), carol).size());
        List<DsnReader.Dsn> n = notices(a.store(), alice);
        assertEquals(3, n.size(), "carol delivered (A), bob delivered (B), nobody failed (A); ghost said NEVER: " + n);

        DsnReader.Dsn fromB = n.stream().filter(d -> d.message().get("reporting-mta").equals("dns; mx.b.test")).findFirst().orElseThrow();
        assertEquals("sub+1", fromB.message().get("original-envelope-id"), "ENVID relayed by A and echoed by B");
        assertEquals(List.of(Map.of("original-recipient", "rfc822;Bob@b.test", "final-recipient", "rfc822; bob@b.test",
                "action", "delivered", "status", "2.0.0")), fromB.recipients(), "ORCPT relayed by A");
        assertEquals("text/rfc822-headers", fromB.returned());

        List<DsnReader.Dsn> fromA = n.stream().filter(d -> d != fromB).toList();
        DsnReader.Dsn failed = fromA.stream().filter(d -> d.recipients().getFirst().get("action").equals("failed")).findFirst().orElseThrow();
        assertEquals(List.of("rfc822; nobody@b.test"), failed.recipients().stream().map(r -> r.get("final-recipient")).toList());
        assertEquals("5.1.1", failed.recipients().getFirst().get("status"));
        assertEquals("sub+1", failed.message().get("original-envelope-id"));
        assertEquals("text/rfc822-headers", failed.returned(), "RET=HDRS");
        assertTrue(failed.returnedText().contains("Subject: report back") && !failed.returnedText().contains("the text"));
        DsnReader.Dsn local = fromA.stream().filter(d -> d != failed).findFirst().orElseThrow();
        assertEquals(List.of(Map.of("final-recipient", "rfc822; carol@a.test", "action", "delivered", "status", "2.0.0")),
                local.recipients());
        assertEquals("dns; mail.a.test", local.message().get("reporting-mta"));
        await("A's queue empty", () -> a.store().queue().list().isEmpty());
    }

    @Test
    void aCopyForwardedFromPort25KeepsTheAliasAsOriginalRecipient() throws Exception {
        Account dave = user(b, "dave@b.test", "dave-password");
        Account erin = user(b, "erin@b.test", "erin-password");
        a.store().accounts().putAlias("fwd@a.test", List.of("dave@b.test"));
        // erin at B writes to A's alias on port 25, as any other MTA would deliver it
        transcript(a, "smtp", """
                S: 220 mail.a.test ESMTP Tegami
                C: EHLO mx.b.test
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S~ 250-.*
                S: 250 STARTTLS
                C: MAIL FROM:<erin@b.test> ENVID=fw1
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<fwd@a.test> NOTIFY=SUCCESS,FAILURE
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: From: <erin@b.test>
                C: Subject: via the alias
                C:
                C: forwarded text
                C: .
                S~ 250 2\\.0\\.0 OK queued as .*
                C: QUIT
                S: 221 2.0.0 mail.a.test closing connection
                CLOSED
                """);
        await("dave's copy and erin's notice", () -> inbox(b.store(), dave).size() == 1 && !inbox(b.store(), erin).isEmpty());
        Thread.sleep(1000);
        List<DsnReader.Dsn> n = notices(b.store(), erin);
        assertEquals(1, n.size(), "one notice, from B, back through A's SRS address: " + n);
        assertEquals("dns; mx.b.test", n.getFirst().message().get("reporting-mta"));
        assertEquals("fw1", n.getFirst().message().get("original-envelope-id"));
        assertEquals(List.of(Map.of("original-recipient", "rfc822;fwd@a.test", "final-recipient", "rfc822; dave@b.test",
                "action", "delivered", "status", "2.0.0")), n.getFirst().recipients(),
                "RFC 3461 §5.2.1: A named the alias as ORCPT when it relayed the copy");
    }
}
