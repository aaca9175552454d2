package org.tegami.delivery.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.InboundPipeline;
import org.tegami.delivery.Outcome;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.GreylistStore;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;

/** Greylisting (RFC 6647) over the embedded store with a clock the test moves. */
class GreylistStageTest {
    private static final AccountId ALICE = new AccountId(1);
    private static final AccountId BOB = new AccountId(2);
    private static final Outcome.Refuse GREY = new Outcome.Refuse(451, "4.7.1", "Greylisted, try again later");

    @TempDir
    Path dir;
    Store store;
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    final InstantSource clock = () -> now.get();

    @AfterEach
    void close() {
        if (store != null) store.close();
    }

    private static InboundMessage message(String ip, String from, AccountId... to) throws Exception {
        return new InboundMessage(InetAddress.getByName(ip), "c.test", from, List.of(to), false, Optional.empty(),
                new BlobId("b".repeat(64)), 10, max -> new byte[0]);
    }

    private void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    @Test
    void firstTimeIsRefusedUntilARetryAfterTheDelay() throws Exception {
        store = EmbeddedStore.open(dir, InstantSource.system());
        var pipeline = new InboundPipeline(List.of(new GreylistStage(store.greylist(), Duration.ofMinutes(5), clock)));
        assertEquals(GREY, pipeline.run(message("192.0.2.1", "news@example.org", ALICE)).get(ALICE));
        advance(Duration.ofMinutes(1));
        assertEquals(GREY, pipeline.run(message("192.0.2.1", "news@example.org", ALICE)).get(ALICE), "too early");
        advance(Duration.ofMinutes(4));
        // another host of the same /24 retries: passes (senders retry from a pool)
        assertSame(Outcome.Deliver.INBOX, pipeline.run(message("192.0.2.77", "News@Example.org", ALICE)).get(ALICE));
        advance(Duration.ofDays(30));
        assertSame(Outcome.Deliver.INBOX, pipeline.run(message("192.0.2.1", "news@example.org", ALICE)).get(ALICE),
                "remembered, and the use refreshes it");
        advance(Duration.ofDays(30));
        assertSame(Outcome.Deliver.INBOX, pipeline.run(message("192.0.2.1", "news@example.org", ALICE)).get(ALICE));
        // another network, another sender: greylisted; the null sender too
        assertEquals(GREY, pipeline.run(message("198.51.100.1", "news@example.org", ALICE)).get(ALICE));
        assertEquals(GREY, pipeline.run(message("192.0.2.1", "", ALICE)).get(ALICE));
        // unused for longer than 35 days: forgotten
        advance(Duration.ofDays(36));
        assertEquals(GREY, pipeline.run(message("192.0.2.1", "news@example.org", ALICE)).get(ALICE));
    }

    @Test
    void oneVerdictPerMessageAndARetryTooLateStartsOver() throws Exception {
        store = EmbeddedStore.open(dir, InstantSource.system());
        var pipeline = new InboundPipeline(List.of(new GreylistStage(store.greylist(), Duration.ofMinutes(5), clock)));
        assertEquals(GREY, pipeline.run(message("2001:db8:1:2::1", "a@example.org", ALICE)).get(ALICE));
        advance(Duration.ofMinutes(6));
        assertSame(Outcome.Deliver.INBOX, pipeline.run(message("2001:db8:1:2:ffff::9", "a@example.org", ALICE)).get(ALICE));
        // Alice's triple passed, Bob's is new: both refused alike (one reply to DATA), then both pass together
        var both = pipeline.run(message("2001:db8:1:2::1", "a@example.org", ALICE, BOB));
        assertEquals(GREY, both.get(ALICE));
        assertEquals(GREY, both.get(BOB));
        advance(Duration.ofMinutes(6));
        both = pipeline.run(message("2001:db8:1:2::1", "a@example.org", ALICE, BOB));
        assertSame(Outcome.Deliver.INBOX, both.get(ALICE));
        assertSame(Outcome.Deliver.INBOX, both.get(BOB));
        // a retry more than 24 hours after the first attempt starts over
        assertEquals(GREY, pipeline.run(message("203.0.113.5", "late@example.org", ALICE)).get(ALICE));
        advance(Duration.ofHours(25));
        assertEquals(GREY, pipeline.run(message("203.0.113.5", "late@example.org", ALICE)).get(ALICE));
        advance(Duration.ofMinutes(5));
        assertSame(Outcome.Deliver.INBOX, pipeline.run(message("203.0.113.5", "late@example.org", ALICE)).get(ALICE));
    }

    @Test
    void submittersAreExemptAndExpiredRowsArePruned() throws Exception {
        store = EmbeddedStore.open(dir, InstantSource.system());
        var stage = new GreylistStage(store.greylist(), Duration.ofMinutes(5), clock);
        var submitted = new InboundMessage(InetAddress.getByName("192.0.2.1"), "c", "a@example.test", List.of(ALICE), true,
                Optional.of(BOB), new BlobId("b".repeat(64)), 10, max -> new byte[0]);
        assertSame(Outcome.Deliver.INBOX, stage.apply(submitted, ALICE, Outcome.Deliver.INBOX));
        var stale = new GreylistStore.Triple("198.51.100.0/24", "x@example.org", ALICE);
        store.greylist().put(stale, new GreylistStore.Entry(now.get().minus(Duration.ofDays(2)), now.get().minus(Duration.ofDays(2)), false));
        stage.apply(message("192.0.2.1", "b@example.org", ALICE), ALICE, Outcome.Deliver.INBOX);
        assertTrue(store.greylist().entry(stale).isEmpty(), "pruned on the delivery path");
        assertTrue(store.greylist().entry(new GreylistStore.Triple("192.0.2.0/24", "b@example.org", ALICE)).isPresent());
    }

    @Test
    void networks() throws Exception {
        assertEquals("192.0.2.0/24", GreylistStage.network(InetAddress.getByName("192.0.2.201")));
        assertEquals("2001:db8:1:2::/64", GreylistStage.network(InetAddress.getByName("2001:db8:1:2:3:4:5:6")));
        assertEquals("0:0:0:0::/64", GreylistStage.network(InetAddress.getByName("::1")));
    }
}
