package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the inbound pipeline needs of every backend (ADR 0008): per-recipient targets, flags and header prefixes
 * over one blob, read back as one message; the classifier's model; the learning hook on moves and flags.
 */
public interface PipelineStoreContract extends StoreContract {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] readMessage(MessageMeta m) throws IOException {
        try (InputStream in = store().blobs().open(m.content())) {
            return in.readAllBytes();
        }
    }

    @Test
    default void perRecipientPrefixTargetAndFlagsOverOneBlob() throws IOException {
        Account a = user(store(), "alice@example.test");
        Account b = user(store(), "bob@example.test");
        byte[] body = bytes("Subject: hi\r\n\r\nhello\r\n");
        BlobId blob = blob(store(), body);
        HeaderPrefix pa = HeaderPrefix.of(List.of("X-Spam-Status: No, score=0.10", "Authentication-Results: mx;\r\n none"));
        HeaderPrefix pb = HeaderPrefix.of(List.of("X-Spam-Status: Yes, score=0.99"));
        Delivered d = store().mail().deliver(new DeliveryRequest(blob, body.length, NOW, List.of(
                new DeliveryRequest.Recipient(a.id(), DeliveryRequest.Target.INBOX, Set.of(), pa),
                new DeliveryRequest.Recipient(b.id(), DeliveryRequest.Target.JUNK, Set.of("$Junk"), pb)), Optional.empty()));
        Mailbox junk = store().mail().mailbox(b.id(), "Junk").orElseThrow();
        assertEquals(junk.id(), d.messages().stream().filter(s -> s.account().equals(b.id())).findFirst().orElseThrow().mailbox());
        MessageMeta ma = store().mail().messages(store().mail().mailbox(a.id(), "INBOX").orElseThrow().id()).getFirst();
        MessageMeta mb = store().mail().messages(junk.id()).getFirst();
        assertEquals(blob, ma.blob());
        assertEquals(blob, mb.blob(), "one blob for both");
        assertEquals(Set.of("$Junk"), mb.flags());
        assertEquals(body.length + pa.length(), ma.size(), "the size includes the prefix");
        assertArrayEquals((pa + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8), readMessage(ma));
        assertArrayEquals((pb + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8), readMessage(mb));
        assertFalse(ma.content().equals(mb.content()), "same blob, different content");
        // copies keep the prefix; a restart keeps it
        Mailbox archive = store().mail().mailbox(b.id(), "Archive").orElseThrow();
        store().mail().copy(junk.id(), Set.of(mb.uid()), archive.id(), true);
        Store s = reopen();
        MessageMeta moved = s.mail().messages(archive.id()).getFirst();
        assertEquals(mb.prefix(), moved.prefix());
        assertEquals(mb.size(), moved.size());
    }

    @Test
    default void junkTargetCreatesTheJunkMailboxWhenMissingAndNamedFallsBackToInbox() throws IOException {
        Account a = user(store(), "alice@example.test");
        store().mail().deleteMailbox(store().mail().mailbox(a.id(), "Junk").orElseThrow().id());
        byte[] body = bytes("Subject: x\r\n\r\nx\r\n");
        store().mail().deliver(new DeliveryRequest(blob(store(), body), body.length, NOW, List.of(
                new DeliveryRequest.Recipient(a.id(), DeliveryRequest.Target.JUNK, Set.of(), HeaderPrefix.NONE)), Optional.empty()));
        Mailbox junk = store().mail().mailbox(a.id(), "Junk").orElseThrow();
        assertEquals(Optional.of("\\Junk"), junk.specialUse());
        assertEquals(1, store().mail().messages(junk.id()).size());
        store().mail().deliver(new DeliveryRequest(blob(store(), body), body.length, NOW, List.of(
                new DeliveryRequest.Recipient(a.id(), new DeliveryRequest.Target.Named("Nowhere"), Set.of(), HeaderPrefix.NONE)),
                Optional.empty()));
        assertEquals(1, store().mail().messages(store().mail().mailbox(a.id(), "INBOX").orElseThrow().id()).size());
    }

    /**
     * Sieve editheader (RFC 5293): one recipient's copy is its own blob (its header rewritten) in the same atomic
     * delivery, its own size counted for the quota; the others keep the shared blob; the blob survives a collect.
     */
    @Test
    default void aRecipientMayHaveItsOwnBlobInTheSameDelivery() throws IOException {
        Account a = user(store(), "alice@example.test");
        Account b = user(store(), "bob@example.test");
        byte[] shared = bytes("Subject: hi\r\nX-Spam-Flag: YES\r\n\r\nhello\r\n");
        byte[] edited = bytes("Subject: edited\r\nX-Long: " + "x".repeat(1500) + "\r\n\r\nhello\r\n");
        BlobId sharedBlob = blob(store(), shared);
        BlobId editedBlob = blob(store(), edited);
        // a quota that fits the shared copy but not the edited one: the edited size is what counts
        assertTrue(store().accounts().setQuota(a.id(), java.util.OptionalLong.of(1), java.util.OptionalLong.empty()));
        DeliveryRequest.Recipient ra = new DeliveryRequest.Recipient(a.id(), DeliveryRequest.Target.INBOX, Set.of(),
                HeaderPrefix.NONE, Optional.of(new DeliveryRequest.Own(editedBlob, edited.length)));
        DeliveryRequest.Recipient rb = new DeliveryRequest.Recipient(b.id(), DeliveryRequest.Target.INBOX, Set.of(),
                HeaderPrefix.of(List.of("X-Spam-Status: Yes")));
        assertInstanceOf(MessageWrites.OverQuota.class, store().mail().deliverWithinQuota(
                new DeliveryRequest(sharedBlob, shared.length, NOW, List.of(ra), Optional.empty())));
        assertTrue(store().accounts().setQuota(a.id(), java.util.OptionalLong.of(10), java.util.OptionalLong.empty()));
        Delivered d = assertInstanceOf(Delivered.class, store().mail().deliverWithinQuota(
                new DeliveryRequest(sharedBlob, shared.length, NOW, List.of(ra, rb), Optional.empty())));
        assertEquals(2, d.messages().size());
        MessageMeta ma = store().mail().messages(store().mail().mailbox(a.id(), "INBOX").orElseThrow().id()).getFirst();
        MessageMeta mb = store().mail().messages(store().mail().mailbox(b.id(), "INBOX").orElseThrow().id()).getFirst();
        assertEquals(editedBlob, ma.blob());
        assertEquals(edited.length, ma.size());
        assertArrayEquals(edited, readMessage(ma));
        assertEquals(sharedBlob, mb.blob());
        assertArrayEquals(bytes("X-Spam-Status: Yes\r\n" + new String(shared, StandardCharsets.UTF_8)), readMessage(mb));
        assertEquals(edited.length, store().accounts().quota(a.id()).orElseThrow().usedBytes());
        store().blobs().collect();
        Store s = reopen();
        MessageMeta again = s.mail().messages(s.mail().mailbox(a.id(), "INBOX").orElseThrow().id()).getFirst();
        try (InputStream in = s.blobs().open(again.content())) {
            assertArrayEquals(edited, in.readAllBytes());
        }
    }

    /** Sieve: one account, several copies (fileinto two mailboxes, one created on the way; RFC 5490 :create). */
    @Test
    default void oneAccountMayGetSeveralCopiesAndCreateAMailbox() throws IOException {
        Account a = user(store(), "alice@example.test");
        byte[] body = bytes("Subject: x\r\n\r\nx\r\n");
        store().mail().deliver(new DeliveryRequest(blob(store(), body), body.length, NOW, List.of(
                new DeliveryRequest.Recipient(a.id(), DeliveryRequest.Target.INBOX, Set.of("\\Flagged"), HeaderPrefix.NONE),
                new DeliveryRequest.Recipient(a.id(), new DeliveryRequest.Target.Named("Lists/tegami", true), Set.of(),
                        HeaderPrefix.of(List.of("X-Sieve: filed")))), Optional.empty()));
        Mailbox inbox = store().mail().mailbox(a.id(), "INBOX").orElseThrow();
        Mailbox lists = store().mail().mailbox(a.id(), "Lists/tegami").orElseThrow();
        assertEquals(Set.of("\\Flagged"), store().mail().messages(inbox.id()).getFirst().flags());
        assertEquals(1, store().mail().messages(lists.id()).size());
        assertEquals(HeaderPrefix.of(List.of("X-Sieve: filed")), store().mail().messages(lists.id()).getFirst().prefix());
        // once it exists, :create files into it rather than creating another
        store().mail().deliver(new DeliveryRequest(blob(store(), body), body.length, NOW, List.of(
                new DeliveryRequest.Recipient(a.id(), new DeliveryRequest.Target.Named("Lists/tegami", true), Set.of(),
                        HeaderPrefix.NONE)), Optional.empty()));
        assertEquals(2, store().mail().messages(lists.id()).size());
        assertEquals(1, store().mail().mailboxes(a.id()).stream().filter(m -> m.name().equals("Lists/tegami")).count());
    }

    @Test
    default void headerPrefixIsBoundedAndHoldsNoStructuralField() {
        assertThrows(IllegalArgumentException.class, () -> HeaderPrefix.of(List.of("Subject: changed")));
        assertThrows(IllegalArgumentException.class, () -> HeaderPrefix.of(List.of("Content-Type: text/html")));
        assertThrows(IllegalArgumentException.class, () -> HeaderPrefix.of(List.of("no colon")));
        assertThrows(IllegalArgumentException.class, () -> HeaderPrefix.of(List.of("X-A: b\nX-C: d")));
        assertThrows(IllegalArgumentException.class, () -> HeaderPrefix.of(List.of("X-A: " + "a".repeat(HeaderPrefix.MAX_BYTES))));
        assertEquals("X-A: b\r\n c\r\n", HeaderPrefix.of(List.of("X-A: b\r\n c")).toString());
    }

    @Test
    default void classifierCountsLearnOnceAndUnlearnWhenReversed() {
        Account a = user(store(), "alice@example.test");
        ClassifierStore c = store().classifier();
        assertEquals(ClassifierStore.Totals.ZERO, c.totals(Optional.of(a.id())));
        assertTrue(c.learn(a.id(), "m1", ClassifierStore.Verdict.SPAM, List.of("viagra", "cheap", "cheap")));
        assertFalse(c.learn(a.id(), "m1", ClassifierStore.Verdict.SPAM, List.of("viagra", "cheap")), "never twice");
        assertTrue(c.learn(a.id(), "m2", ClassifierStore.Verdict.HAM, List.of("meeting", "cheap")));
        assertEquals(new ClassifierStore.Totals(1, 1), c.totals(Optional.of(a.id())));
        assertEquals(new ClassifierStore.Totals(1, 1), c.totals(Optional.empty()), "the shared model learns too");
        Map<String, ClassifierStore.Counts> counts = c.counts(Optional.of(a.id()), List.of("cheap", "viagra", "unseen"));
        assertEquals(new ClassifierStore.Counts(1, 1), counts.get("cheap"));
        assertEquals(new ClassifierStore.Counts(1, 0), counts.get("viagra"));
        assertFalse(counts.containsKey("unseen"));
        // the user moves m1 out of Junk: unlearned as spam, learned as ham
        assertTrue(c.learn(a.id(), "m1", ClassifierStore.Verdict.HAM, List.of("viagra", "cheap")));
        assertEquals(new ClassifierStore.Totals(0, 2), c.totals(Optional.of(a.id())));
        assertEquals(new ClassifierStore.Counts(0, 2), c.counts(Optional.of(a.id()), List.of("cheap")).get("cheap"));
        assertEquals(Optional.of(ClassifierStore.Verdict.HAM), c.learned(a.id(), "m1"));
        Store s = reopen();
        assertEquals(new ClassifierStore.Totals(0, 2), s.classifier().totals(Optional.of(a.id())));
    }

    @Test
    default void classifierVocabularyIsPrunedRarestFirst() {
        Account a = user(store(), "alice@example.test");
        ClassifierStore c = store().classifier();
        for (int i = 0; i < 5; i++) c.learn(a.id(), "common" + i, ClassifierStore.Verdict.SPAM, List.of("common"));
        List<String> rare = java.util.stream.IntStream.range(0, 50).mapToObj(i -> "rare" + i).toList();
        c.learn(a.id(), "r", ClassifierStore.Verdict.HAM, rare);
        assertTrue(c.prune(Optional.of(a.id()), 20) >= 31);
        assertTrue(c.counts(Optional.of(a.id()), List.of("common")).containsKey("common"), "the most seen token stays");
        assertTrue(c.counts(Optional.of(a.id()), rare).size() <= 18);
        assertEquals(0, c.prune(Optional.of(a.id()), 20));
    }

    @Test
    default void movesIntoAndOutOfJunkAndFlagsQueueLearningTasks() throws IOException {
        Account a = user(store(), "alice@example.test");
        MailStore mail = store().mail();
        Mailbox inbox = mail.mailbox(a.id(), "INBOX").orElseThrow();
        Mailbox junk = mail.mailbox(a.id(), "Junk").orElseThrow();
        Mailbox trash = mail.mailbox(a.id(), "Trash").orElseThrow();
        byte[] body = bytes("Subject: s\r\n\r\nbuy\r\n");
        Uid u = mail.append(inbox.id(), blob(store(), body), body.length, NOW, Set.of());
        assertTrue(store().classifier().learningTasks(10).isEmpty());
        List<Uid[]> moved = mail.copy(inbox.id(), Set.of(u), junk.id(), true);
        Uid inJunk = moved.getFirst()[1];
        List<ClassifierStore.LearnTask> tasks = store().classifier().learningTasks(10);
        assertEquals(1, tasks.size());
        assertEquals(new ClassifierStore.LearnTask(tasks.getFirst().id(), a.id(), junk.id(), inJunk, ClassifierStore.Verdict.SPAM),
                tasks.getFirst());
        mail.copy(junk.id(), Set.of(inJunk), trash.id(), false); // deleting spam teaches nothing more
        assertEquals(1, store().classifier().learningTasks(10).size());
        mail.copy(junk.id(), Set.of(inJunk), inbox.id(), true);
        tasks = store().classifier().learningTasks(10);
        assertEquals(ClassifierStore.Verdict.HAM, tasks.get(1).verdict(), "moved out of Junk: ham");
        Uid back = mail.messages(inbox.id()).getLast().uid();
        mail.setFlags(inbox.id(), Set.of(back), MailStore.FlagMode.ADD, Set.of("$Junk"), Optional.empty());
        tasks = store().classifier().learningTasks(10);
        assertEquals(3, tasks.size());
        assertEquals(ClassifierStore.Verdict.SPAM, tasks.get(2).verdict(), "$Junk: spam");
        store().classifier().learningDone(tasks.stream().map(ClassifierStore.LearnTask::id).toList());
        assertTrue(store().classifier().learningTasks(10).isEmpty());
        mail.setFlags(inbox.id(), Set.of(back), MailStore.FlagMode.ADD, Set.of("\\Seen"), Optional.empty());
        assertTrue(store().classifier().learningTasks(10).isEmpty(), "reading teaches nothing");
    }
}
