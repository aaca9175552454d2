package org.tegami.smtp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.smtp.server.SmtpTestServer.ALICE;
import static org.tegami.smtp.server.SmtpTestServer.BOB;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.Outcome;
import org.tegami.delivery.Stage;
import org.tegami.store.AccountId;
import org.tegami.store.MessageMeta;
import org.tegami.store.QueueEntry;
import org.tegami.testkit.Transcript;

/** Refusals by pipeline stages over the wire (ADR 0008): for all recipients before 250, or some of them by DSN. */
class SmtpPipelineTest {
    private static final String EHLO = SmtpTestServer.GREETING_AND_EHLO_25;

    @TempDir
    Path dir;
    SmtpTestServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    /** Refuses the recipients whose account is in the list, with the given reply. */
    private record Refusing(List<String> who, Outcome.Refuse reply, SmtpTestServer[] server) implements Stage {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public Outcome apply(InboundMessage m, AccountId r, Outcome.Deliver sofar) {
            for (String w : who) {
                if (server[0].store().accounts().user(SmtpTestServer.address(w)).orElseThrow().id().equals(r)) {
                    return reply;
                }
            }
            return sofar.withHeader("X-Test: passed");
        }
    }

    private void start(List<String> refused, Outcome.Refuse reply) {
        SmtpTestServer[] holder = new SmtpTestServer[1];
        server = new SmtpTestServer(dir.resolve("data"), dir.resolve("tls"), SmtpTestServer.LIMITS,
                List.of(new Refusing(refused, reply, holder)));
        holder[0] = server;
    }

    private String send(String from) {
        return server.runner().run(Transcript.parse("inline", "# port: smtp\n" + EHLO + """
                C: MAIL FROM:<%s>
                S: 250 2.1.0 Sender OK
                C: RCPT TO:<alice@example.test>
                S: 250 2.1.5 Recipient OK
                C: RCPT TO:<bob@example.test>
                S: 250 2.1.5 Recipient OK
                C: DATA
                S: 354 End data with <CR><LF>.<CR><LF>
                C-RAW: Subject: t\\r\\n\\r\\nbody\\r\\n.\\r\\n
                S~ (?<reply>.*)
                """.formatted(from))).get("reply");
    }

    @Test
    void refusedForEveryRecipientIsTheReplyToDataAndNothingIsStored() {
        start(List.of(ALICE, BOB), new Outcome.Refuse(550, "5.7.1", "Refused"));
        assertEquals("550 5.7.1 Refused", send("sender@remote.test"));
        assertEquals(List.of(), server.inbox(ALICE));
        assertEquals(List.of(), server.inbox(BOB));
        assertEquals(List.of(), server.store().queue().list(), "no notice: the sender got the reply");
    }

    @Test
    void aTemporaryRefusalWinsSoTheSenderRetries() {
        SmtpTestServer[] holder = new SmtpTestServer[1];
        Stage mixed = new Stage() {
            @Override
            public String name() {
                return "mixed";
            }

            @Override
            public Outcome apply(InboundMessage m, AccountId r, Outcome.Deliver sofar) {
                boolean alice = holder[0].store().accounts().user(SmtpTestServer.address(ALICE)).orElseThrow().id().equals(r);
                return alice ? new Outcome.Refuse(550, "5.7.1", "Refused") : new Outcome.Refuse(451, "4.7.1", "Try later");
            }
        };
        server = new SmtpTestServer(dir.resolve("data"), dir.resolve("tls"), SmtpTestServer.LIMITS, List.of(mixed));
        holder[0] = server;
        assertEquals("451 4.7.1 Try later", send("sender@remote.test"));
        assertEquals(List.of(), server.inbox(ALICE));
    }

    @Test
    void someRefusedGetANoticeByMailAndTheOthersTheMessageWithTheStagesHeader() throws Exception {
        start(List.of(BOB), new Outcome.Refuse(550, "5.7.1", "Refused by policy"));
        assertTrue(send("sender@remote.test").startsWith("250 2.0.0 OK queued as "));
        MessageMeta m = server.inbox(ALICE).getFirst();
        try (var in = server.store().blobs().open(m.content())) {
            assertTrue(new String(in.readAllBytes(), StandardCharsets.UTF_8).startsWith("X-Test: passed\r\nReturn-Path: "));
        }
        assertEquals(List.of(), server.inbox(BOB));
        // RFC 3464: a DSN to the remote sender, queued with the null reverse path (RFC 5321 §6.1)
        List<QueueEntry> queue = server.store().queue().list();
        assertEquals(1, queue.size());
        assertEquals("", queue.getFirst().sender());
        assertEquals(List.of("sender@remote.test"), queue.getFirst().recipients());
        String dsn;
        try (var in = server.store().blobs().open(queue.getFirst().blob())) {
            dsn = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(dsn.contains("Final-Recipient: rfc822; bob@example.test\r\nAction: failed\r\nStatus: 5.7.1\r\n"), dsn);
        assertTrue(dsn.contains("Subject: t\r\n"), "quotes the original header section");
        assertTrue(!dsn.contains("alice@example.test"), "says nothing about the recipients who got it");
    }

    @Test
    void aLocalSenderFindsTheNoticeInTheirInboxAndTheNullSenderGetsNone() {
        start(List.of(BOB), new Outcome.Refuse(550, "5.7.1", "Refused"));
        assertTrue(send("alice@example.test").startsWith("250 "));
        assertEquals(2, server.inbox(ALICE).size(), "the message and the notice about bob");
        assertEquals(List.of(), server.store().queue().list());
        assertTrue(send("").startsWith("250 "));
        assertEquals(3, server.inbox(ALICE).size(), "no notice to <>");
        assertEquals(List.of(), server.store().queue().list());
    }
}
