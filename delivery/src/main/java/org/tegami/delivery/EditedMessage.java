package org.tegami.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tegami.sieve.HeaderField;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;

/**
 * One recipient's copy of a message whose header section their Sieve script edited (RFC 5293) in a way a header
 * prefix cannot hold (a field deleted, one added below the top, or one a prefix refuses such as Subject): the header
 * fields as the script left them, then the original's bytes after its last header field (the empty line and the body),
 * streamed from the shared blob into a blob of the copy's own. Fields the script kept are copied byte for byte from
 * the original; only the header section is ever in memory (at most {@link InboundMessage#MAX_HEADER} bytes plus the
 * fields addheader may add under {@link org.tegami.sieve.SieveLimits#headerEdits()}), never the body.
 */
final class EditedMessage {

    /**
     * Where the header fields of {@code raw} lie: field {@code i} is {@code raw[starts[i], ends[i])}, its CRLF
     * included; the fields end at {@code end}, where the rest of the message (the empty line, the body) starts.
     */
    record Layout(int[] starts, int[] ends, int end) {
        int fields() {
            return starts.length;
        }
    }

    private EditedMessage() {}

    /**
     * The header fields of {@code raw}, read as the Sieve view read them ({@link org.tegami.sieve.RawSieveMessage}):
     * a field runs on over lines that start with SP or HTAB (RFC 5322 §2.2.3), and the header ends at the empty line
     * or at a line that is no field. Empty when the fields cannot be matched one to one with {@code seen} (the view's
     * fields): the header did not end within {@code raw} while the message goes on ({@code whole} false), or it has
     * more fields or characters than the view kept. Then the copy must not be rewritten: fields would be lost.
     */
    static Optional<Layout> layout(byte[] raw, boolean whole, List<HeaderField> seen) {
        List<int[]> fields = new ArrayList<>();
        int i = 0;
        int end = -1;
        while (i < raw.length) {
            int eol = i;
            while (eol < raw.length && raw[eol] != '\n') eol++;
            int lineEnd = eol > i && raw[eol - 1] == '\r' ? eol - 1 : eol;
            int next = Math.min(raw.length, eol + 1);
            if (lineEnd == i) {
                end = i; // the empty line: it belongs to the rest
                break;
            }
            if ((raw[i] == ' ' || raw[i] == '\t') && !fields.isEmpty()) {
                fields.getLast()[1] = next;
            } else {
                int colon = i;
                while (colon < lineEnd && raw[colon] != ':') colon++;
                if (colon == lineEnd || colon == i) {
                    end = i; // no field: the header ends here and this line is the body's
                    break;
                }
                fields.add(new int[] {i, next});
            }
            i = next;
        }
        if (end < 0) {
            if (!whole) return Optional.empty(); // the header goes on past what was read
            end = raw.length;
        }
        if (fields.size() != seen.size()) return Optional.empty();
        int[] starts = new int[fields.size()];
        int[] ends = new int[fields.size()];
        for (int k = 0; k < fields.size(); k++) {
            starts[k] = fields.get(k)[0];
            ends[k] = fields.get(k)[1];
            int colon = starts[k];
            while (raw[colon] != ':') colon++;
            String name = new String(raw, starts[k], colon - starts[k], StandardCharsets.UTF_8).strip();
            if (!name.equals(seen.get(k).name())) return Optional.empty();
        }
        return Optional.of(new Layout(starts, ends, end));
    }

    /**
     * The edited header section: each of {@code fields} that is one of {@code original} (the same object: the view's
     * field {@code i} is the layout's field {@code i}) as its original bytes, each other one (added by addheader,
     * already encoded and folded) as {@code Name: value} in UTF-8; every field ends in CRLF.
     */
    static byte[] header(byte[] raw, Layout layout, List<HeaderField> original, List<HeaderField> fields) {
        Map<HeaderField, Integer> index = new IdentityHashMap<>();
        for (int k = 0; k < original.size(); k++) index.put(original.get(k), k);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (HeaderField f : fields) {
            Integer k = index.get(f);
            if (k == null) {
                out.writeBytes(f.toLines().getBytes(StandardCharsets.UTF_8));
                continue;
            }
            int s = layout.starts()[k];
            int e = layout.ends()[k];
            out.write(raw, s, e - s);
            if (raw[e - 1] != '\n') out.writeBytes(new byte[] {'\r', '\n'}); // the last line of a message without a body
        }
        return out.toByteArray();
    }

    /**
     * Writes {@code header}, then {@code rest} (the original message from the end of its header fields) into a new
     * blob, streaming, and commits it (fsync'd when this returns, as every delivered blob is before the reply).
     */
    static DeliveryRequest.Own write(BlobStore blobs, byte[] header, InputStream rest) throws IOException {
        try (BlobStore.BlobWriter w = blobs.create(); rest) {
            OutputStream out = w.stream();
            out.write(header);
            rest.transferTo(out);
            BlobId id = w.commit();
            return new DeliveryRequest.Own(id, w.size());
        }
    }
}
