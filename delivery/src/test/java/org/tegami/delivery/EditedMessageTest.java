package org.tegami.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.sieve.HeaderField;
import org.tegami.sieve.RawSieveMessage;
import org.tegami.sieve.SieveLimits;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.SieveScriptStore;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;

/**
 * The edited copy of RFC 5293 editheader: the header fields found as the Sieve view found them (or not at all, when
 * they cannot be matched one to one), kept fields copied byte for byte, and a 50 MiB message edited with a bounded
 * allocation (the body streamed, never held).
 */
class EditedMessageTest {
    @TempDir
    Path dir;
    private Store store;

    @AfterEach
    void close() {
        if (store != null) store.close();
    }

    private static List<HeaderField> seen(byte[] raw) {
        return RawSieveMessage.of(raw, "", "a@b.test", 0).headers();
    }

    @Test
    void layoutMatchesTheViewFieldForField() {
        byte[] raw = "Subject: a\r\n  folded\r\nX-A:b\r\nX-8: caf\u00e9\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);
        var layout = EditedMessage.layout(raw, true, seen(raw)).orElseThrow();
        assertEquals(3, layout.fields());
        assertEquals("Subject: a\r\n  folded\r\nX-A:b\r\nX-8: caf\u00e9\r\n".getBytes(StandardCharsets.UTF_8).length, layout.end());
        List<HeaderField> h = seen(raw);
        // X-A dropped, a new field at the end; kept fields byte for byte (no space added after X-A's colon elsewhere)
        byte[] out = EditedMessage.header(raw, layout, h, List.of(h.get(2), h.get(0), new HeaderField("X-New", " v")));
        assertEquals("X-8: caf\u00e9\r\nSubject: a\r\n  folded\r\nX-New: v\r\n", new String(out, StandardCharsets.UTF_8));
        // a header that ends at a line without a colon (RFC 5322: the body starts there) and one without a body
        byte[] noBlank = "X-A: 1\r\nnot a field\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(8, EditedMessage.layout(noBlank, true, seen(noBlank)).orElseThrow().end());
        byte[] noBody = "X-A: 1\r\nX-B: 2".getBytes(StandardCharsets.US_ASCII);
        var l = EditedMessage.layout(noBody, true, seen(noBody)).orElseThrow();
        assertEquals(noBody.length, l.end());
        List<HeaderField> nb = seen(noBody);
        assertEquals("X-B: 2\r\n", new String(EditedMessage.header(noBody, l, nb, List.of(nb.get(1))), StandardCharsets.US_ASCII));
    }

    @Test
    void aHeaderTheViewDidNotSeeWholeIsNeverRewritten() {
        byte[] cut = "X-A: 1\r\nX-B: 2\r\n".getBytes(StandardCharsets.US_ASCII);
        assertTrue(EditedMessage.layout(cut, false, seen(cut)).isEmpty(), "the header goes on past the bytes read");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 2_500; i++) many.append("X-F: ").append(i).append("\r\n");
        byte[] big = (many + "\r\nbody").getBytes(StandardCharsets.US_ASCII);
        assertTrue(EditedMessage.layout(big, true, seen(big)).isEmpty(), "more fields than the view keeps");
        byte[] raw = "X-A: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertTrue(EditedMessage.layout(raw, true, List.of(new HeaderField("X-B", " 1"))).isEmpty(), "another header");
    }

    /** A generated message body: {@code size} bytes of numbered lines, the same every time. */
    private static InputStream generated(long size) {
        return new InputStream() {
            long pos;
            byte[] line = new byte[0];
            int at;

            @Override
            public int read() {
                if (pos >= size) return -1;
                if (at == line.length) {
                    line = String.format("line %010d of the body\r\n", pos).getBytes(StandardCharsets.US_ASCII);
                    at = 0;
                }
                pos++;
                return line[at++] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= size) return -1;
                int n = 0;
                while (n < len && pos < size) b[off + n++] = (byte) read();
                return n;
            }
        };
    }

    private static byte[] digest(InputStream in) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
        return d.digest();
    }

    /** 50 MiB through the user's rules: the edited copy is right, and far less than the message is ever allocated. */
    @Test
    void aFiftyMebibyteMessageIsEditedStreaming() throws Exception {
        store = EmbeddedStore.open(dir, InstantSource.system());
        store.accounts().addDomain("example.test");
        Account alice = store.accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(), "$argon2id$x");
        assertEquals(SieveScriptStore.Result.OK, store.sieve().put(alice.id(), "r",
                "require \"editheader\";\ndeleteheader \"X-Spam-Flag\";\naddheader \"Subject\" \"[big]\";\n",
                SieveScriptStore.Quota.DEFAULTS));
        assertEquals(SieveScriptStore.Result.OK, store.sieve().setActive(alice.id(), "r"));
        String head = "Return-Path: <s@r.test>\r\nSubject: big\r\nX-Spam-Flag: YES\r\nX-Other: kept\r\n\r\n";
        long bodySize = 50L * 1024 * 1024;
        BlobId blob;
        long size;
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(head.getBytes(StandardCharsets.US_ASCII));
            generated(bodySize).transferTo(w.stream());
            blob = w.commit();
            size = w.size();
        }
        InboundMessage m = new InboundMessage(InetAddress.getLoopbackAddress(), "c.test", "s@r.test",
                List.of(alice.id()), false, Optional.empty(), blob, size, new InboundMessage.BlobBytes() {
                    @Override
                    public byte[] head(int max) throws IOException {
                        try (InputStream in = store.blobs().open(blob)) {
                            return in.readNBytes(max);
                        }
                    }
                });
        UserRulesStage stage = new UserRulesStage(store, "mx.example.test", InstantSource.system(), SieveLimits.DEFAULTS,
                Optional.empty(), Optional.empty());
        Outcome.Deliver in = Outcome.Deliver.INBOX.withHeader("X-Spam-Status: No, score=0.01");
        stage.apply(m, alice.id(), in); // warm up: classes loaded, script compiled
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        Outcome.Deliver d = (Outcome.Deliver) stage.apply(m, alice.id(), in);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.println("editheader on a 50 MiB message: " + allocated + " bytes allocated by the delivering thread");
        DeliveryRequest.Own own = d.rules().orElseThrow().edited().orElseThrow();
        assertEquals(List.of("X-Spam-Status: No, score=0.01"), d.headers(), "the stages' lines, now also in the copy");
        String edited = "Subject: [big]\r\nX-Spam-Status: No, score=0.01\r\nReturn-Path: <s@r.test>\r\nSubject: big\r\n"
                + "X-Other: kept\r\n\r\n";
        assertEquals(edited.length() + bodySize, own.size());
        try (InputStream got = store.blobs().open(own.blob())) {
            assertArrayEquals(edited.getBytes(StandardCharsets.US_ASCII), got.readNBytes(edited.length()));
            assertArrayEquals(digest(generated(bodySize)), digest(got), "the body byte for byte");
        }
        // the view reads at most the header bound and the body test's bound (about 1.3 MiB), a few times over
        assertTrue(allocated < 16L * 1024 * 1024, "allocated " + allocated + " bytes for a 50 MiB message");
    }

    /**
     * A remote redirect's blob: the header as edited when the redirect ran, without the stages' lines and without the
     * bytes the caller does not send (our Return-Path line), also when it sends from the start (fetched mail, skip 0);
     * a later edit reaches only the implicit keep; identical requests give the same blob.
     */
    @Test
    void aRemoteRedirectsBlobLeavesOutOurLocalLines() throws Exception {
        store = EmbeddedStore.open(dir, InstantSource.system());
        store.accounts().addDomain("example.test");
        Account alice = store.accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(), "$argon2id$x");
        assertEquals(SieveScriptStore.Result.OK, store.sieve().put(alice.id(), "r", """
                require "editheader";
                deleteheader "X-Spam-Flag";
                redirect "far@remote.test";
                addheader :last "X-After" "redirect";
                keep;
                """, SieveScriptStore.Quota.DEFAULTS));
        assertEquals(SieveScriptStore.Result.OK, store.sieve().setActive(alice.id(), "r"));
        String returnPath = "Return-Path: <s@r.test>\r\n";
        String rest = "Received: from c.test\r\nSubject: hi\r\nX-Spam-Flag: YES\r\n\r\nBody.\r\n";
        byte[] bytes = (returnPath + rest).getBytes(StandardCharsets.US_ASCII);
        BlobId blob;
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(bytes);
            blob = w.commit();
        }
        InboundMessage m = new InboundMessage(InetAddress.getLoopbackAddress(), "c.test", "s@r.test",
                List.of(alice.id()), false, Optional.empty(), blob, bytes.length,
                max -> java.util.Arrays.copyOf(bytes, Math.min(max, bytes.length)));
        UserRulesStage stage = new UserRulesStage(store, "mx.example.test", InstantSource.system(), SieveLimits.DEFAULTS,
                Optional.empty(), Optional.empty());
        Outcome.Deliver d = (Outcome.Deliver) stage.apply(m, alice.id(),
                Outcome.Deliver.INBOX.withHeader("X-Spam-Status: Yes, score=9.1"));
        Outcome.Rules rules = d.rules().orElseThrow();
        Outcome.Edit.Rewritten redirect = (Outcome.Edit.Rewritten) rules.redirects().getFirst().edit();
        Outcome.Edit.Rewritten keep = (Outcome.Edit.Rewritten) rules.copies().getFirst().edit();
        assertEquals("X-Spam-Status: Yes, score=9.1\r\n" + returnPath + "Received: from c.test\r\nSubject: hi\r\n\r\nBody.\r\n",
                read(redirect.own()), "the local form of the redirect's state");
        assertEquals("X-Spam-Status: Yes, score=9.1\r\n" + returnPath
                + "Received: from c.test\r\nSubject: hi\r\nX-After: redirect\r\n\r\nBody.\r\n", read(keep.own()));
        DeliveryRequest.Own sent = redirect.forRemote().apply(returnPath.length()).orElseThrow();
        assertEquals("Received: from c.test\r\nSubject: hi\r\n\r\nBody.\r\n", read(sent));
        assertEquals(sent, redirect.forRemote().apply(returnPath.length()).orElseThrow());
        DeliveryRequest.Own fetched = redirect.forRemote().apply(0).orElseThrow();
        assertEquals(returnPath + "Received: from c.test\r\nSubject: hi\r\n\r\nBody.\r\n", read(fetched));
    }

    private String read(DeliveryRequest.Own own) throws IOException {
        try (InputStream in = store.blobs().open(own.blob())) {
            byte[] b = in.readAllBytes();
            assertEquals(own.size(), b.length);
            return new String(b, StandardCharsets.US_ASCII);
        }
    }
}
