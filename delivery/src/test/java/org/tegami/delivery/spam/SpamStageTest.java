package org.tegami.delivery.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.Outcome;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.ClassifierStore.Verdict;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;

class SpamStageTest {
    @TempDir
    Path dir;
    Store store;

    @AfterEach
    void close() {
        if (store != null) store.close();
    }

    private static InboundMessage message(String text, AccountId to) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return new InboundMessage(InetAddress.getLoopbackAddress(), "c.test", "s@r.test", List.of(to), false,
                Optional.empty(), new BlobId("b".repeat(64)), b.length, max -> java.util.Arrays.copyOf(b, Math.min(max, b.length)));
    }

    @Test
    void gtubeIsRefusedAndScoresFileOrRefuseByThreshold() {
        store = EmbeddedStore.open(dir, InstantSource.system());
        AccountId a = new AccountId(7);
        for (int i = 0; i < 6; i++) {
            store.classifier().learn(a, "s" + i, Verdict.SPAM, List.of("lottery", "jackpot", "s" + i));
            store.classifier().learn(a, "h" + i, Verdict.HAM, List.of("minutes", "agenda", "h" + i));
        }
        SpamStage stage = new SpamStage(SpamSettings.DEFAULTS, store.classifier());
        assertEquals(new Outcome.Refuse(554, "5.7.1", "Message refused as spam"),
                stage.apply(message("Subject: x\r\n\r\n" + SpamStage.GTUBE + "\r\n", a), a, Outcome.Deliver.INBOX));
        Outcome spam = stage.apply(message("Subject: lottery\r\n\r\njackpot lottery\r\n", a), a, Outcome.Deliver.INBOX);
        Outcome.Deliver d = (Outcome.Deliver) spam;
        assertEquals(DeliveryRequest.Target.JUNK, d.target());
        assertTrue(d.flags().contains("$Junk"));
        assertTrue(d.headers().getFirst().startsWith("X-Spam-Status: Yes"));
        Outcome.Deliver ham = (Outcome.Deliver) stage.apply(message("Subject: agenda\r\n\r\nminutes agenda\r\n", a), a,
                Outcome.Deliver.INBOX);
        assertEquals(DeliveryRequest.Target.INBOX, ham.target());
        assertTrue(ham.headers().getFirst().startsWith("X-Spam-Status: No"));
        SpamStage rejecting = new SpamStage(new SpamSettings(true, 0.9, OptionalDouble.of(0.95), true), store.classifier());
        assertEquals(new Outcome.Refuse(550, "5.7.1", "Message refused as spam"),
                rejecting.apply(message("Subject: lottery\r\n\r\njackpot lottery\r\n", a), a, Outcome.Deliver.INBOX));
        AccountId fresh = new AccountId(8);
        Outcome.Deliver shared = (Outcome.Deliver) stage.apply(message("Subject: lottery\r\n\r\njackpot\r\n", fresh), fresh,
                Outcome.Deliver.INBOX);
        assertTrue(shared.headers().getFirst().contains("model=shared"), "a user without data gets the shared model");
    }
}
