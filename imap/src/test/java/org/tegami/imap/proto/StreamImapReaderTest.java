package org.tegami.imap.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Literal octets are buffered as they arrive, never as declared (issue 12, attack 3). */
class StreamImapReaderTest {

    @Test
    void aDeclaredLiteralIsNotAllocatedBeforeItsOctetsArrive() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Wire w = new Wire("only a few octets, then the client goes quiet");
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThrows(EOFException.class, () -> w.reader.literal(50_000_000, false));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1 << 20, allocated + " bytes allocated for 45 octets received");
    }

    @Test
    void literalsArriveWholeAcrossEverySplit() throws Exception {
        byte[] data = new byte[70_000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) ('a' + i % 26);
        for (int split : new int[] {1, 2, 4095, 4096, 4097, 65_536, 69_999}) {
            Wire w = new Wire(data, split, split * 2);
            assertArrayEquals(data, w.reader.literal(data.length, false), "split at " + split);
        }
    }
}
