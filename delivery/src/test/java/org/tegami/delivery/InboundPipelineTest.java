package org.tegami.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.DeliveryRequest;

class InboundPipelineTest {
    private static final AccountId A = new AccountId(1);
    private static final AccountId B = new AccountId(2);

    private static InboundMessage message() {
        return new InboundMessage(InetAddress.getLoopbackAddress(), "client.test", "s@remote.test", List.of(A, B), false,
                Optional.empty(), new BlobId("a".repeat(64)), 10, max -> new byte[0]);
    }

    private record Named(String name, java.util.function.BiFunction<AccountId, Outcome.Deliver, Outcome> f) implements Stage {
        @Override
        public Outcome apply(InboundMessage m, AccountId r, Outcome.Deliver sofar) {
            return f.apply(r, sofar);
        }
    }

    @Test
    void stagesRunInOrderPerRecipientAndARefusalEndsThePipelineForThatRecipientOnly() {
        List<String> calls = new ArrayList<>();
        InboundPipeline p = new InboundPipeline(List.of(
                new Named("one", (r, d) -> {
                    calls.add("one:" + r.value());
                    return d.withHeader("X-One: " + r.value());
                }),
                new Named("two", (r, d) -> {
                    calls.add("two:" + r.value());
                    return r.equals(B) ? new Outcome.Refuse(550, "5.7.1", "no") : d.withTarget(DeliveryRequest.Target.JUNK);
                }),
                new Named("three", (r, d) -> {
                    calls.add("three:" + r.value());
                    return d.withFlag("$Seen-by-three");
                })));
        Map<AccountId, Outcome> out = p.run(message());
        assertEquals(List.of("one:1", "two:1", "three:1", "one:2", "two:2"), calls);
        assertEquals(new Outcome.Deliver(DeliveryRequest.Target.JUNK, java.util.Set.of("$Seen-by-three"), List.of("X-One: 1")),
                out.get(A));
        assertEquals(new Outcome.Refuse(550, "5.7.1", "no"), out.get(B));
    }

    @Test
    void everyStageOfEveryRecipientReadsInTheMessagesOneReadGroup() {
        List<org.tegami.store.ReadGroup> groups = new ArrayList<>();
        InboundPipeline p = new InboundPipeline(List.of(new Named("reads", (r, d) -> {
            groups.add(org.tegami.store.ReadGroup.current());
            return d;
        })));
        p.run(message());
        assertEquals(2, groups.size());
        org.junit.jupiter.api.Assertions.assertNotNull(groups.getFirst(), "the stages' reads are grouped");
        org.junit.jupiter.api.Assertions.assertSame(groups.getFirst(), groups.getLast(), "one group for the message");
        org.junit.jupiter.api.Assertions.assertNull(org.tegami.store.ReadGroup.current(), "and it ends with the run");
        p.run(message());
        org.junit.jupiter.api.Assertions.assertNotSame(groups.getFirst(), groups.get(2), "each message its own group");
    }

    @Test
    void aStageThatThrowsIsSkippedAndMailStillFlows() {
        InboundPipeline p = new InboundPipeline(List.of(new Named("bug", (r, d) -> {
            throw new IllegalStateException("bug");
        }), new Named("ok", (r, d) -> d.withHeader("X-Ok: 1"))));
        assertEquals(Outcome.Deliver.INBOX.withHeader("X-Ok: 1"), p.run(message()).get(A));
    }

    @Test
    void refusalsCarryMatchingCodes() {
        assertThrows(IllegalArgumentException.class, () -> new Outcome.Refuse(250, "2.0.0", "ok"));
        assertThrows(IllegalArgumentException.class, () -> new Outcome.Refuse(550, "4.7.1", "mismatch"));
        assertEquals(true, new Outcome.Refuse(451, "4.7.1", "later").temporary());
    }

    @Test
    void headerSectionIsReadOnceAndEndsAtTheEmptyLine() {
        int[] reads = {0};
        byte[] raw = "Subject: a\r\nX: b\r\n\r\nbody\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        InboundMessage m = new InboundMessage(InetAddress.getLoopbackAddress(), "c.test", "", List.of(A), false,
                Optional.empty(), new BlobId("a".repeat(64)), raw.length, max -> {
                    reads[0]++;
                    return java.util.Arrays.copyOf(raw, Math.min(max, raw.length));
                });
        assertEquals("Subject: a\r\nX: b\r\n\r\n", new String(m.header(), java.nio.charset.StandardCharsets.US_ASCII));
        m.header();
        assertEquals(1, reads[0]);
    }
}
