package org.tegami.smtp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.smtp.server.SmtpTestServer.ALICE;
import static org.tegami.smtp.server.SmtpTestServer.BOB;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.MessageMeta;
import org.tegami.store.QueueEntry;
import org.tegami.testkit.Transcript;

/** What a session leaves in the store: exact blob bytes, trace headers, single-instance blobs, the queue. */
class SmtpDeliveryTest {
    private static final String GREETING_AND_EHLO = SmtpTestServer.GREETING_AND_EHLO_25;
    private static final String DATE = "Thu, 2 Jan 2025 03:04:05 +0000";

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

    private Map<String, String> run(String port, String body) {
        return server.runner().run(Transcript.parse("inline", "# port: " + port + "\n" + body));
    }

    private String blob(MessageMeta m) {
        return new String(server.blob(m), StandardCharsets.UTF_8);
    }

    @Test
    void storesTraceHeadersThenTheExactClientBytes() {
        Map<String, String> vars = run("smtp", GREETING_AND_EHLO + """
                C: MAIL FROM:<sender@remote.test>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<alice+tag@example.test>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C-RAW: From: <sender@remote.test>\\r\\nSubject: exact\\r\\n\\r\\nline one\\r\\n\\ttabbed \\r\\n\\r\\nlast\\r\\n.\\r\\n
                S: 250 2.0.0 OK queued as {id}
                """);
        List<MessageMeta> inbox = server.inbox(ALICE);
        assertEquals(1, inbox.size());
        MessageMeta m = inbox.getFirst();
        String expected = "Return-Path: <sender@remote.test>\r\n"
                + "Received: from client.test ([127.0.0.1])\r\n"
                + "\tby mail.example.test (Tegami) with ESMTP\r\n"
                + "\tid " + vars.get("id") + "\r\n"
                + "\tfor <alice+tag@example.test>; " + DATE + "\r\n"
                + "From: <sender@remote.test>\r\nSubject: exact\r\n\r\nline one\r\n\ttabbed \r\n\r\nlast\r\n";
        assertEquals(expected, blob(m));
        assertEquals(expected.length(), m.size());
        assertEquals(SmtpTestServer.NOW, m.internalDate());
        assertEquals(List.of(), server.inbox(BOB));
    }

    @Test
    void dotStuffingIsRemoved() {
        run("smtp", GREETING_AND_EHLO + """
                C: MAIL FROM:<>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<alice@example.test>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: Subject: dots
                C:
                C: ..
                C: ..leading dot
                C: ...two
                C: a.b
                C: .
                S~ 250 2\\.0\\.0 OK queued as \\w+
                """);
        String b = blob(server.inbox(ALICE).getFirst());
        assertTrue(b.startsWith("Return-Path: <>\r\nReceived: from client.test ([127.0.0.1])\r\n"), b);
        assertTrue(b.endsWith("; " + DATE + "\r\nSubject: dots\r\n\r\n.\r\n.leading dot\r\n..two\r\na.b\r\n"), b);
    }

    @Test
    void bdatChunksAreJoinedAndAFinalLineEndIsAdded() {
        run("smtp", GREETING_AND_EHLO + """
                C: MAIL FROM:<sender@remote.test>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<bob@example.test>
                S: 250 2.1.5 Recipient OK
                C-RAW: BDAT 10\\r\\nSubject: c
                S: 250 2.0.0 10 octets received
                C-RAW: BDAT 17 LAST\\r\\nhunk\\r\\n\\r\\n.no-stuff
                S~ 250 2\\.0\\.0 OK queued as \\w+
                """);
        String b = blob(server.inbox(BOB).getFirst());
        // BDAT data is not dot-stuffed (RFC 3030 §2); the missing final CRLF is added (RFC 5322 §2.1).
        assertTrue(b.endsWith("; " + DATE + "\r\nSubject: chunk\r\n\r\n.no-stuff\r\n"), b);
    }

    @Test
    void multiRecipientDeliveryStoresTheBlobOnce() {
        run("smtp", GREETING_AND_EHLO + """
                C: MAIL FROM:<sender@remote.test>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<alice@example.test>
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<bob@example.test>
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<sales@example.test>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: Subject: three
                C:
                C: Hi.
                C: .
                S: 250 2.0.0 OK queued as {id}
                """);
        // sales@ is an alias of alice: she gets one copy, not two.
        List<MessageMeta> alice = server.inbox(ALICE);
        List<MessageMeta> bob = server.inbox(BOB);
        assertEquals(1, alice.size());
        assertEquals(1, bob.size());
        assertEquals(alice.getFirst().blob(), bob.getFirst().blob());
        String b = blob(bob.getFirst());
        // Several recipients: no "for" clause, so one blob serves them all (RFC 5321 §4.4 makes it optional).
        assertTrue(b.contains("\tid "), b);
        assertTrue(!b.contains("for <"), b);
        assertEquals(List.of(), server.store().queue().list());
    }

    @Test
    void submissionQueuesRemoteRecipientsAndDeliversLocalOnes() {
        Map<String, String> vars = run("submissions", """
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
                C: MAIL FROM:<alice@example.test>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<bob@example.test>
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<friend@remote.test>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C: From: Alice <alice+out@Example.TEST>
                C: Subject: out
                C:
                C: Hi.
                C: .
                S: 250 2.0.0 OK queued as {id}
                """);
        MessageMeta m = server.inbox(BOB).getFirst();
        String b = blob(m);
        String returnPath = "Return-Path: <alice@example.test>\r\n";
        assertTrue(b.matches("(?s)" + returnPath.replace("\r\n", "\\r\\n")
                + "Received: from laptop\\.example\\.test \\(\\[127\\.0\\.0\\.1]\\)\r\n"
                + "\tby mail\\.example\\.test \\(Tegami\\) with ESMTPSA \\(TLSv1\\.3 TLS_[A-Z0-9_]+\\)\r\n"
                + "\tid " + vars.get("id") + "; " + Pattern.quote(DATE) + "\r\n"
                + "From: Alice <alice\\+out@Example\\.TEST>\r\nSubject: out\r\n\r\nHi\\.\r\n"), b);
        List<QueueEntry> queue = server.store().queue().list();
        assertEquals(1, queue.size());
        QueueEntry q = queue.getFirst();
        assertEquals("alice@example.test", q.sender());
        assertEquals(List.of("friend@remote.test"), q.recipients());
        assertEquals(m.blob(), q.blob());
        assertEquals(returnPath.length(), q.skipBytes());
        assertEquals(server.store().accounts().user(SmtpTestServer.address(ALICE)).map(a -> a.id()), q.submitter(),
                "bounces go to the user who sent it");
        assertEquals("example.test", q.dkimDomain(), "the checked From: domain, the only one the queue may sign for");
        assertEquals(List.of(), server.inbox(ALICE));
    }

    @Test
    void refusedMessagesLeaveNothingBehind() {
        run("smtp", GREETING_AND_EHLO + """
                C: MAIL FROM:<sender@remote.test>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<alice@example.test>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C-RAW: Subject: smuggle\\r\\n\\r\\nfirst\\n.\\nsecond\\r\\n.\\r\\n
                S: 554 5.6.0 Message refused: bare CR or LF found, lines must end with CRLF
                C: MAIL FROM:<sender@remote.test>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<alice@example.test>
                S: 250 2.1.5 Recipient OK
                C-RAW: BDAT 5 LAST\\r\\na\\rb\\r\\n
                S: 554 5.6.0 Message refused: bare CR or LF found, lines must end with CRLF
                C: QUIT
                S: 221 2.0.0 mail.example.test closing connection
                CLOSED
                """);
        assertEquals(List.of(), server.inbox(ALICE));
    }

    @Test
    void gtubeIsRefusedForAllRecipientsAndNothingIsStored() {
        run("smtp", GREETING_AND_EHLO + """
                C: MAIL FROM:<sender@remote.test>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<alice@example.test>
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<bob@example.test>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C-RAW: Subject: t\\r\\n\\r\\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\\r\\n.\\r\\n
                S: 554 5.7.1 Message refused as spam
                """);
        assertEquals(List.of(), server.inbox(ALICE));
        assertEquals(List.of(), server.inbox(BOB));
    }

    @Test
    void theClassifierVerdictIsStoredAsAPrefixPerRecipientOverOneBlob() throws Exception {
        var store = server.store();
        var alice = store.accounts().user(SmtpTestServer.address(ALICE)).orElseThrow().id();
        var bob = store.accounts().user(SmtpTestServer.address(BOB)).orElseThrow().id();
        // alice has taught her model that "pills" is spam; bob has learned nothing, and falls back to the shared model
        for (int i = 0; i < 6; i++) {
            store.classifier().learn(alice, "s" + i, org.tegami.store.ClassifierStore.Verdict.SPAM, List.of("cheap", "pills", "s" + i));
            store.classifier().learn(alice, "h" + i, org.tegami.store.ClassifierStore.Verdict.HAM, List.of("meeting", "agenda", "h" + i));
        }
        run("smtp", GREETING_AND_EHLO + """
                C: MAIL FROM:<sender@remote.test>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<alice@example.test>
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<bob@example.test>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C-RAW: Subject: cheap pills\\r\\n\\r\\ncheap pills cheap pills\\r\\n.\\r\\n
                S~ 250 2\\.0\\.0 OK queued as .*
                """);
        assertEquals(List.of(), server.inbox(ALICE), "filed in Junk");
        var junk = store.mail().mailbox(alice, "Junk").orElseThrow();
        MessageMeta m = store.mail().messages(junk.id()).getFirst();
        assertTrue(m.flags().contains("$Junk"));
        String text;
        try (var in = store.blobs().open(m.content())) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(text.startsWith("X-Spam-Status: Yes, score="), text);
        assertTrue(text.contains("model=user"), text);
        assertEquals(text.length(), m.size());
        assertEquals(m.size(), store.blobs().size(m.blob()) + m.prefix().length());
        MessageMeta b = store.mail().messages(store.mail().mailbox(bob, "Junk").orElseThrow().id()).getFirst();
        assertEquals(m.blob(), b.blob(), "one blob for both recipients");
        assertTrue(b.prefix().toString().contains("model=shared"), b.prefix().toString());
    }
}
