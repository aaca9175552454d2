package org.tegami.smtp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.smtp.server.SmtpTestServer.ALICE;
import static org.tegami.smtp.server.SmtpTestServer.BOB;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.EnvelopeParams;
import org.tegami.store.QueueEntry;
import org.tegami.testkit.DsnReader;
import org.tegami.testkit.Transcript;

/**
 * DSN (RFC 3461) on the receiving side: the parameters kept with the queue entry, the success notice for local
 * mailboxes (§5.2.2), NOTIFY=NEVER silence; every notice read back by python3's email package.
 */
class SmtpDsnTest {
    @TempDir
    Path dir;
    SmtpTestServer server;

    @BeforeEach
    void start() {
        server = new SmtpTestServer(dir.resolve("data"), dir.resolve("tls"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void run(String port, String body) {
        server.runner().run(Transcript.parse("inline", "# port: " + port + "\n" + body));
    }

    private byte[] bytes(QueueEntry e) throws Exception {
        try (InputStream in = server.store().blobs().open(e.blob())) {
            in.skipNBytes(e.skipBytes());
            return in.readAllBytes();
        }
    }

    @Test
    void port25SuccessForALocalMailboxIsADeliveredNoticeToTheSenderAndNeverIsSilent() throws Exception {
        run("smtp", SmtpTestServer.GREETING_AND_EHLO_25 + """
                C: MAIL FROM:<sender@remote.test> RET=FULL ENVID=QQ+2B1
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Alice+40example.test
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<bob@example.test> NOTIFY=NEVER
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<sales@example.test> NOTIFY=SUCCESS
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: Subject: please confirm
                C:
                C: body
                C: .
                S~ 250 2\\.0\\.0 OK queued as .*
                """);
        assertEquals(1, server.inbox(ALICE).size(), "one copy for alice, named directly and through the sales alias");
        assertEquals(1, server.inbox(BOB).size());
        List<QueueEntry> queue = server.store().queue().list();
        assertEquals(1, queue.size(), "one notice, to the remote sender: " + queue);
        QueueEntry notice = queue.getFirst();
        assertEquals("", notice.sender(), "from <> (RFC 3461 §6.1)");
        assertEquals(List.of("sender@remote.test"), notice.recipients());
        DsnReader.Dsn dsn = DsnReader.read(dir, bytes(notice));
        assertEquals("delivery-status", dsn.reportType());
        assertEquals("QQ+1", dsn.message().get("original-envelope-id"));
        assertEquals("dns; mail.example.test", dsn.message().get("reporting-mta"));
        assertEquals(2, dsn.recipients().size(), "bob said NEVER: " + dsn.recipients());
        Map<String, String> a = dsn.recipients().get(0);
        assertEquals("rfc822;Alice@example.test", a.get("original-recipient"));
        assertEquals("rfc822; alice@example.test", a.get("final-recipient"));
        assertEquals("delivered", a.get("action"));
        assertEquals("2.0.0", a.get("status"));
        Map<String, String> s = dsn.recipients().get(1);
        assertEquals("rfc822; sales@example.test", s.get("final-recipient"));
        assertEquals("delivered", s.get("action"));
        assertEquals(null, s.get("original-recipient"));
        // RFC 3461 §4.3: RET=FULL is for failures; a success notice returns the header section
        assertEquals("text/rfc822-headers", dsn.returned());
        assertTrue(dsn.returnedText().contains("Subject: please confirm"), dsn.returnedText());
        assertTrue(!dsn.returnedText().contains("body"), dsn.returnedText());
    }

    @Test
    void submissionKeepsTheParametersWithTheQueueEntryAndTellsTheSenderOfLocalSuccess() throws Exception {
        run("submissions", """
                S: 220 mail.example.test ESMTP Tegami
                C: EHLO laptop.example.test
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
                C: AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZC0x
                S: 235 2.7.0 Authentication successful
                C: MAIL FROM:<alice@example.test> RET=HDRS ENVID=env-1
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<bob@example.test> NOTIFY=SUCCESS ORCPT=rfc822;bob@example.test
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<friend@remote.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;Friend@remote.test
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<other@remote.test>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: From: alice@example.test
                C: Subject: out
                C:
                C: Hi.
                C: .
                S~ 250 2\\.0\\.0 OK queued as .*
                """);
        List<QueueEntry> queue = server.store().queue().list();
        assertEquals(1, queue.size());
        QueueEntry q = queue.getFirst();
        assertEquals(List.of("friend@remote.test", "other@remote.test"), q.recipients());
        assertEquals(new EnvelopeParams(Optional.of(EnvelopeParams.Ret.HDRS), Optional.of("env-1"), EnvelopeParams.Tls.DEFAULT, Map.of(
                "friend@remote.test", new EnvelopeParams.Rcpt(Optional.of(Set.of(EnvelopeParams.Notify.SUCCESS,
                        EnvelopeParams.Notify.DELAY)), Optional.of("rfc822"), Optional.of("Friend@remote.test")))), q.params());
        assertEquals(1, server.inbox(BOB).size());
        var notices = server.inbox(ALICE);
        assertEquals(1, notices.size(), "the sender is local: the notice goes to her INBOX");
        byte[] b = server.blob(notices.getFirst());
        assertTrue(new String(b, java.nio.charset.StandardCharsets.US_ASCII).startsWith("Return-Path: <>\r\n"));
        DsnReader.Dsn dsn = DsnReader.read(dir, b);
        assertEquals("env-1", dsn.message().get("original-envelope-id"));
        assertEquals(List.of(Map.of("original-recipient", "rfc822;bob@example.test",
                "final-recipient", "rfc822; bob@example.test", "action", "delivered", "status", "2.0.0")), dsn.recipients());
    }

    private QueueEntry submitRemote(String mailParams, String extraHeader) {
        run("submissions", """
                S: 220 mail.example.test ESMTP Tegami
                C: EHLO laptop.example.test
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
                C: AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wYXNzd29yZC0x
                S: 235 2.7.0 Authentication successful
                C: MAIL FROM:<alice@example.test>""" + mailParams + """

                S: 250 2.1.0 Sender OK
                C: RCPT TO:<friend@remote.test>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: From: alice@example.test
                """ + (extraHeader.isEmpty() ? "" : extraHeader + "\n") + """
                C: Subject: out
                C:
                C: Hi.
                C: .
                S~ 250 2\\.0\\.0 OK queued as .*
                """);
        List<QueueEntry> queue = server.store().queue().list();
        assertEquals(1, queue.size());
        return queue.getFirst();
    }

    /** RFC 8689 §4.1: REQUIRETLS tags the entry; TLS-Required: No relaxes it unless REQUIRETLS was given too. */
    @Test
    void requireTlsAndTlsRequiredNoAreKeptWithTheEntry() {
        assertEquals(EnvelopeParams.Tls.REQUIRED, submitRemote(" REQUIRETLS", "").params().tls());
        server.store().queue().list().forEach(e -> server.store().queue().remove(e.id()));
        assertEquals(EnvelopeParams.Tls.NOT_REQUIRED, submitRemote("", "C: TLS-Required:\tno").params().tls());
        server.store().queue().list().forEach(e -> server.store().queue().remove(e.id()));
        assertEquals(EnvelopeParams.Tls.REQUIRED, submitRemote(" REQUIRETLS", "C: TLS-Required: No").params().tls(),
                "with the parameter the field is ignored (RFC 8689 §4.1)");
        server.store().queue().list().forEach(e -> server.store().queue().remove(e.id()));
        assertEquals(EnvelopeParams.Tls.DEFAULT, submitRemote("", "C: TLS-Required: Maybe").params().tls());
    }
}
