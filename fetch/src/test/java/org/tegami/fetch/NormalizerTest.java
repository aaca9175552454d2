package org.tegami.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Fetched bytes are stored CRLF, within the size limit, however the server's writes are split. */
class NormalizerTest {
    private static String normalize(String in, int split) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MessageIntake.Normalizer n = new MessageIntake.Normalizer(out, 1000);
        byte[] b = in.getBytes(StandardCharsets.ISO_8859_1);
        int i = 0;
        while (i < b.length) {
            int len = Math.min(split, b.length - i);
            if (len == 1) n.write(b[i]); else n.write(b, i, len);
            i += len;
        }
        n.finish();
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void bareLineFeedsBecomeCrlfAtEverySplit() throws Exception {
        String in = "Subject: x\nFrom: y\r\n\n\nbody\r\nlast";
        for (int split = 1; split <= in.length(); split++) {
            assertEquals("Subject: x\r\nFrom: y\r\n\r\n\r\nbody\r\nlast\r\n", normalize(in, split), "split " + split);
        }
        assertEquals("a\r\n", normalize("a\r\n", 2));
        assertEquals("", normalize("", 1));
    }

    @Test
    void theSizeLimitHolds() {
        MessageIntake.Normalizer n = new MessageIntake.Normalizer(new ByteArrayOutputStream(), 10);
        assertThrows(MessageIntake.TooBig.class, () -> n.write("0123456789\n".getBytes(StandardCharsets.US_ASCII)));
        MessageIntake.Normalizer lf = new MessageIntake.Normalizer(new ByteArrayOutputStream(), 10);
        assertThrows(MessageIntake.TooBig.class, () -> {
            for (int i = 0; i < 6; i++) lf.write('\n'); // each LF grows to two bytes
        });
    }

    @Test
    void returnPathOfTheMessage() {
        assertEquals("carol@c.test", MessageIntake.returnPath("Received: x\r\nreturn-path: <carol@c.test>\r\n\r\n".getBytes()));
        assertEquals("", MessageIntake.returnPath("Return-Path: <>\r\n\r\n".getBytes()));
        assertEquals("", MessageIntake.returnPath("Subject: x\r\n\r\nReturn-Path: <body@x>\r\n".getBytes()), "header only");
        assertEquals("", MessageIntake.returnPath("Return-Path: <a b@c>\r\n\r\n".getBytes()));
    }
}
