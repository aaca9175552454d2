package org.tegami.store.postgres;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The per-node copies of inline blobs read lately: bounded in bytes, least recently used out first. */
class RecentBlobsTest {

    @Test
    void keepsAtMostItsBytesDroppingTheLeastRecentlyUsed() {
        PgBlobStore.RecentBlobs r = new PgBlobStore.RecentBlobs(800);
        r.put("a", new byte[100]);
        r.put("b", new byte[100]);
        r.put("c", new byte[100]);
        assertEquals(300, r.bytes());
        r.get("a"); // used: "b" is now the eldest
        for (int i = 0; i < 6; i++) r.put("x" + i, new byte[100]);
        assertEquals(800, r.bytes());
        assertNull(r.get("b"), "the least recently used went first");
        assertEquals(100, r.get("a").length);
    }

    @Test
    void aBlobLargerThanAnEighthIsNotKeptAndRemovalFreesItsBytes() {
        PgBlobStore.RecentBlobs r = new PgBlobStore.RecentBlobs(800);
        r.put("big", new byte[101]);
        assertNull(r.get("big"));
        byte[] small = {1, 2, 3};
        r.put("s", small);
        r.put("s", small); // the same blob again counts once
        assertEquals(3, r.bytes());
        assertArrayEquals(small, r.get("s"));
        r.remove("s");
        assertEquals(0, r.bytes());
        assertNull(r.get("s"));
    }
}
