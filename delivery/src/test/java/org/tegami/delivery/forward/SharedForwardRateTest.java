package org.tegami.delivery.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.embedded.EmbeddedStore;

/** Two nodes forwarding for one alias share its hourly limit (ADR 0024); a failing store falls back to the node's own. */
class SharedForwardRateTest {
    private static final Instant T = Instant.parse("2025-03-01T10:00:00Z");
    @TempDir
    Path dir;

    @Test
    void copiesOnTwoNodesAreSpreadAsOnOne() {
        try (EmbeddedStore store = EmbeddedStore.open(dir, InstantSource.fixed(T))) {
            ForwardRate a = ForwardRate.shared(2, store.coordination());
            ForwardRate b = ForwardRate.shared(2, store.coordination());
            assertEquals(List.of(T, T.plusSeconds(1), T.plus(Duration.ofHours(1)), T.plus(Duration.ofHours(1)).plusSeconds(1)),
                    List.of(a.schedule("list@example.test", T), b.schedule("list@example.test", T.plusSeconds(1)),
                            a.schedule("list@example.test", T.plusSeconds(2)), b.schedule("list@example.test", T.plusSeconds(3))));
            assertEquals(T.plusSeconds(4), b.schedule("other@example.test", T.plusSeconds(4)), "per alias");
            store.close();
            assertEquals(T.plusSeconds(5), a.schedule("list@example.test", T.plusSeconds(5)),
                    "the shared store failing: this node's own booking");
        }
    }
}
