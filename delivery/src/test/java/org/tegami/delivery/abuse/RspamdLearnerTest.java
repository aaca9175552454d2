package org.tegami.delivery.abuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.delivery.spam.Learner;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.ClassifierStore.Verdict;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;
import org.tegami.testkit.FreePort;

/**
 * Users' Junk moves reach rspamd's controller: the learning queue posts the stored message to {@code /learnspam} or
 * {@code /learnham} with the user in {@code Deliver-To}, once per change of mind, and a controller that is down does
 * not hold up the queue. The controller here is an HTTP server that records what it gets; {@link RspamdRealTest}
 * teaches a real rspamd.
 */
class RspamdLearnerTest {
    private static final byte[] MESSAGE = ("From: win@lottery.example\r\nTo: alice@example.test\r\nSubject: You won\r\n\r\n"
            + "Claim your jackpot now\r\n").getBytes(StandardCharsets.US_ASCII);

    record Request(String path, String deliverTo, String password, byte[] body) {}

    @TempDir
    Path dir;
    private Store store;
    private HttpServer http;
    private final List<Request> got = new CopyOnWriteArrayList<>();
    private volatile int status = 200;

    @AfterEach
    void close() {
        if (http != null) http.stop(0);
        if (store != null) store.close();
    }

    private URI controller() throws Exception {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            got.add(new Request(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Deliver-To"),
                    ex.getRequestHeaders().getFirst("Password"), body));
            byte[] answer = "{\"success\":true}".getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(status, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        http.start();
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** Alice with one message in her INBOX. */
    private MessageMeta stored() throws Exception {
        store = EmbeddedStore.open(dir, InstantSource.system());
        store.accounts().addDomain("example.test");
        Account alice = store.accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(), "x");
        BlobId blob;
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(MESSAGE);
            blob = w.commit();
        }
        store.mail().deliver(new DeliveryRequest(blob, MESSAGE.length, Instant.now(), Set.of(alice.id()), Optional.empty()));
        Mailbox inbox = store.mail().mailbox(alice.id(), "INBOX").orElseThrow();
        return store.mail().messages(inbox.id()).getFirst();
    }

    private void queue(MessageMeta m, Verdict v) {
        Account alice = store.accounts().user(EmailAddress.parse("alice@example.test").orElseThrow()).orElseThrow();
        store.classifier().queueLearning(alice.id(), m.mailbox(), m.uid(), v);
    }

    @Test
    void junkMovesAreTaughtToTheController() throws Exception {
        MessageMeta m = stored();
        RspamdLearner rspamd = new RspamdLearner(controller(), Optional.of("s3cret"), Duration.ofSeconds(5), InstantSource.system());
        Learner learner = new Learner(store, true, Duration.ofSeconds(1), Optional.of(rspamd));

        queue(m, Verdict.SPAM);
        assertEquals(1, learner.drain());
        assertEquals(1, got.size());
        Request r = got.getFirst();
        assertEquals("/learnspam", r.path());
        assertEquals("alice@example.test", r.deliverTo());
        assertEquals("s3cret", r.password());
        assertArrayEquals(MESSAGE, r.body());

        // the same lesson again teaches nothing new: not resent
        queue(m, Verdict.SPAM);
        assertEquals(1, learner.drain());
        assertEquals(1, got.size());

        // the user changes their mind (moves it out of Junk): ham
        queue(m, Verdict.HAM);
        assertEquals(1, learner.drain());
        assertEquals(2, got.size());
        assertEquals("/learnham", got.get(1).path());
    }

    @Test
    void answersAreTold() throws Exception {
        RspamdLearner rspamd = new RspamdLearner(controller(), Optional.empty(), Duration.ofSeconds(5), InstantSource.system());
        assertEquals(RspamdLearner.Result.LEARNED, rspamd.learn(Verdict.HAM, Optional.empty(), () -> new ByteArrayInputStream(MESSAGE), MESSAGE.length));
        assertEquals(null, got.getFirst().deliverTo());
        assertEquals(null, got.getFirst().password());
        status = 208;
        assertEquals(RspamdLearner.Result.ALREADY_LEARNED, rspamd.learn(Verdict.HAM, Optional.empty(), () -> new ByteArrayInputStream(MESSAGE), MESSAGE.length));
        status = 500;
        assertEquals(RspamdLearner.Result.FAILED, rspamd.learn(Verdict.HAM, Optional.empty(), () -> new ByteArrayInputStream(MESSAGE), MESSAGE.length));
        // a user name that would break the header is left out, not sent
        status = 200;
        rspamd.learn(Verdict.SPAM, Optional.of("a\r\nX-Injected: 1"), () -> new ByteArrayInputStream(MESSAGE), MESSAGE.length);
        assertEquals(null, got.getLast().deliverTo());
    }

    @Test
    void aControllerThatIsDownDoesNotHoldUpTheQueue() throws Exception {
        MessageMeta m = stored();
        // nothing listens there, and below the ephemeral range no other test's socket takes it meanwhile
        int closed = FreePort.pick();
        RspamdLearner rspamd = new RspamdLearner(URI.create("http://127.0.0.1:" + closed), Optional.empty(), Duration.ofSeconds(2),
                InstantSource.system());
        Learner learner = new Learner(store, true, Duration.ofSeconds(1), Optional.of(rspamd));
        queue(m, Verdict.SPAM);
        long start = System.nanoTime();
        assertEquals(1, learner.drain());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
        assertEquals(0, learner.drain(), "the task is done: the built-in classifier learned it");
        Account alice = store.accounts().user(EmailAddress.parse("alice@example.test").orElseThrow()).orElseThrow();
        assertEquals(Optional.of(Verdict.SPAM), store.classifier().learned(alice.id(), m.blob().hex()));
    }
}
