package org.tegami.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.EnvelopeParams;
import org.tegami.store.EnvelopeParams.Notify;
import org.tegami.store.MessageMeta;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.testkit.DsnReader;
import org.tegami.testkit.TestDnsServer;

/**
 * DSN (RFC 3461) in the queue against a scripted MX: NOTIFY decides who hears of failures, delays and successes;
 * a next hop without DSN makes a {@code relayed} notice, one with DSN gets the parameters instead; RET and ENVID
 * shape the notice. Each notice is read back with python3's email package.
 */
class QueueDsnTest {
    @TempDir
    Path dir;

    /** RCPT answers by local part: {@code bad*} 550, {@code late*} 451, anything else 250. */
    private static final class Mx implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        final List<String> commands = new CopyOnWriteArrayList<>();

        Mx(boolean dsn) throws Exception {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                        OutputStream out = s.getOutputStream();
                        out.write("220 mx ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                        for (String line; (line = in.readLine()) != null; ) {
                            if (!line.startsWith("EHLO") && !line.equals("QUIT") && !line.equals("RSET")) commands.add(line);
                            String reply = switch (line.length() >= 4 ? line.substring(0, 4) : line) {
                                case "EHLO" -> dsn ? "250-mx\r\n250 DSN\r\n" : "250 mx\r\n";
                                case "MAIL", "RSET" -> "250 2.1.0 ok\r\n";
                                case "RCPT" -> line.startsWith("RCPT TO:<bad") ? "550 5.1.1 no such user\r\n"
                                        : line.startsWith("RCPT TO:<late") ? "451 4.3.0 try later\r\n" : "250 2.1.5 ok\r\n";
                                case "DATA" -> {
                                    out.write("354 go\r\n".getBytes(StandardCharsets.US_ASCII));
                                    for (String l; (l = in.readLine()) != null && !l.equals("."); ) { }
                                    yield "250 2.0.0 queued as X1\r\n";
                                }
                                case "QUIT" -> "221 bye\r\n";
                                default -> "500 what\r\n";
                            };
                            out.write(reply.getBytes(StandardCharsets.US_ASCII));
                            if (line.startsWith("QUIT")) break;
                        }
                    } catch (Exception e) {
                        // next session
                    }
                }
            });
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    private static final String MESSAGE = "Return-Path: <a@local.test>\r\nFrom: <a@local.test>\r\nSubject: dsn\r\n\r\nthe body\r\n";
    private static final long SKIP = "Return-Path: <a@local.test>\r\n".length();

    private static EnvelopeParams.Rcpt notify(Notify... n) {
        return new EnvelopeParams.Rcpt(Optional.of(Set.of(n)), Optional.empty(), Optional.empty());
    }

    /** Queues the message from a@local.test (a local user) and runs the queue until it is empty or stuck. */
    private List<DsnReader.Dsn> run(boolean dsnMx, Instant created, List<String> rcpts, EnvelopeParams params,
                                    List<String> mxCommands) throws Exception {
        try (TestDnsServer dns = new TestDnsServer().add("remote.test. 300 IN MX 10 mx.remote.test.")
                .add("mx.remote.test. 300 IN A 127.0.0.1");
             Mx mx = new Mx(dsnMx);
             EmbeddedStore store = EmbeddedStore.open(dir.resolve("s" + System.nanoTime()), InstantSource.system())) {
            store.accounts().addDomain("local.test");
            Account a = store.accounts().addUser(EmailAddress.parse("a@local.test").orElseThrow(), "x");
            byte[] msg = MESSAGE.getBytes(StandardCharsets.US_ASCII);
            try (BlobStore.BlobWriter w = store.blobs().create()) {
                w.stream().write(msg);
                store.mail().deliver(new DeliveryRequest(w.commit(), msg.length, created, Set.of(), Optional.of(
                        new DeliveryRequest.Outbound("a@local.test", rcpts, SKIP).withParams(params))));
            }
            var settings = new QueueRunner.Settings(mx.server.getLocalPort(), Duration.ofMinutes(10), Duration.ofHours(1),
                    Duration.ofDays(5), 4, Duration.ofMillis(50), null, Map.of(), null);
            try (QueueRunner runner = new QueueRunner(store, null, "mail.local.test", new MxResolver(List.of(dns.address())),
                    InstantSource.system(), settings).start()) {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline) {
                    var q = store.queue().list(); // once: the runner removes the entry meanwhile
                    if (q.isEmpty() || q.getFirst().attempts() > 0) break;
                    Thread.sleep(20);
                }
                Thread.sleep(200);
            }
            mxCommands.addAll(mx.commands);
            var inbox = store.mail().mailbox(a.id(), "INBOX").orElseThrow();
            List<DsnReader.Dsn> out = new ArrayList<>();
            for (MessageMeta m : store.mail().messages(inbox.id())) {
                try (InputStream in = store.blobs().open(m.blob())) {
                    out.add(DsnReader.read(dir, in.readAllBytes()));
                }
            }
            return out;
        }
    }

    @Test
    void notifyDecidesWhoIsReportedAndANonDsnNextHopMakesARelayedNotice() throws Exception {
        EnvelopeParams p = new EnvelopeParams(Optional.of(EnvelopeParams.Ret.FULL), Optional.of("envelope 7"), EnvelopeParams.Tls.DEFAULT, Map.of(
                "ok-success@remote.test", new EnvelopeParams.Rcpt(Optional.of(Set.of(Notify.SUCCESS, Notify.FAILURE)),
                        Optional.of("rfc822"), Optional.of("Original@local.test")),
                "bad-never@remote.test", new EnvelopeParams.Rcpt(Optional.of(Set.of()), Optional.empty(), Optional.empty()),
                "bad-success@remote.test", notify(Notify.SUCCESS),
                "bad-failure@remote.test", notify(Notify.FAILURE)));
        List<String> wire = new ArrayList<>();
        List<DsnReader.Dsn> notices = run(false, Instant.now(), List.of("ok-success@remote.test", "ok-plain@remote.test",
                "bad-never@remote.test", "bad-success@remote.test", "bad-failure@remote.test", "bad-default@remote.test"), p, wire);
        assertEquals(2, notices.size(), "one bounce, one relayed notice: " + notices);
        DsnReader.Dsn bounce = notices.stream().filter(d -> d.recipients().getFirst().get("action").equals("failed")).findFirst().orElseThrow();
        assertEquals("envelope 7", bounce.message().get("original-envelope-id"));
        assertEquals(List.of("rfc822; bad-failure@remote.test", "rfc822; bad-default@remote.test"),
                bounce.recipients().stream().map(r -> r.get("final-recipient")).toList(),
                "NEVER and NOTIFY=SUCCESS are not told of failures");
        assertEquals("5.1.1", bounce.recipients().getFirst().get("status"));
        assertEquals("dns; mx.remote.test", bounce.recipients().getFirst().get("remote-mta"));
        assertEquals("message/rfc822", bounce.returned(), "RET=FULL returns the message");
        assertTrue(bounce.returnedText().contains("the body"), bounce.returnedText());
        assertTrue(!bounce.returnedText().contains("Return-Path"), "our local Return-Path line is not part of it");

        DsnReader.Dsn relayed = notices.stream().filter(d -> d != bounce).findFirst().orElseThrow();
        assertEquals(List.of(Map.of("original-recipient", "rfc822;Original@local.test", "final-recipient",
                "rfc822; ok-success@remote.test", "action", "relayed", "status", "2.0.0", "remote-mta", "dns; mx.remote.test",
                "diagnostic-code", "smtp; 250 2.0.0 queued as X1")), relayed.recipients());
        assertEquals("text/rfc822-headers", relayed.returned(), "RFC 3461 §4.3: no failure, headers only");
        assertTrue(!relayed.returnedText().contains("the body"));
        assertTrue(wire.stream().noneMatch(c -> c.contains("NOTIFY") || c.contains("RET=")), "no DSN at the MX: " + wire);
    }

    @Test
    void aDsnNextHopGetsTheParametersAndNoRelayedNoticeIsMade() throws Exception {
        EnvelopeParams p = new EnvelopeParams(Optional.of(EnvelopeParams.Ret.HDRS), Optional.of("e1"), EnvelopeParams.Tls.DEFAULT, Map.of(
                "ok@remote.test", new EnvelopeParams.Rcpt(Optional.of(Set.of(Notify.SUCCESS)), Optional.of("rfc822"),
                        Optional.of("ok@remote.test"))));
        List<String> wire = new ArrayList<>();
        List<DsnReader.Dsn> notices = run(true, Instant.now(), List.of("ok@remote.test"), p, wire);
        assertEquals(List.of(), notices, "the next hop reports success itself (RFC 3461 §5.2.1)");
        assertEquals(List.of("MAIL FROM:<a@local.test> RET=HDRS ENVID=e1", "RCPT TO:<ok@remote.test> NOTIFY=SUCCESS ORCPT=rfc822;ok@remote.test",
                "DATA"), wire);
    }

    @Test
    void aDelayNoticeNamesOnlyRecipientsWhoseNotifyAllowsIt() throws Exception {
        EnvelopeParams p = new EnvelopeParams(Optional.empty(), Optional.empty(), EnvelopeParams.Tls.DEFAULT, Map.of(
                "late-failure@remote.test", notify(Notify.FAILURE),
                "late-delay@remote.test", notify(Notify.DELAY)));
        List<DsnReader.Dsn> notices = run(false, Instant.now().minus(Duration.ofHours(5)),
                List.of("late-failure@remote.test", "late-delay@remote.test", "late-default@remote.test"), p, new ArrayList<>());
        assertEquals(1, notices.size());
        assertEquals(List.of("rfc822; late-delay@remote.test", "rfc822; late-default@remote.test"),
                notices.getFirst().recipients().stream().map(r -> r.get("final-recipient")).toList());
        assertEquals("delayed", notices.getFirst().recipients().getFirst().get("action"));
        assertEquals(null, notices.getFirst().message().get("original-envelope-id"));
    }

    @Test
    void neverIsSilentForDelaysToo() throws Exception {
        EnvelopeParams p = new EnvelopeParams(Optional.empty(), Optional.empty(), EnvelopeParams.Tls.DEFAULT, Map.of(
                "late@remote.test", new EnvelopeParams.Rcpt(Optional.of(Set.of()), Optional.empty(), Optional.empty())));
        assertEquals(List.of(), run(false, Instant.now().minus(Duration.ofHours(5)), List.of("late@remote.test"), p, new ArrayList<>()));
    }
}
