package org.tegami.imap.proto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Test plumbing: feeds wire bytes to the parser, optionally split into chunks, counting continuation requests. */
final class Wire {
    int continuations;
    final StreamImapReader reader;

    Wire(byte[] bytes, int... splits) {
        this.reader = new StreamImapReader(new Chunked(bytes, splits), () -> continuations++, ImapLimits.LINE);
    }

    Wire(String text, int... splits) {
        this(text.getBytes(StandardCharsets.UTF_8), splits);
    }

    /** Delivers at most up to the next split point per read, like a socket delivering TCP segments. */
    static final class Chunked extends InputStream {
        private final ByteArrayInputStream in;
        private final int[] splits;
        private int pos;

        Chunked(byte[] bytes, int[] splits) {
            this.in = new ByteArrayInputStream(bytes);
            this.splits = splits;
        }

        @Override
        public int read() {
            int b = in.read();
            if (b >= 0) pos++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int limit = len;
            for (int s : splits) {
                if (s > pos) {
                    limit = Math.min(limit, s - pos);
                    break;
                }
            }
            int n = in.read(b, off, Math.max(1, limit));
            if (n > 0) pos += n;
            return n;
        }
    }
}
