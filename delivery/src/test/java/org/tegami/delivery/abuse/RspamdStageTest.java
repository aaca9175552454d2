package org.tegami.delivery.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.Outcome;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.DeliveryRequest;
import org.tegami.testkit.FreePort;

/** The rspamd stage against a real HTTP server that answers {@code /checkv2} as rspamd does. */
class RspamdStageTest {
    private static final AccountId ALICE = new AccountId(1);
    private static final byte[] MESSAGE = "From: a@example.org\r\nSubject: hi\r\n\r\nHello.\r\n".getBytes(StandardCharsets.US_ASCII);

    private HttpServer server;
    private final AtomicReference<String> answer = new AtomicReference<>();
    private final AtomicReference<Long> delayMs = new AtomicReference<>(0L);
    private final Map<String, List<String>> seenHeaders = new ConcurrentHashMap<>();
    private final AtomicReference<byte[]> seenBody = new AtomicReference<>();

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    private URI start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/checkv2", x -> {
            seenBody.set(x.getRequestBody().readAllBytes());
            x.getRequestHeaders().forEach(seenHeaders::put);
            try {
                Thread.sleep(delayMs.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] b = answer.get().getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static InboundMessage message() throws Exception {
        return new InboundMessage(InetAddress.getByName("192.0.2.1"), "client.example.org", "a@example.org", List.of(ALICE),
                false, Optional.empty(), new BlobId("b".repeat(64)), MESSAGE.length,
                max -> java.util.Arrays.copyOf(MESSAGE, Math.min(max, MESSAGE.length)));
    }

    private static RspamdStage stage(URI base, boolean honour, Duration timeout) {
        return new RspamdStage(base, honour, timeout, InstantSource.system(), a -> Optional.of("alice@example.test"));
    }

    private static String checkv2(String action, double score) {
        return """
                {"is_skipped": false, "score": %s, "required_score": 15.0, "action": "%s",
                 "symbols": {"BAYES_SPAM": {"name": "BAYES_SPAM", "score": 5.1, "metric_score": 5.1, "description": "Message probably spam"},
                             "R_SPF_FAIL": {"name": "R_SPF_FAIL", "score": 1.0, "options": ["-all"]},
                             "BAD\\r\\nHeader: injected": {"score": 9.0}},
                 "messages": {}, "message-id": "x@y", "milter": {"add_headers": {}}}
                """.formatted(score, action);
    }

    @Test
    void actionsMapToRefusalsJunkOrInbox() throws Exception {
        URI base = start();
        RspamdStage stage = stage(base, true, Duration.ofSeconds(10));
        answer.set(checkv2("reject", 20.5));
        assertEquals(new Outcome.Refuse(554, "5.7.1", "Message refused as spam"), stage.apply(message(), ALICE, Outcome.Deliver.INBOX));
        assertEquals("192.0.2.1", seenHeaders.get("Ip").getFirst());
        assertEquals("client.example.org", seenHeaders.get("Helo").getFirst());
        assertEquals("a@example.org", seenHeaders.get("From").getFirst());
        assertEquals(List.of("alice@example.test"), seenHeaders.get("Rcpt"));
        assertTrue(seenHeaders.containsKey("Queue-id"));
        assertEquals(new String(MESSAGE, StandardCharsets.US_ASCII), new String(seenBody.get(), StandardCharsets.US_ASCII));

        Outcome.Deliver notHonoured = (Outcome.Deliver) stage(base, false, Duration.ofSeconds(10)).apply(message(), ALICE, Outcome.Deliver.INBOX);
        assertEquals(DeliveryRequest.Target.JUNK, notHonoured.target());

        answer.set(checkv2("add header", 7.2));
        Outcome.Deliver junk = (Outcome.Deliver) stage.apply(message(), ALICE, Outcome.Deliver.INBOX);
        assertEquals(DeliveryRequest.Target.JUNK, junk.target());
        assertTrue(junk.flags().contains("$Junk"));
        assertEquals("X-Spamd-Result: action=add header; score=7.20/15.00;\r\n\tsymbols=BAYES_SPAM(5.10),R_SPF_FAIL(1.00)",
                junk.headers().getFirst(), "the symbol with CR LF in its name is left out");
        answer.set(checkv2("rewrite subject", 9));
        assertEquals(DeliveryRequest.Target.JUNK, ((Outcome.Deliver) stage.apply(message(), ALICE, Outcome.Deliver.INBOX)).target());

        answer.set(checkv2("soft reject", 9));
        assertEquals(new Outcome.Refuse(451, "4.7.1", "Try again later"), stage.apply(message(), ALICE, Outcome.Deliver.INBOX));
        answer.set(checkv2("greylist", 4));
        assertEquals(new Outcome.Refuse(451, "4.7.1", "Try again later"), stage.apply(message(), ALICE, Outcome.Deliver.INBOX));

        answer.set(checkv2("no action", -1.5));
        Outcome.Deliver ham = (Outcome.Deliver) stage.apply(message(), ALICE, Outcome.Deliver.INBOX);
        assertEquals(DeliveryRequest.Target.INBOX, ham.target());
        assertTrue(ham.headers().getFirst().startsWith("X-Spamd-Result: action=no action; score=-1.50/15.00;"));
        // once per message: the memo keeps the verdict for the other recipients
        InboundMessage m = message();
        stage.apply(m, ALICE, Outcome.Deliver.INBOX);
        answer.set(checkv2("reject", 30));
        assertEquals(DeliveryRequest.Target.INBOX, ((Outcome.Deliver) stage.apply(m, new AccountId(2), Outcome.Deliver.INBOX)).target());
    }

    @Test
    void downSlowOrNonsenseLetsMailThrough() throws Exception {
        // nothing listens there, and below the ephemeral range no other test's socket takes it meanwhile
        int closed = FreePort.pick();
        assertSame(Outcome.Deliver.INBOX, stage(URI.create("http://127.0.0.1:" + closed), true, Duration.ofSeconds(2))
                .apply(message(), ALICE, Outcome.Deliver.INBOX), "down");
        URI base = start();
        answer.set(checkv2("reject", 20));
        // rspamd answers after 10 s: the stage's 500 ms timeout must end the wait long before that (the bound leaves a
        // loaded machine room to run the timeout late, and still fails a stage that waits for the answer)
        delayMs.set(10_000L);
        long t0 = System.nanoTime();
        assertSame(Outcome.Deliver.INBOX, stage(base, true, Duration.ofMillis(500)).apply(message(), ALICE, Outcome.Deliver.INBOX), "slow");
        long waited = System.nanoTime() - t0;
        assertTrue(waited < Duration.ofSeconds(5).toNanos(), "bounded: " + waited / 1_000_000 + " ms");
        delayMs.set(0L);
        for (String nonsense : List.of("<html>busy</html>", "{\"score\": 3}", "{\"action\": \"reject\"",
                "{\"action\": \"reject\", \"pad\": \"" + "x".repeat(RspamdResponse.MAX_BYTES) + "\"}")) {
            answer.set(nonsense);
            assertSame(Outcome.Deliver.INBOX, stage(base, true, Duration.ofSeconds(5)).apply(message(), ALICE, Outcome.Deliver.INBOX),
                    nonsense.substring(0, Math.min(40, nonsense.length())));
        }
    }

    /** A database connection a read group holds is given back before rspamd is asked, not held through its timeout. */
    @Test
    void theReadGroupsConnectionIsNotHeldWhileRspamdAnswers() throws Exception {
        URI base = start();
        answer.set(checkv2("no action", 0));
        RspamdStage stage = stage(base, true, Duration.ofSeconds(10));
        boolean[] closed = {false};
        org.tegami.store.ReadGroup.run(() -> {
            org.tegami.store.ReadGroup.current().hold("store", () -> (AutoCloseable) () -> closed[0] = true);
            try {
                stage.apply(message(), ALICE, Outcome.Deliver.INBOX);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            assertTrue(closed[0], "released before the request");
            return null;
        });
    }
}
