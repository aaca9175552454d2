package org.tegami.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.InboundPipeline;
import org.tegami.delivery.Outcome;
import org.tegami.fetch.proto.FetchProtocolException;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.MessageWrites;
import org.tegami.store.FetchSourceStore.Source;
import org.tegami.store.HeaderPrefix;
import org.tegami.store.Store;

/**
 * Takes one fetched message into the house: writes it to a blob (a Received line first, bare LFs made CRLF, at most
 * the message size limit), runs the inbound pipeline for the source's account as a message from outside, and
 * stores it with its outcome. When {@link #take} returns {@link Taken.Stored}, the message is durable here.
 */
final class MessageIntake {
    private static final Logger LOG = System.getLogger(MessageIntake.class.getName());
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** What became of a message. */
    sealed interface Taken {
        /** Stored for the account, committed. */
        record Stored() implements Taken {}

        /** Refused for good by the pipeline (e.g. GTUBE, DMARC reject): nothing stored; not asked for again. */
        record Refused(String reason) implements Taken {}

        /** Refused for now (e.g. greylisting): nothing stored; asked for again at the next poll. */
        record Deferred(String reason) implements Taken {}
    }

    /** Writes a message's bytes; throws {@link TooBig} past the limit. */
    @FunctionalInterface
    interface Body {
        void writeTo(OutputStream out) throws IOException, FetchProtocolException;
    }

    /** The message grew past the size limit while it was read. */
    static final class TooBig extends IOException {
        TooBig() {
            super("over the message size limit");
        }
    }

    private final Store store;
    private final InboundPipeline pipeline;
    private final org.tegami.delivery.LocalDelivery local;
    private final String hostname;
    private final long maxSize;
    private final InstantSource clock;

    MessageIntake(Store store, InboundPipeline pipeline, org.tegami.delivery.LocalDelivery local, String hostname,
                  long maxSize, InstantSource clock) {
        this.store = store;
        this.pipeline = pipeline;
        this.local = local;
        this.hostname = hostname;
        this.maxSize = maxSize;
        this.clock = clock;
    }

    long maxSize() {
        return maxSize;
    }

    Taken take(Source source, Wire wire, String protocol, String remoteId, Body body)
            throws IOException, FetchProtocolException {
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            var out = new java.io.BufferedOutputStream(w.stream(), 64 * 1024);
            out.write(received(source, wire, protocol));
            Normalizer n = new Normalizer(out, maxSize);
            body.writeTo(n);
            n.finish();
            out.flush();
            BlobId blob = w.commit();
            long size = w.size();
            InboundMessage m = new InboundMessage(wire.address(), source.host(), "", List.of(source.account()), true,
                    Optional.empty(), blob, size, new InboundMessage.BlobBytes() {
                        @Override
                        public byte[] head(int max) throws IOException {
                            try (InputStream in = store.blobs().open(blob)) {
                                return in.readNBytes(max);
                            }
                        }

                        @Override
                        public InputStream open() throws IOException {
                            return store.blobs().open(blob);
                        }
                    });
            m = withReturnPath(m);
            String id = "source " + source.id() + " " + protocol + " " + remoteId;
            // the user's rules (Sieve) act on collected mail as on any other: copies, redirects, follow-ups
            org.tegami.delivery.LocalDelivery.Plan plan = local.plan(m, pipeline.run(m), 0,
                    a -> LOG.log(Level.ERROR, "fetch " + id + ": a stage added a header prefix the store refuses, dropped"));
            Outcome.Refuse r = plan.refused().get(source.account());
            if (r != null) {
                String why = r.code() + " " + r.enhanced() + " " + r.text();
                LOG.log(Level.INFO, () -> "fetch " + id + ": the inbound pipeline refused it: " + why);
                return r.temporary() ? new Taken.Deferred(why) : new Taken.Refused(why);
            }
            if (deliver(blob, size, plan.recipients(), plan.outbounds()) instanceof MessageWrites.OverQuota) {
                // RFC 9208 §5.1: no room in the account; the message stays on the source and is asked for again
                String why = "452 4.2.2 Mailbox full: over quota";
                LOG.log(Level.INFO, () -> "fetch " + id + ": " + why);
                return new Taken.Deferred(why);
            }
            local.followUp(plan.followups());
            LOG.log(Level.INFO, () -> "fetched " + id + " blob " + blob + " (" + size + " bytes)");
            return new Taken.Stored();
        }
    }

    /**
     * The one place a fetched message is stored: its copies for the account, and what Sieve redirects; within the
     * account's quota, decided in the write (nothing is stored when there is no room).
     */
    private MessageWrites.DeliveryOutcome deliver(BlobId blob, long size, List<DeliveryRequest.Recipient> copies,
                                                  List<DeliveryRequest.Outbound> outbounds) {
        return store.mail().deliverWithinQuota(new DeliveryRequest(blob, size, clock.instant(), copies, outbounds));
    }

    /** The reverse-path is the message's own Return-Path (RFC 5321 §4.4, added at its final delivery), if any. */
    private static InboundMessage withReturnPath(InboundMessage m) {
        String rp = returnPath(m.header());
        return rp.isEmpty() ? m : new InboundMessage(m.clientIp(), m.helo(), rp, m.recipients(), m.tls(), m.submitter(),
                m.blob(), m.size(), m.bytes(), m.memo());
    }

    /** The address of the first Return-Path field of a header section, or empty ({@code <>} or none). */
    static String returnPath(byte[] header) {
        String h = new String(header, StandardCharsets.ISO_8859_1);
        int i = 0;
        while (i < h.length()) {
            int eol = h.indexOf('\n', i);
            if (eol < 0) eol = h.length();
            String line = h.substring(i, eol).strip();
            if (line.isEmpty()) break;
            if (line.regionMatches(true, 0, "Return-Path:", 0, 12)) {
                String v = line.substring(12).strip();
                if (v.startsWith("<") && v.indexOf('>') > 0) v = v.substring(1, v.indexOf('>'));
                return v.length() <= 256 && v.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != '<' && c != '>') ? v : "";
            }
            i = eol + 1;
        }
        return "";
    }

    /** A trace field (RFC 5321 §4.4) saying where and how the message was collected. */
    private byte[] received(Source source, Wire wire, String protocol) {
        String line = "Received: from " + source.host() + " ([" + wire.address().getHostAddress() + "])\r\n\tby "
                + hostname + " (Tegami fetch) with " + protocol + " id source-" + source.id() + ";\r\n\t"
                + DATE.format(clock.instant().atZone(ZoneOffset.UTC)) + "\r\n";
        return line.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Passes message bytes on with each bare LF made CRLF (mail in the store is CRLF, RFC 5322 §2.3) and counts
     * them against the limit.
     */
    static final class Normalizer extends OutputStream {
        private final OutputStream out;
        private final long max;
        private long written;
        private int last = '\n';

        Normalizer(OutputStream out, long max) {
            this.out = out;
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            if (b == '\n' && last != '\r') put('\r');
            put(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n' && (i == off ? last : b[i - 1]) != '\r') {
                    putAll(b, start, i - start);
                    put('\r');
                    start = i;
                }
            }
            putAll(b, start, off + len - start);
        }

        private void put(int b) throws IOException {
            if (++written > max) throw new TooBig();
            out.write(b);
            last = b & 0xFF;
        }

        private void putAll(byte[] b, int off, int len) throws IOException {
            if (len == 0) return;
            written += len;
            if (written > max) throw new TooBig();
            out.write(b, off, len);
            last = b[off + len - 1] & 0xFF;
        }

        /** Ends the message with CRLF when its last line had none. */
        void finish() throws IOException {
            if (written > 0 && last != '\n') {
                put('\r');
                put('\n');
            }
        }
    }
}
