package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The mail store's roles with typed outcomes (ADR 0026): CREATE and RENAME answer what happened instead of throwing,
 * and quotas are decided inside the write transaction, so concurrent writers (threads, processes, nodes) never
 * exceed one together.
 */
public interface MailRolesContract extends StoreContract {

    @Test
    default void createAnswersAlreadyExistsAndChangesNothing() {
        Account a = user(store(), "alice@example.test");
        var first = store().mail().create(a.id(), "Fruit", Optional.empty());
        Mailbox fruit = assertInstanceOf(MailboxDirectory.Create.Created.class, first).mailbox();
        assertInstanceOf(MailboxDirectory.Create.AlreadyExists.class, store().mail().create(a.id(), "Fruit", Optional.empty()));
        assertEquals(fruit, store().mail().mailbox(a.id(), "Fruit").orElseThrow());
    }

    @Test
    default void renameAnswersNotFoundOrTargetExistsAndIsAllOrNothing() {
        Account a = user(store(), "alice@example.test");
        for (String n : List.of("A", "A/x", "A/y", "B/y")) store().mail().createMailbox(a.id(), n, Optional.empty());
        assertInstanceOf(MailboxDirectory.Rename.NotFound.class, store().mail().rename(a.id(), "Nope", "C", '/'));
        // A/x could move to B/x, but A/y's new name is taken: nothing moves
        var clash = store().mail().rename(a.id(), "A", "B", '/');
        assertEquals(new MailboxDirectory.Rename.TargetExists("B/y"), clash);
        assertTrue(store().mail().mailbox(a.id(), "A/x").isPresent(), "nothing renamed");
        assertTrue(store().mail().mailbox(a.id(), "B").isEmpty());
        assertInstanceOf(MailboxDirectory.Rename.TargetExists.class, store().mail().rename(a.id(), "INBOX", "A", '/'));
        assertInstanceOf(MailboxDirectory.Rename.Renamed.class, store().mail().rename(a.id(), "A", "C", '/'));
        assertTrue(store().mail().mailbox(a.id(), "C/y").isPresent());
    }

    @Test
    default void appendAndCopyAnswerOverQuotaAndMailboxGone() throws Exception {
        Account a = user(store(), "alice@example.test");
        assertTrue(store().accounts().setQuota(a.id(), OptionalLong.empty(), OptionalLong.of(2)));
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        Mailbox sent = store().mail().mailbox(a.id(), "Sent").orElseThrow();
        byte[] m = "Subject: q\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        var one = new MessageWrites.NewMessage(blob(store(), m), m.length, NOW, Set.of());
        assertInstanceOf(MessageWrites.OverQuota.class, store().mail().appendWithinQuota(inbox.id(), List.of(one, one, one)),
                "three do not fit two: none is stored");
        assertEquals(0, store().mail().messages(inbox.id()).size());
        var ok = assertInstanceOf(MessageWrites.Append.Appended.class,
                store().mail().appendWithinQuota(inbox.id(), List.of(one, one)));
        assertEquals(List.of(new Uid(1), new Uid(2)), ok.uids());
        Set<Uid> both = Set.of(new Uid(1), new Uid(2));
        assertInstanceOf(MessageWrites.OverQuota.class, store().mail().copyWithinQuota(inbox.id(), both, sent.id(), false, f -> true));
        var moved = assertInstanceOf(MessageWrites.Append.Appended.class,
                store().mail().copyWithinQuota(inbox.id(), both, sent.id(), true, f -> true), "a MOVE in one account adds nothing");
        assertEquals(List.of(new Uid(1), new Uid(2)), moved.sources());
        assertInstanceOf(MessageWrites.OverQuota.class, store().mail().deliverWithinQuota(
                new DeliveryRequest(one.blob(), m.length, NOW, Set.of(a.id()), Optional.empty())));
        assertEquals(2, store().accounts().quota(a.id()).orElseThrow().usedMessages());
        assertTrue(store().mail().deleteMailbox(inbox.id()));
        assertInstanceOf(MessageWrites.Append.MailboxGone.class, store().mail().appendWithinQuota(inbox.id(), List.of(one)));
    }

    /** RFC 9208 §5.1: many writers at once, half through another instance on the same data, never pass the limit. */
    @Test
    default void concurrentAppendsAndDeliveriesFromTwoInstancesNeverExceedTheQuota() throws Exception {
        Account a = user(store(), "full@example.test");
        int limit = 12;
        assertTrue(store().accounts().setQuota(a.id(), OptionalLong.empty(), OptionalLong.of(limit)));
        Store other = second();
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        int threads = 8, each = 5;
        AtomicInteger stored = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Store s = t % 2 == 0 ? store() : other;
            Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        byte[] m = ("Subject: " + thread + "/" + i + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                        BlobId b = blob(s, m);
                        boolean ok = thread % 4 < 2
                                ? s.mail().appendWithinQuota(inbox.id(), List.of(new MessageWrites.NewMessage(b, m.length,
                                        NOW, Set.of()))) instanceof MessageWrites.Append.Appended
                                : s.mail().deliverWithinQuota(new DeliveryRequest(b, m.length, NOW, Set.of(a.id()),
                                        Optional.empty())) instanceof Delivered;
                        (ok ? stored : refused).incrementAndGet();
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    done.countDown();
                }
            });
        }
        start.countDown();
        assertTrue(done.await(120, TimeUnit.SECONDS));
        assertEquals(List.of(), new ArrayList<>(errors));
        assertEquals(limit, stored.get(), "exactly the quota is stored");
        assertEquals(threads * each - limit, refused.get());
        assertEquals(limit, store().mail().messages(inbox.id()).size());
        assertEquals(limit, other.accounts().quota(a.id()).orElseThrow().usedMessages());
    }

    @Test
    default void countersFlagSetsAndSearchAreAnsweredByTheStoreAsByAScan() throws Exception {
        Account a = user(store(), "alice@example.test");
        Mailbox box = store().mail().createMailbox(a.id(), "Box", Optional.empty());
        java.time.Instant day = java.time.Instant.parse("2025-03-10T12:00:00Z");
        List<MessageWrites.NewMessage> ms = new ArrayList<>();
        String[][] flags = {{}, {"\\Seen"}, {"\\Seen", "\\Deleted"}, {"\\Deleted"}, {"$Seen2"}, {"\\Seenx", "\\Flagged"}};
        for (int i = 0; i < flags.length; i++) {
            byte[] m = ("Subject: " + i + "\r\n\r\n" + "x".repeat(i * 10)).getBytes(StandardCharsets.US_ASCII);
            ms.add(new MessageWrites.NewMessage(blob(store(), m), m.length, day.plusSeconds(86_400L * i), Set.of(flags[i])));
        }
        store().mail().appendAll(box.id(), ms);
        long floor = store().mail().recentFloor(box.id());
        store().mail().claimRecent(box.id(), 2);
        List<MessageMeta> all = store().mail().messages(box.id());
        var n = store().mail().counters(box.id()).orElseThrow();
        assertEquals(6, n.messages());
        assertEquals(4, n.unseen(), "\\Seenx and $Seen2 are not \\Seen");
        assertEquals(2, n.deleted());
        assertEquals(all.stream().mapToLong(MessageMeta::size).sum(), n.size());
        assertTrue(floor <= 1, "a new mailbox's messages are recent");
        assertEquals(4, n.recent(), "UIDs from 3 on are unclaimed");
        assertEquals(Optional.empty(), store().mail().counters(new MailboxId(999_999)));
        // several at once (LIST-STATUS): the same counters, an empty mailbox counted, a missing one left out
        Mailbox empty = store().mail().createMailbox(a.id(), "Empty", Optional.empty());
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        var many = store().mail().counters(List.of(box.id(), empty.id(), new MailboxId(999_999), inbox.id(), box.id()));
        assertEquals(java.util.Map.of(box.id(), n, empty.id(), store().mail().counters(empty.id()).orElseThrow(),
                inbox.id(), store().mail().counters(inbox.id()).orElseThrow()), many);
        assertEquals(new MailboxReads.Counters(0, 0, 0, 0, 0), many.get(empty.id()));
        assertEquals(List.of(new Uid(3), new Uid(4)), store().mail().uidsWithFlag(box.id(), "\\Deleted", true));
        assertEquals(List.of(new Uid(1), new Uid(4), new Uid(5), new Uid(6)), store().mail().uidsWithFlag(box.id(), "\\Seen", false));
        List<MailboxReads.SearchFilter> filters = List.of(MailboxReads.SearchFilter.ALL,
                MailboxReads.SearchFilter.ALL.larger(all.get(2).size()),
                MailboxReads.SearchFilter.ALL.smaller(all.get(2).size()).larger(all.get(0).size()),
                MailboxReads.SearchFilter.ALL.since(day.plusSeconds(86_400L)).before(day.plusSeconds(86_400L * 4)),
                MailboxReads.SearchFilter.ALL.flag("\\Seen", true).flag("\\Deleted", false),
                MailboxReads.SearchFilter.ALL.flag("\\Seen", false).uids(2, 5));
        for (MailboxReads.SearchFilter f : filters) {
            List<Uid> scanned = all.stream().filter(f::matches).map(MessageMeta::uid).toList();
            assertEquals(scanned, store().mail().search(box.id(), f), f.toString());
        }
        assertEquals(List.of(new Uid(2)), store().mail().search(box.id(), filters.get(4)));
    }
}
