package org.tegami.delivery.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ForwardRateTest {
    private static final Instant T = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void copiesAboveTheLimitAreSpreadOverTheFollowingHours() {
        ForwardRate r = new ForwardRate(2);
        assertEquals(T, r.schedule("sales@a.test", T));
        assertEquals(T.plusSeconds(60), r.schedule("sales@a.test", T.plusSeconds(60)));
        // the third waits until the first leaves the hour, the fourth until the second does
        assertEquals(T.plus(Duration.ofHours(1)), r.schedule("sales@a.test", T.plusSeconds(120)));
        assertEquals(T.plus(Duration.ofHours(1)).plusSeconds(60), r.schedule("sales@a.test", T.plusSeconds(121)));
        assertEquals(T.plus(Duration.ofHours(2)), r.schedule("sales@a.test", T.plusSeconds(122)));
        assertEquals(T.plusSeconds(130), r.schedule("other@a.test", T.plusSeconds(130)), "each alias counts its own");
    }

    @Test
    void aQuietHourFreesTheLimitAgain() {
        ForwardRate r = new ForwardRate(1);
        assertEquals(T, r.schedule("x@a.test", T));
        Instant later = T.plus(Duration.ofHours(1)).plusSeconds(1);
        assertEquals(later, r.schedule("x@a.test", later));
    }
}
