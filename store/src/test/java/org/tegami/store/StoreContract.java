package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.tegami.mime.EmailAddress;

/**
 * What every store backend must do, as default test methods; a backend's test class implements {@link #store()}
 * and {@link #reopen()} and inherits them all (packaged as a test-jar for later backends).
 */
public interface StoreContract {

    /** The store under test, fresh for each test. */
    Store store();

    /** Closes the store and opens the same data again (a restart); returns the new instance. */
    Store reopen();

    /** A second, independent instance on the same data (another process, such as the admin CLI). */
    Store second();

    Instant NOW = Instant.parse("2025-01-02T03:04:05Z");

    static EmailAddress addr(String s) {
        return EmailAddress.parse(s).orElseThrow();
    }

    default Account user(Store s, String address) {
        s.accounts().addDomain(addr(address).domain());
        return s.accounts().addUser(addr(address), "$argon2id$test");
    }

    default BlobId blob(Store s, byte[] bytes) throws IOException {
        try (BlobStore.BlobWriter w = s.blobs().create()) {
            w.stream().write(bytes);
            assertEquals(bytes.length, w.size());
            return w.commit();
        }
    }

    default byte[] read(Store s, BlobId id) throws IOException {
        try (InputStream in = s.blobs().open(id)) {
            return in.readAllBytes();
        }
    }

    default Delivered deliver(Store s, BlobId b, long size, Set<AccountId> to, Optional<DeliveryRequest.Outbound> out) {
        return s.mail().deliver(new DeliveryRequest(b, size, NOW, to, out));
    }

    @Test
    default void blobIdIsTheSha256OfTheBytes() throws IOException {
        BlobId id = blob(store(), "abc".getBytes(StandardCharsets.US_ASCII));
        // FIPS 180-2 test vector for "abc"
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", id.hex());
        assertArrayEquals("abc".getBytes(StandardCharsets.US_ASCII), read(store(), id));
        assertEquals(3, store().blobs().size(id));
    }

    @Test
    default void largeBlobsStreamAndRoundTrip() throws IOException {
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        BlobId id = blob(store(), big);
        assertArrayEquals(big, read(store(), id));
        assertEquals(id, blob(store(), big), "same content, same blob");
    }

    @Test
    default void rangedOpenReadsOnlyThePartAsked() throws IOException {
        byte[] big = new byte[1024 * 1024 + 5];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 7);
        byte[] small = "Subject: s\r\n\r\nsmall body\r\n".getBytes(StandardCharsets.US_ASCII);
        for (byte[] bytes : List.of(big, small)) {
            BlobId id = blob(store(), bytes);
            for (long[] r : new long[][] {{0, 10}, {3, -1}, {bytes.length - 4, 100}, {bytes.length / 2, 7}}) {
                int from = (int) r[0];
                int to = r[1] < 0 ? bytes.length : (int) Math.min(bytes.length, from + r[1]);
                try (InputStream in = store().blobs().open(id, r[0], r[1])) {
                    assertArrayEquals(java.util.Arrays.copyOfRange(bytes, from, to), in.readAllBytes(), from + "+" + r[1]);
                }
            }
            // a message's range covers its header prefix, then its blob
            HeaderPrefix prefix = HeaderPrefix.of(List.of("X-Tag: one"));
            byte[] whole = new byte[prefix.length() + bytes.length];
            System.arraycopy(prefix.bytes(), 0, whole, 0, prefix.length());
            System.arraycopy(bytes, 0, whole, prefix.length(), bytes.length);
            MessageContent m = new MessageContent(id, prefix, whole.length);
            for (long[] r : new long[][] {{0, 5}, {2, 20}, {prefix.length(), 9}, {prefix.length() - 1, -1}, {0, -1}}) {
                int from = (int) r[0];
                int to = r[1] < 0 ? whole.length : (int) Math.min(whole.length, from + r[1]);
                try (InputStream in = store().blobs().open(m, r[0], r[1])) {
                    assertArrayEquals(java.util.Arrays.copyOfRange(whole, from, to), in.readAllBytes(), "message " + from + "+" + r[1]);
                }
            }
        }
    }

    @Test
    default void blobDeliveredWhileItsWriterIsOpenSurvivesARestart() throws IOException {
        Account a = user(store(), "alice@example.test");
        byte[] msg = "Subject: inline\r\n\r\nsmall\r\n".getBytes(StandardCharsets.US_ASCII);
        BlobId id;
        try (BlobStore.BlobWriter w = store().blobs().create()) {
            w.stream().write(msg);
            id = w.commit();
            deliver(store(), id, msg.length, Set.of(a.id()), Optional.empty()); // as SMTP does: before close()
        }
        Store s = reopen();
        assertArrayEquals(msg, read(s, id));
        Mailbox inbox = s.mail().mailbox(a.id(), "INBOX").orElseThrow();
        assertEquals(id, s.mail().messages(inbox.id()).getFirst().blob());
    }

    @Test
    default void abandonedBlobIsNotStored() throws Exception {
        BlobStore.BlobWriter w = store().blobs().create();
        w.stream().write("never committed".getBytes(StandardCharsets.US_ASCII));
        w.close();
        BlobId would = BlobId.of(java.security.MessageDigest.getInstance("SHA-256").digest("never committed".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(store().blobs().exists(would));
    }

    @Test
    default void newUserHasInboxAndSpecialUseMailboxes() {
        Account a = user(store(), "alice@example.test");
        List<String> names = store().mail().mailboxes(a.id()).stream()
                .map(m -> m.name() + m.specialUse().map(u -> " " + u).orElse("") + (m.subscribed() ? "" : " unsubscribed"))
                .toList();
        assertEquals(List.of("Archive \\Archive", "Drafts \\Drafts", "INBOX", "Junk \\Junk", "Sent \\Sent", "Trash \\Trash"), names);
        assertTrue(store().mail().mailbox(a.id(), "inbox").isPresent(), "INBOX is case-insensitive");
    }

    @Test
    default void addUserNeedsLocalDomainAndUniqueAddress() {
        assertThrows(IllegalArgumentException.class, () -> store().accounts().addUser(addr("x@nowhere.test"), "h"));
        user(store(), "alice@example.test");
        assertThrows(IllegalArgumentException.class, () -> store().accounts().addUser(addr("ALICE@Example.test"), "h"));
        assertEquals(1, store().accounts().userCount());
        assertEquals("alice@example.test", store().accounts().user(addr("Alice@EXAMPLE.TEST")).orElseThrow().address().toString());
    }

    @Test
    default void deliveryToThreeAccountsStoresTheBlobOnceAndRaisesModseq() throws IOException {
        Account a = user(store(), "a@example.test");
        Account b = user(store(), "b@example.test");
        Account c = user(store(), "c@example.test");
        byte[] msg = "Subject: x\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);
        BlobId id = blob(store(), msg);
        java.util.Map<AccountId, ModSeq> before = new java.util.HashMap<>();
        for (Account x : List.of(a, b, c)) {
            before.put(x.id(), store().mail().mailbox(x.id(), "INBOX").orElseThrow().highestModSeq());
        }
        Delivered d = deliver(store(), id, msg.length, Set.of(a.id(), b.id(), c.id()), Optional.empty());
        assertEquals(3, d.messages().size());
        assertEquals(Optional.empty(), d.queued());
        for (Account x : List.of(a, b, c)) {
            Mailbox inbox = store().mail().mailbox(x.id(), "INBOX").orElseThrow();
            assertEquals(new Delivered.Stored(x.id(), inbox.id(), new Uid(1)),
                    d.messages().stream().filter(m -> m.account().equals(x.id())).findFirst().orElseThrow());
            assertEquals(before.get(x.id()).value() + 1, inbox.highestModSeq().value(), "one change, one modseq step");
            List<MessageMeta> ms = store().mail().messages(inbox.id());
            assertEquals(1, ms.size());
            assertEquals(new Uid(1), ms.getFirst().uid());
            assertEquals(id, ms.getFirst().blob());
            assertEquals(msg.length, ms.getFirst().size());
            assertEquals(NOW, ms.getFirst().internalDate());
            assertEquals(2, inbox.uidNext());
            assertEquals(ms.getFirst().modSeq(), inbox.highestModSeq());
        }
    }

    @Test
    default void concurrentDeliveriesGetGaplessUniqueUids() throws Exception {
        Account a = user(store(), "busy@example.test");
        int threads = 20, each = 25;
        ConcurrentLinkedQueue<Long> uids = new ConcurrentLinkedQueue<>();
        AtomicInteger errors = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        byte[] m = ("Subject: " + thread + "/" + i + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                        Delivered d = deliver(store(), blob(store(), m), m.length, Set.of(a.id()), Optional.empty());
                        uids.add(d.messages().getFirst().uid().value());
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                } finally {
                    done.countDown();
                }
            });
        }
        assertTrue(done.await(60, TimeUnit.SECONDS));
        assertEquals(0, errors.get());
        List<Long> sorted = new ArrayList<>(uids);
        sorted.sort(null);
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= threads * each; i++) expected.add(i);
        assertEquals(expected, sorted);
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        List<MessageMeta> ms = store().mail().messages(inbox.id());
        assertEquals(threads * each, ms.stream().map(MessageMeta::modSeq).distinct().count(), "one modseq per change");
    }

    @Test
    default void everythingSurvivesARestart() throws IOException {
        Account a = user(store(), "alice@example.test");
        store().accounts().putAlias("sales@example.test", List.of("alice@example.test"));
        byte[] msg = "Subject: keep\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        BlobId id = blob(store(), msg);
        deliver(store(), id, msg.length, Set.of(a.id()), Optional.of(new DeliveryRequest.Outbound("alice@example.test",
                List.of("x@remote.test", "y@remote.test"), 0)));
        Store s = reopen();
        assertEquals(List.of("example.test"), s.accounts().domains());
        assertEquals(List.of("alice@example.test"), s.accounts().alias("sales@example.test").orElseThrow().targets());
        Mailbox inbox = s.mail().mailbox(a.id(), "INBOX").orElseThrow();
        assertEquals(1, s.mail().messages(inbox.id()).size());
        assertArrayEquals(msg, read(s, id));
        QueueEntry q = s.queue().list().getFirst();
        assertEquals(List.of("x@remote.test", "y@remote.test"), q.recipients());
        assertEquals("alice@example.test", q.sender());
        assertTrue(s.queue().remove(q.id()));
        assertTrue(s.queue().list().isEmpty());
    }

    @Test
    default void anotherInstanceSeesChangesAtOnce() {
        user(store(), "alice@example.test");
        Store other = second();
        assertTrue(other.accounts().user(addr("alice@example.test")).isPresent());
        other.accounts().addDomain("second.test");
        assertTrue(store().accounts().isLocalDomain("SECOND.test"));
    }

    @Test
    default void changeFeedFiresAfterCommitUntilUnsubscribed() throws Exception {
        Account a = user(store(), "alice@example.test");
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        AtomicInteger calls = new AtomicInteger();
        ChangeFeed.Subscription sub = store().mail().changes().subscribe(inbox.id(), calls::incrementAndGet);
        byte[] m = "Subject: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        deliver(store(), blob(store(), m), m.length, Set.of(a.id()), Optional.empty());
        assertEquals(1, calls.get(), "signalled before deliver returns");
        assertEquals(1, store().mail().changedSince(inbox.id(), inbox.highestModSeq()).size());
        sub.close();
        deliver(store(), blob(store(), m), m.length, Set.of(a.id()), Optional.empty());
        assertEquals(1, calls.get());
    }

    @Test
    default void expungeRemovesDurablyAndRaisesModseq() {
        Account a = user(store(), "alice@example.test");
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        for (int i = 0; i < 3; i++) {
            byte[] m = ("Subject: " + i + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                deliver(store(), blob(store(), m), m.length, Set.of(a.id()), Optional.empty());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        long before = store().mail().mailbox(a.id(), "INBOX").orElseThrow().highestModSeq().value();
        store().mail().expunge(inbox.id(), Set.of(new Uid(1), new Uid(3), new Uid(99)));
        Store s = reopen();
        assertEquals(List.of(2L), s.mail().messages(inbox.id()).stream().map(m -> m.uid().value()).toList());
        assertEquals(before + 1, s.mail().mailbox(a.id(), "INBOX").orElseThrow().highestModSeq().value());
    }

    @Test
    default void outboundDeliveryQueuesAnEntryThatCanBeRemoved() throws IOException {
        Account a = user(store(), "alice@example.test");
        byte[] msg = "Return-Path: <alice@example.test>\r\nSubject: out\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        BlobId id = blob(store(), msg);
        Delivered d = deliver(store(), id, msg.length, Set.of(a.id()), Optional.of(new DeliveryRequest.Outbound(
                "alice@example.test", List.of("bob@remote.test", "carol@remote.test"), 35)));
        QueueId q = d.queued().orElseThrow();
        assertEquals(new QueueEntry(q, id, msg.length, 35, "alice@example.test",
                List.of("bob@remote.test", "carol@remote.test"), NOW, NOW, 0, "", false), store().queue().get(q).orElseThrow());
        assertEquals(List.of(q), store().queue().list().stream().map(QueueEntry::id).toList());
        assertEquals(List.of(q), store().queue().due(NOW, 10).stream().map(QueueEntry::id).toList());
        assertEquals(List.of(), store().queue().due(NOW.minusSeconds(1), 10), "not due before it was created");
        assertTrue(store().queue().remove(q));
        assertFalse(store().queue().remove(q));
        assertEquals(Optional.empty(), store().queue().get(q));
        assertEquals(List.of(), store().queue().list());
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        assertEquals(1, store().mail().messages(inbox.id()).size(), "removing the queue entry keeps the local copy");
    }

    @Test
    default void oneDeliveryQueuesSeveralEntriesWithTheirOwnPrefixAndFirstAttempt() throws IOException {
        Account a = user(store(), "alice@example.test");
        byte[] msg = "Return-Path: <x@remote.test>\r\nSubject: fwd\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        BlobId id = blob(store(), msg);
        HeaderPrefix seal = HeaderPrefix.of(List.of("ARC-Seal: i=1; cv=none", "Delivered-To: sales@example.test"));
        DeliveryRequest.Outbound own = new DeliveryRequest.Outbound("x@remote.test", List.of("bob@remote.test"), 31);
        DeliveryRequest.Outbound forwarded = new DeliveryRequest.Outbound("SRS0=abcd=AB=remote.test=x@example.test",
                List.of("carol@other.test"), 31, Optional.empty(), "", seal, Optional.of(NOW.plusSeconds(600)));
        Delivered d = store().mail().deliver(new DeliveryRequest(id, msg.length, NOW,
                List.of(DeliveryRequest.Recipient.inbox(a.id())), List.of(own, forwarded)));
        assertEquals(2, d.queue().size());
        assertEquals(d.queue().getFirst(), d.queued().orElseThrow());
        QueueEntry first = store().queue().get(d.queue().get(0)).orElseThrow();
        QueueEntry second = store().queue().get(d.queue().get(1)).orElseThrow();
        assertEquals(HeaderPrefix.NONE, first.prefix());
        assertEquals(NOW, first.nextAttempt());
        assertEquals(seal, second.prefix());
        assertEquals("SRS0=abcd=AB=remote.test=x@example.test", second.sender());
        assertEquals(List.of("carol@other.test"), second.recipients());
        assertEquals(NOW.plusSeconds(600), second.nextAttempt(), "a deferred copy waits");
        assertEquals(List.of(first.id()), store().queue().due(NOW, 10).stream().map(QueueEntry::id).toList());
        assertEquals(1, store().mail().messages(store().mail().mailbox(a.id(), "INBOX").orElseThrow().id()).size());
    }

    /** RFC 3461 §4 and RFC 8689 §4: the envelope parameters stay with the recipients that are still queued. */
    @Test
    default void queueEntryKeepsItsDsnAndRequireTlsParametersAcrossAReschedule() throws IOException {
        byte[] msg = "Subject: dsn\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        EnvelopeParams.Rcpt never = new EnvelopeParams.Rcpt(Optional.of(Set.of()), Optional.empty(), Optional.empty());
        EnvelopeParams.Rcpt success = new EnvelopeParams.Rcpt(Optional.of(Set.of(EnvelopeParams.Notify.DELAY,
                EnvelopeParams.Notify.SUCCESS)), Optional.of("rfc822"), Optional.of("list+x@example.test"));
        EnvelopeParams p = new EnvelopeParams(Optional.of(EnvelopeParams.Ret.HDRS), Optional.of("env id+1"), EnvelopeParams.Tls.REQUIRED,
                java.util.Map.of("bob@remote.test", never, "carol@remote.test", success));
        QueueId q = deliver(store(), blob(store(), msg), msg.length, Set.of(), Optional.of(new DeliveryRequest.Outbound(
                "alice@example.test", List.of("bob@remote.test", "carol@remote.test", "dave@remote.test"), 0)
                .withParams(p))).queued().orElseThrow();
        QueueEntry e = store().queue().get(q).orElseThrow();
        assertEquals(p, e.params());
        assertEquals("SUCCESS,DELAY", success.notifyText(), "RFC order");
        assertEquals(EnvelopeParams.Rcpt.NONE, e.params().recipient("dave@remote.test"));
        assertFalse(e.params().recipient("bob@remote.test").wants(EnvelopeParams.Notify.FAILURE));
        assertTrue(e.params().recipient("dave@remote.test").wants(EnvelopeParams.Notify.DELAY), "default: failures and delays");
        store().queue().reschedule(q, List.of("carol@remote.test", "dave@remote.test"), NOW, 1, "451 later");
        assertEquals(p.only(List.of("carol@remote.test")), store().queue().get(q).orElseThrow().params());
    }

    @Test
    default void aClaimedQueueEntryIsNobodyElsesUntilItsLeaseEnds() throws IOException {
        Account a = user(store(), "alice@example.test");
        byte[] msg = "Subject: out\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        QueueId q = deliver(store(), blob(store(), msg), msg.length, Set.of(), Optional.of(new DeliveryRequest.Outbound(
                "alice@example.test", List.of("bob@remote.test"), 0, Optional.of(a.id()), "example.test"))).queued().orElseThrow();
        Instant lease = NOW.plusSeconds(60);
        List<QueueEntry> mine = store().queue().claim(NOW, 10, lease, "node-a");
        assertEquals(List.of(q), mine.stream().map(QueueEntry::id).toList());
        assertEquals(Optional.of(a.id()), mine.getFirst().submitter());
        assertEquals("example.test", mine.getFirst().dkimDomain());
        assertEquals(List.of(), store().queue().claim(NOW, 10, lease, "node-b"), "leased");
        assertEquals(List.of(), store().queue().claim(NOW.plusSeconds(59), 10, lease, "node-b"));
        assertEquals(List.of(q), store().queue().claim(NOW.plusSeconds(60), 10, NOW.plusSeconds(120), "node-b")
                .stream().map(QueueEntry::id).toList(), "the owner died: the lease ran out");
        assertEquals(0, store().queue().renewClaims("node-a", NOW.plusSeconds(600)), "no longer node-a's to renew");
        assertEquals(1, store().queue().renewClaims("node-b", NOW.plusSeconds(600)));
        assertEquals(List.of(), store().queue().claim(NOW.plusSeconds(300), 10, NOW.plusSeconds(900), "node-a"),
                "renewed: still node-b's after its first lease would have run out");
        assertEquals(0, store().queue().releaseClaims("node-a"), "no longer node-a's");
        assertEquals(1, store().queue().releaseClaims("node-b"));
        assertEquals(1, store().queue().claim(NOW, 10, lease, "node-a").size(), "released: free again");
        store().queue().reschedule(q, List.of("bob@remote.test"), NOW, 1, "451 later");
        assertEquals(1, store().queue().claim(NOW, 10, lease, "node-b").size(), "an outcome ends the lease");
    }

    @Test
    default void removeUserDeletesTheirMailboxesAndMessages() throws IOException {
        Account a = user(store(), "alice@example.test");
        Account b = user(store(), "bob@example.test");
        byte[] msg = "Subject: both\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        deliver(store(), blob(store(), msg), msg.length, Set.of(a.id(), b.id()), Optional.empty());
        MailboxId aliceInbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow().id();
        assertTrue(store().accounts().removeUser(addr("alice@example.test")));
        assertEquals(List.of(), store().mail().mailboxes(a.id()));
        assertEquals(List.of(), store().mail().messages(aliceInbox));
        assertEquals(Optional.empty(), store().accounts().user(a.id()));
        Mailbox bobInbox = store().mail().mailbox(b.id(), "INBOX").orElseThrow();
        assertEquals(1, store().mail().messages(bobInbox.id()).size(), "the other recipient keeps the message");
        assertEquals(6, store().mail().mailboxes(b.id()).size());
    }

    @Test
    default void removeUserAndAliasAndDomain() {
        user(store(), "alice@example.test");
        store().accounts().putAlias("@example.test", List.of("alice@example.test"));
        assertTrue(store().accounts().alias("@example.test").orElseThrow().isCatchAll());
        assertTrue(store().accounts().removeAlias("@example.test"));
        assertFalse(store().accounts().removeAlias("@example.test"));
        assertTrue(store().accounts().removeUser(addr("alice@example.test")));
        assertFalse(store().accounts().removeUser(addr("alice@example.test")));
        assertTrue(store().accounts().removeDomain("example.test"));
        assertEquals(List.of(), store().accounts().domains());
    }

    private static Set<Uid> uids(long... u) {
        Set<Uid> out = new java.util.HashSet<>();
        for (long x : u) out.add(new Uid(x));
        return out;
    }

    @Test
    default void appendSetsFlagsAndDateAndNextUid() throws IOException {
        Account a = user(store(), "alice@example.test");
        Mailbox sent = store().mail().mailbox(a.id(), "Sent").orElseThrow();
        byte[] m = "Subject: draft\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        BlobId b;
        Uid uid;
        try (BlobStore.BlobWriter w = store().blobs().create()) {
            w.stream().write(m);
            b = w.commit();
            uid = store().mail().append(sent.id(), b, m.length, NOW.minusSeconds(60), Set.of("\\Seen", "$Label1"));
        }
        assertEquals(new Uid(1), uid);
        MessageMeta got = reopen().mail().messages(sent.id()).getFirst();
        assertEquals(Set.of("\\Seen", "$Label1"), got.flags());
        assertEquals(NOW.minusSeconds(60), got.internalDate());
        assertArrayEquals(m, read(store(), b));
    }

    @Test
    default void setFlagsAddRemoveReplaceAndUnchangedSince() throws IOException {
        Account a = user(store(), "alice@example.test");
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        for (int i = 0; i < 3; i++) {
            byte[] m = ("Subject: " + i + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            deliver(store(), blob(store(), m), m.length, Set.of(a.id()), Optional.empty());
        }
        var mail = store().mail();
        var r1 = mail.setFlags(inbox.id(), uids(1, 2), MailStore.FlagMode.ADD, Set.of("\\Seen"), Optional.empty());
        assertEquals(List.of(1L, 2L), r1.changed().stream().map(m -> m.uid().value()).toList());
        long seenModseq = r1.changed().get(1).modSeq().value();
        assertEquals(seenModseq, mail.mailbox(a.id(), "INBOX").orElseThrow().highestModSeq().value());
        var again = mail.setFlags(inbox.id(), uids(1), MailStore.FlagMode.ADD, Set.of("\\Seen"), Optional.empty());
        assertEquals(List.of(), again.changed(), "no change, no new modseq");
        // RFC 7162 §3.1.3: UNCHANGEDSINCE below message 2's modseq refuses it, message 3 changes.
        var cond = mail.setFlags(inbox.id(), uids(2, 3), MailStore.FlagMode.REPLACE, Set.of("\\Flagged"),
                Optional.of(new ModSeq(seenModseq - 1)));
        assertEquals(Set.of(new Uid(2)), cond.failed());
        assertEquals(List.of(3L), cond.changed().stream().map(m -> m.uid().value()).toList());
        mail.setFlags(inbox.id(), uids(1), MailStore.FlagMode.REMOVE, Set.of("\\Seen"), Optional.empty());
        assertEquals(List.of(Set.of(), Set.of("\\Seen"), Set.of("\\Flagged")),
                reopen().mail().messages(inbox.id()).stream().map(MessageMeta::flags).toList());
    }

    @Test
    default void copyAndMoveKeepFlagsAndReportUidPairs() throws IOException {
        Account a = user(store(), "alice@example.test");
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        Mailbox archive = store().mail().mailbox(a.id(), "Archive").orElseThrow();
        for (int i = 0; i < 3; i++) {
            byte[] m = ("Subject: " + i + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            deliver(store(), blob(store(), m), m.length, Set.of(a.id()), Optional.empty());
        }
        store().mail().setFlags(inbox.id(), uids(3), MailStore.FlagMode.ADD, Set.of("\\Answered"), Optional.empty());
        ModSeq before = store().mail().mailbox(a.id(), "INBOX").orElseThrow().highestModSeq();
        var copied = store().mail().copy(inbox.id(), uids(1, 3), archive.id(), false);
        assertEquals(List.of("1->1", "3->2"), copied.stream().map(p -> p[0] + "->" + p[1]).toList());
        var moved = store().mail().copy(inbox.id(), uids(2), archive.id(), true);
        assertEquals(List.of("2->3"), moved.stream().map(p -> p[0] + "->" + p[1]).toList());
        Store s = reopen();
        assertEquals(List.of(1L, 3L), s.mail().messages(inbox.id()).stream().map(m -> m.uid().value()).toList());
        assertEquals(List.of(Set.of(), Set.of("\\Answered"), Set.of()),
                s.mail().messages(archive.id()).stream().map(MessageMeta::flags).toList());
        assertEquals(List.of(new Uid(2)), s.mail().expungedSince(inbox.id(), before), "MOVE leaves a tombstone for VANISHED");
    }

    @Test
    default void createDeleteRecreateNeverReusesUidValidity() {
        Account a = user(store(), "alice@example.test");
        Mailbox first = store().mail().createMailbox(a.id(), "Work", Optional.empty());
        assertFalse(first.subscribed());
        assertThrows(IllegalArgumentException.class, () -> store().mail().createMailbox(a.id(), "Work", Optional.empty()));
        assertTrue(store().mail().deleteMailbox(first.id()));
        assertFalse(store().mail().deleteMailbox(first.id()));
        Mailbox again = store().mail().createMailbox(a.id(), "Work", Optional.of("\\Flagged"));
        assertTrue(again.uidValidity() > first.uidValidity(), "RFC 9051 §2.3.1.1");
        assertEquals(Optional.of("\\Flagged"), reopen().mail().mailbox(a.id(), "Work").orElseThrow().specialUse());
    }

    @Test
    default void renameMovesChildrenAndRenamingInboxMovesItsMessages() throws IOException {
        Account a = user(store(), "alice@example.test");
        store().mail().createMailbox(a.id(), "Work", Optional.empty());
        store().mail().createMailbox(a.id(), "Work/2025", Optional.empty());
        store().mail().createMailbox(a.id(), "Workshop", Optional.empty());
        store().mail().renameMailbox(a.id(), "Work", "Job", '/');
        List<String> names = store().mail().mailboxes(a.id()).stream().map(Mailbox::name).toList();
        assertTrue(names.containsAll(List.of("Job", "Job/2025", "Workshop")), names.toString());
        assertFalse(names.contains("Work"));
        assertThrows(IllegalArgumentException.class, () -> store().mail().renameMailbox(a.id(), "Job", "Workshop", '/'));

        byte[] m = "Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        deliver(store(), blob(store(), m), m.length, Set.of(a.id()), Optional.empty());
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        store().mail().renameMailbox(a.id(), "INBOX", "Old", '/');
        Store s = reopen();
        assertEquals(0, s.mail().messages(inbox.id()).size());
        Mailbox old = s.mail().mailbox(a.id(), "Old").orElseThrow();
        assertEquals(1, s.mail().messages(old.id()).size());
        assertEquals(List.of(new Uid(1)), s.mail().expungedSince(inbox.id(), inbox.highestModSeq()));
        s.mail().subscribe(old.id(), true);
        assertTrue(s.mail().mailbox(a.id(), "Old").orElseThrow().subscribed());
    }

    @Test
    default void blobIndexIsReplacedAndSurvivesARestart() throws IOException {
        BlobId b = blob(store(), "Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        BlobId c = blob(store(), "Subject: y\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Optional.empty(), store().blobs().index(b));
        store().blobs().putIndex(b, "first");
        store().blobs().putIndex(java.util.Map.of(b, "second", c, "third"));
        assertEquals(Optional.of("second"), reopen().blobs().index(b), "a newer derivation replaces the old");
        assertEquals(Optional.of("third"), store().blobs().index(c));
    }

    @Test
    default void viewHasStateOfEveryMessageAndRangesHaveDetails() throws IOException {
        Account a = user(store(), "alice@example.test");
        for (int i = 0; i < 4; i++) {
            byte[] m = ("Subject: " + i + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            deliver(store(), blob(store(), m), m.length, Set.of(a.id()), Optional.empty());
        }
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        store().mail().setFlags(inbox.id(), uids(2), MailStore.FlagMode.ADD, Set.of("\\Seen", "$Work"), Optional.empty());
        MailStore.MailboxView v = store().mail().view(inbox.id()).orElseThrow();
        assertEquals(List.of(1L, 2L, 3L, 4L), v.messages().stream().map(m -> m.uid().value()).toList());
        assertEquals(Set.of("\\Seen", "$Work"), v.messages().get(1).flags());
        assertEquals(v.mailbox().highestModSeq(), v.messages().get(1).modSeq());
        assertEquals(List.of(2L, 3L), store().mail().messages(inbox.id(), new Uid(2), new Uid(3)).stream()
                .map(m -> m.uid().value()).toList());
        assertEquals(Optional.empty(), store().mail().view(new MailboxId(999_999)));
    }

    @Test
    default void appendAllAddsConsecutiveUidsInOneTransaction() throws IOException {
        Account a = user(store(), "alice@example.test");
        Mailbox drafts = store().mail().mailbox(a.id(), "Drafts").orElseThrow();
        byte[] one = "Subject: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] two = "Subject: 2\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        List<Uid> uids = store().mail().appendAll(drafts.id(), List.of(
                new MailStore.NewMessage(blob(store(), one), one.length, NOW, Set.of("\\Draft")),
                new MailStore.NewMessage(blob(store(), two), two.length, NOW, Set.of())));
        assertEquals(List.of(new Uid(1), new Uid(2)), uids);
        List<MessageMeta> stored = reopen().mail().messages(drafts.id());
        assertTrue(stored.stream().allMatch(m -> m.saveDate().isPresent()), "RFC 8514: the save date is kept");
        assertEquals(List.of(Set.of("\\Draft"), Set.of()), stored.stream().map(MessageMeta::flags).toList());
        assertArrayEquals(two, read(store(), stored.get(1).blob()));
    }

    @Test
    default void replaceAppendsAndExpungesTogether() throws IOException {
        Account a = user(store(), "alice@example.test");
        Mailbox drafts = store().mail().mailbox(a.id(), "Drafts").orElseThrow();
        byte[] v1 = "Subject: v1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] v2 = "Subject: v2\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        Uid old = store().mail().append(drafts.id(), blob(store(), v1), v1.length, NOW, Set.of("\\Draft"));
        ModSeq before = store().mail().mailbox(a.id(), "Drafts").orElseThrow().highestModSeq();
        Uid now = store().mail().replace(drafts.id(), old, drafts.id(),
                new MailStore.NewMessage(blob(store(), v2), v2.length, NOW, Set.of("\\Draft")));
        Store s = reopen();
        assertEquals(List.of(now), s.mail().messages(drafts.id()).stream().map(MessageMeta::uid).toList());
        assertEquals(List.of(old), s.mail().expungedSince(drafts.id(), before));
    }

    @Test
    default void quotaCountsEveryMailboxOfTheUser() throws IOException {
        Account a = user(store(), "alice@example.test");
        assertEquals(Optional.empty(), store().accounts().quota(a.id()), "no quota by default");
        assertTrue(store().accounts().setQuota(a.id(), java.util.OptionalLong.of(1), java.util.OptionalLong.of(3)));
        byte[] m = "Subject: q\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        deliver(store(), blob(store(), m), m.length, Set.of(a.id()), Optional.empty());
        Mailbox sent = store().mail().mailbox(a.id(), "Sent").orElseThrow();
        store().mail().append(sent.id(), blob(store(), m), m.length, NOW, Set.of());
        Quota q = reopen().accounts().quota(a.id()).orElseThrow();
        assertEquals(2 * m.length, q.usedBytes());
        assertEquals(2, q.usedMessages());
        assertEquals(1, q.usedKib());
        assertTrue(q.allows(1024 - 2 * m.length, 1));
        assertFalse(q.allows(1024 - 2 * m.length + 1, 1), "one octet over the storage limit");
        assertFalse(q.allows(0, 2), "one message over the message limit");
        assertTrue(store().accounts().setQuota(a.id(), java.util.OptionalLong.empty(), java.util.OptionalLong.empty()));
        assertEquals(Optional.empty(), store().accounts().quota(a.id()));
        assertFalse(store().accounts().setQuota(new AccountId(999_999), java.util.OptionalLong.of(1), java.util.OptionalLong.empty()));
    }

    @Test
    default void metadataPerMailboxAndServerGoesWithTheMailbox() {
        Account a = user(store(), "alice@example.test");
        Mailbox work = store().mail().createMailbox(a.id(), "Work", Optional.empty());
        store().mail().setMetadata(a.id(), Optional.of(work.id()), java.util.Map.of("/private/comment", Optional.of("hi"),
                "/shared/comment", Optional.of("all")));
        store().mail().setMetadata(a.id(), Optional.empty(), java.util.Map.of("/private/vendor/x", Optional.of("1")));
        assertEquals(java.util.Map.of("/private/comment", "hi", "/shared/comment", "all"),
                reopen().mail().metadata(a.id(), Optional.of(work.id())));
        store().mail().setMetadata(a.id(), Optional.of(work.id()), java.util.Map.of("/shared/comment", Optional.empty()));
        assertEquals(java.util.Map.of("/private/comment", "hi"), store().mail().metadata(a.id(), Optional.of(work.id())));
        store().mail().deleteMailbox(work.id());
        assertEquals(java.util.Map.of(), store().mail().metadata(a.id(), Optional.of(work.id())));
        assertEquals(java.util.Map.of("/private/vendor/x", "1"), store().mail().metadata(a.id(), Optional.empty()));
    }

    @Test
    default void metadataOctetsCountNamesAndValuesInUtf8OfOneAccount() {
        Account a = user(store(), "alice@example.test");
        Account b = user(store(), "bob@example.test");
        Mailbox work = store().mail().createMailbox(a.id(), "Work", Optional.empty());
        assertEquals(0, store().mail().metadataOctets(a.id()));
        store().mail().setMetadata(a.id(), Optional.of(work.id()), java.util.Map.of("/private/comment", Optional.of("für")));
        store().mail().setMetadata(a.id(), Optional.empty(), java.util.Map.of("/private/x", Optional.of("1")));
        store().mail().setMetadata(b.id(), Optional.empty(), java.util.Map.of("/private/x", Optional.of("bob's")));
        assertEquals("/private/comment".length() + 4 + "/private/x".length() + 1, store().mail().metadataOctets(a.id()));
        store().mail().deleteMailbox(work.id());
        assertEquals("/private/x".length() + 1, reopen().mail().metadataOctets(a.id()));
    }

    @Test
    default void aclGrantsListsSharesAndGoesWithMailboxAndGrantee() {
        Account alice = user(store(), "alice@example.test");
        Account bob = user(store(), "bob@example.test");
        Account carol = user(store(), "carol@example.test");
        Mailbox work = store().mail().createMailbox(alice.id(), "Work", Optional.empty());
        Mailbox team = store().mail().createMailbox(alice.id(), "Team", Optional.empty());
        store().mail().setRights(work.id(), Optional.of(bob.id()), "lrs");
        store().mail().setRights(team.id(), Optional.empty(), "lr");
        store().mail().setRights(team.id(), Optional.of(bob.id()), "iw");
        assertEquals(List.of(new AclEntry(Optional.empty(), "anyone", "lr"),
                new AclEntry(Optional.of(bob.id()), "bob@example.test", "iw")), reopen().mail().acl(team.id()));
        List<SharedMailbox> bobs = store().mail().sharedWith(bob.id());
        assertEquals(List.of("Team:ilrw", "Work:lrs"), bobs.stream().map(m -> m.mailbox().name() + ":" + m.rights()).toList());
        assertEquals("alice@example.test", bobs.getFirst().owner().toString());
        assertEquals(List.of("Team:lr"), store().mail().sharedWith(carol.id()).stream()
                .map(m -> m.mailbox().name() + ":" + m.rights()).toList(), "anyone reaches carol too");
        assertEquals(List.of(), store().mail().sharedWith(alice.id()), "the owner's own mailboxes are not shared with her");

        store().mail().subscribeShared(bob.id(), work.id(), true);
        assertTrue(store().mail().sharedWith(bob.id()).get(1).subscribed());
        assertFalse(store().mail().mailbox(alice.id(), "Work").orElseThrow().subscribed(), "the owner's own flag is apart");
        store().mail().setRights(work.id(), Optional.of(bob.id()), "");
        assertEquals(List.of(), store().mail().acl(work.id()));
        store().mail().deleteMailbox(team.id());
        assertEquals(List.of(), store().mail().sharedWith(carol.id()), "a deleted mailbox takes its ACL along");

        store().mail().setRights(work.id(), Optional.of(carol.id()), "lr");
        assertTrue(store().accounts().removeUser(addr("carol@example.test")));
        Account carol2 = user(store(), "carol@example.test");
        assertEquals(List.of(), store().mail().acl(work.id()), "a removed user's grants do not pass to a new one");
        assertEquals(List.of(), store().mail().sharedWith(carol2.id()));
    }

    @Test
    default void copyToAnotherAccountAndFlagsLimitedByRights() throws IOException {
        Account alice = user(store(), "alice@example.test");
        Account bob = user(store(), "bob@example.test");
        Mailbox inbox = store().mail().mailbox(alice.id(), "INBOX").orElseThrow();
        Mailbox shared = store().mail().createMailbox(bob.id(), "Shared", Optional.empty());
        byte[] m = "Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        Uid uid = store().mail().append(inbox.id(), blob(store(), m), m.length, NOW, Set.of("\\Seen", "\\Deleted", "$Work"));
        List<Uid[]> pairs = store().mail().copy(inbox.id(), Set.of(uid), shared.id(), false, f -> !f.equals("\\Deleted"));
        MessageMeta copied = store().mail().messages(shared.id()).getFirst();
        assertEquals(pairs.getFirst()[1], copied.uid());
        assertEquals(Set.of("\\Seen", "$Work"), copied.flags());
        var u = store().mail().setFlags(shared.id(), Set.of(copied.uid()), MailStore.FlagMode.REPLACE, Set.of("\\Flagged"),
                Optional.empty(), f -> !f.equals("\\Seen"));
        assertEquals(Set.of("\\Seen", "\\Flagged"), u.changed().getFirst().flags(), "REPLACE keeps what may not change");
        u = store().mail().setFlags(shared.id(), Set.of(copied.uid()), MailStore.FlagMode.REMOVE, Set.of("\\Seen", "\\Flagged"),
                Optional.empty(), f -> !f.equals("\\Seen"));
        assertEquals(Set.of("\\Seen"), u.changed().getFirst().flags());
    }

    @Test
    default void subscriptionsAreByNameAndOutliveTheirMailbox() {
        Account a = user(store(), "alice@example.test");
        Account b = user(store(), "bob@example.test");
        assertTrue(store().mail().subscriptions(a.id()).contains("INBOX"), "a new account is subscribed to its mailboxes");
        Mailbox work = store().mail().createMailbox(a.id(), "Work", Optional.empty());
        assertFalse(store().mail().mailbox(a.id(), "Work").orElseThrow().subscribed());
        store().mail().subscribe(work.id(), true);
        store().mail().subscribe(a.id(), "Nowhere/yet", true); // RFC 9051 §6.3.7: a name without a mailbox
        store().mail().subscribe(a.id(), "Nowhere/yet", true);
        assertTrue(store().mail().mailbox(a.id(), "Work").orElseThrow().subscribed());
        assertTrue(store().mail().subscriptions(a.id()).containsAll(Set.of("Work", "Nowhere/yet")));
        assertFalse(store().mail().subscriptions(b.id()).contains("Work"), "per account");
        store().mail().renameMailbox(a.id(), "Work", "Play", '/');
        assertTrue(store().mail().subscriptions(a.id()).contains("Work"), "not renamed (RFC 9051 §6.3.7)");
        assertFalse(store().mail().mailbox(a.id(), "Play").orElseThrow().subscribed());
        assertTrue(store().mail().deleteMailbox(store().mail().mailbox(a.id(), "Play").orElseThrow().id()));
        Mailbox again = store().mail().createMailbox(a.id(), "Work", Optional.empty());
        assertTrue(again.subscribed(), "the name is still subscribed when a mailbox has it again");
        Store s = reopen();
        assertTrue(s.mail().subscriptions(a.id()).containsAll(Set.of("Work", "Nowhere/yet")));
        s.mail().subscribe(a.id(), "Nowhere/yet", false);
        s.mail().subscribe(again.id(), false);
        assertFalse(s.mail().subscriptions(a.id()).contains("Nowhere/yet"));
        assertFalse(s.mail().subscriptions(a.id()).contains("Work"));
    }

    @Test
    default void accountFeedRingsForMailboxListChangesUntilClosed() {
        Account alice = user(store(), "alice@example.test");
        Account bob = user(store(), "bob@example.test");
        AtomicInteger rings = new AtomicInteger();
        ChangeFeed.Subscription sub = store().mail().changes().subscribeAccount(alice.id(), rings::incrementAndGet);
        Mailbox work = store().mail().createMailbox(alice.id(), "Work", Optional.empty());
        assertEquals(1, rings.get(), "create");
        store().mail().subscribe(work.id(), true);
        assertEquals(2, rings.get(), "subscribe");
        store().mail().setMetadata(alice.id(), Optional.of(work.id()), java.util.Map.of("/private/x", Optional.of("1")));
        assertEquals(3, rings.get(), "metadata");
        Mailbox bobs = store().mail().createMailbox(bob.id(), "Shared", Optional.empty());
        assertEquals(3, rings.get(), "another account's new mailbox is not alice's business");
        store().mail().setRights(bobs.id(), Optional.of(alice.id()), "lr");
        assertEquals(4, rings.get(), "shared with her");
        store().mail().renameMailbox(alice.id(), "Work", "Play", '/');
        assertEquals(5, rings.get(), "rename");
        sub.close();
        store().mail().deleteMailbox(work.id());
        assertEquals(5, rings.get(), "closed");
    }

    @Test
    default void expungeDeletedTakesTheFlagsAtCommitNotTheCallersView() throws IOException {
        Account a = user(store(), "alice@example.test");
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        byte[] m = "Subject: e\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        Uid one = store().mail().append(inbox.id(), blob(store(), m), m.length, NOW, Set.of("\\Deleted"));
        Uid two = store().mail().append(inbox.id(), blob(store(), m), m.length, NOW, Set.of("\\Deleted"));
        Uid three = store().mail().append(inbox.id(), blob(store(), m), m.length, NOW, Set.of("\\Deleted"));
        store().mail().setFlags(inbox.id(), Set.of(two), MailStore.FlagMode.REMOVE, Set.of("\\Deleted"), Optional.empty());
        assertEquals(Set.of(one), store().mail().expungeDeleted(inbox.id(), Optional.of(Set.of(one, two))),
                "two was undeleted meanwhile, three is outside the set");
        assertEquals(Set.of(three), store().mail().expungeDeleted(inbox.id(), Optional.empty()));
        assertEquals(List.of(two), store().mail().messages(inbox.id()).stream().map(MessageMeta::uid).toList());
        assertEquals(List.of(one, three), store().mail().expungedSince(inbox.id(), new ModSeq(0)));
    }

    @Test
    default void recentMessagesAreClaimedByOneSessionOnly() throws IOException {
        Account a = user(store(), "alice@example.test");
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        byte[] msg = "Subject: x\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 2; i++) deliver(store(), blob(store(), msg), msg.length, Set.of(a.id()), Optional.empty());
        assertTrue(store().mail().recentFloor(inbox.id()) <= 1, "a new mailbox's messages are recent");
        long floor = store().mail().recentFloor(inbox.id());
        assertEquals(floor, store().mail().claimRecent(inbox.id(), 2), "the first claim gets UIDs 1 and 2");
        assertEquals(3, store().mail().recentFloor(inbox.id()));
        Store other = second(); // another process on the same data
        assertEquals(3, other.mail().claimRecent(inbox.id(), 2), "claimed already: nothing for a second session");
        assertEquals(3, other.mail().recentFloor(inbox.id()));
        deliver(store(), blob(store(), msg), msg.length, Set.of(a.id()), Optional.empty());
        assertEquals(3, other.mail().claimRecent(inbox.id(), 3), "the new message goes to the first who claims it");
        assertEquals(4, store().mail().claimRecent(inbox.id(), 3));
        assertEquals(4, store().mail().recentFloor(inbox.id()), "a peek changes nothing");
        assertEquals(Long.MAX_VALUE, store().mail().recentFloor(new MailboxId(999_999)));
        assertEquals(Long.MAX_VALUE, store().mail().claimRecent(new MailboxId(999_999), 5));
    }
}
