package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tegami.store.StoreContract.NOW;
import static org.tegami.store.StoreContract.addr;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every store backend must do about the end of things: ids are never handed out twice (a stale session
 * holding an old id must find nothing, never another user's data), and blobs nothing names any more are deleted.
 * A backend's test class implements it beside {@link StoreContract}.
 */
public interface StoreLifecycleContract extends StoreContract {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A message larger than any blob a store keeps inline, so that both kinds of blob are exercised. */
    private static byte[] large(String subject) {
        StringBuilder b = new StringBuilder("Subject: " + subject + "\r\n\r\n");
        while (b.length() < 600 * 1024) b.append("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-+\r\n");
        return bytes(b.toString());
    }

    @Test
    default void mailboxAndAccountIdsAreNeverReused() {
        Store s = store();
        Account bob = user(s, "bob@example.test");
        Set<Long> mailboxIds = new HashSet<>();
        for (Mailbox m : s.mail().mailboxes(bob.id())) mailboxIds.add(m.id().value());
        Mailbox tmp = s.mail().createMailbox(bob.id(), "Tmp", Optional.empty());
        assertTrue(mailboxIds.add(tmp.id().value()));
        assertTrue(s.mail().deleteMailbox(tmp.id()));
        // The next mailbox, of this user or of a new one, gets a new id: a session that had Tmp selected finds nothing.
        Mailbox tmp2 = s.mail().createMailbox(bob.id(), "Tmp2", Optional.empty());
        assertTrue(mailboxIds.add(tmp2.id().value()), "deleted mailbox id reused: " + tmp2.id());
        Account erin = user(s, "erin@example.test");
        for (Mailbox m : s.mail().mailboxes(erin.id())) assertTrue(mailboxIds.add(m.id().value()), "reused " + m.id());
        assertTrue(s.mail().view(tmp.id()).isEmpty());
        assertTrue(s.mail().changesSince(tmp.id(), new ModSeq(0)).isEmpty());

        assertTrue(s.accounts().removeUser(addr("erin@example.test")));
        Store again = reopen(); // the counters survive a restart
        Account frank = user(again, "frank@example.test");
        assertFalse(Set.of(bob.id(), erin.id()).contains(frank.id()), "removed account id reused: " + frank.id());
        for (Mailbox m : again.mail().mailboxes(frank.id())) assertTrue(mailboxIds.add(m.id().value()), "reused " + m.id());
        assertEquals(Optional.empty(), again.accounts().user(erin.id()));
    }

    @Test
    default void queueIdsAreNeverReused() throws IOException {
        Store s = store();
        user(s, "alice@example.test");
        byte[] msg = bytes("Subject: out\r\n\r\n");
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            QueueId q = deliver(s, blob(s, msg), msg.length, Set.of(), Optional.of(new DeliveryRequest.Outbound(
                    "alice@example.test", List.of("bob@remote.test"), 0))).queued().orElseThrow();
            assertTrue(ids.add(q.value()), "queue id reused: " + q);
            assertTrue(s.queue().remove(q));
        }
    }

    @Test
    default void expungedBlobsAreDeletedOnceNothingNamesThem() throws IOException {
        Store s = store();
        Account a = user(s, "alice@example.test");
        Account b = user(s, "bob@example.test");
        for (byte[] msg : List.of(bytes("Subject: small\r\n\r\nhello\r\n"), large("large"))) {
            BlobId id = blob(s, msg);
            deliver(s, id, msg.length, Set.of(a.id(), b.id()), Optional.empty());
            MailboxId aIn = s.mail().mailbox(a.id(), "INBOX").orElseThrow().id();
            MailboxId bIn = s.mail().mailbox(b.id(), "INBOX").orElseThrow().id();
            s.mail().expunge(aIn, Set.copyOf(s.mail().messages(aIn).stream().map(MessageMeta::uid).toList()));
            s.blobs().collect();
            assertArrayEquals(msg, read(s, id), "bob's copy still names the blob");
            s.mail().expunge(bIn, Set.copyOf(s.mail().messages(bIn).stream().map(MessageMeta::uid).toList()));
            assertTrue(s.blobs().collect() >= 1);
            assertFalse(s.blobs().exists(id), "expunged everywhere, so the bytes must go: " + msg.length);
            assertFalse(reopen().blobs().exists(id));
            s = store();
        }
    }

    @Test
    default void removedUsersAndDeletedMailboxesAndDeliveredQueueEntriesLeaveNoBlobs() throws IOException {
        Store s = store();
        Account a = user(s, "alice@example.test");
        byte[] one = large("in a mailbox");
        byte[] two = bytes("Subject: in the inbox\r\n\r\n");
        byte[] three = bytes("Subject: queued\r\n\r\n");
        Mailbox box = s.mail().createMailbox(a.id(), "Box", Optional.empty());
        BlobId b1 = blob(s, one);
        s.mail().append(box.id(), b1, one.length, NOW, Set.of());
        BlobId b2 = blob(s, two);
        deliver(s, b2, two.length, Set.of(a.id()), Optional.empty());
        BlobId b3 = blob(s, three);
        QueueId q = deliver(s, b3, three.length, Set.of(), Optional.of(new DeliveryRequest.Outbound(
                "alice@example.test", List.of("bob@remote.test"), 0))).queued().orElseThrow();
        s.blobs().collect();
        assertTrue(s.blobs().exists(b1) && s.blobs().exists(b2) && s.blobs().exists(b3), "all still named");
        assertTrue(s.mail().deleteMailbox(box.id()));
        s.queue().reschedule(q, List.of(), NOW, 1, ""); // delivered: the entry goes
        assertTrue(s.accounts().removeUser(addr("alice@example.test")));
        assertEquals(3, s.blobs().collect());
        for (BlobId id : List.of(b1, b2, b3)) assertFalse(s.blobs().exists(id), id.hex());
    }

    @Test
    default void committedBlobThatNothingNamesIsDeleted() throws IOException {
        Store s = store();
        user(s, "alice@example.test");
        BlobId small = blob(s, bytes("Subject: refused append\r\n\r\n")); // committed, then the APPEND was refused
        BlobId big = blob(s, large("refused too"));
        assertEquals(2, s.blobs().collect());
        assertFalse(s.blobs().exists(small));
        assertFalse(s.blobs().exists(big));
    }

    @Test
    default void blobDeliveredAgainAfterTheCollectorRanIsReadable() throws IOException {
        Store s = store();
        Account a = user(s, "alice@example.test");
        MailboxId in = s.mail().mailbox(a.id(), "INBOX").orElseThrow().id();
        for (byte[] msg : List.of(bytes("Subject: same again\r\n\r\n"), large("same again"))) {
            BlobId first = blob(s, msg);
            deliver(s, first, msg.length, Set.of(a.id()), Optional.empty());
            s.mail().expunge(in, Set.copyOf(s.mail().messages(in).stream().map(MessageMeta::uid).toList()));
            // The same bytes arrive again: committed (deduplicated against the stored copy), then the collector
            // runs before the delivery names them. The delivery must still find its bytes.
            try (BlobStore.BlobWriter w = s.blobs().create()) {
                w.stream().write(msg);
                BlobId again = w.commit();
                assertEquals(first, again);
                s.blobs().collect();
                deliver(s, again, msg.length, Set.of(a.id()), Optional.empty());
            }
            s.blobs().collect();
            assertArrayEquals(msg, read(s, first));
            assertArrayEquals(msg, read(reopen(), first));
            s = store();
            in = s.mail().mailbox(a.id(), "INBOX").orElseThrow().id();
            s.mail().expunge(in, Set.copyOf(s.mail().messages(in).stream().map(MessageMeta::uid).toList()));
        }
    }
}
