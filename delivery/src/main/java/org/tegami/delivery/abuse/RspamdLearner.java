package org.tegami.delivery.abuse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.tegami.store.ClassifierStore.Verdict;

/**
 * Teaches rspamd what a user decided: a message moved into Junk is posted to the controller's {@code /learnspam},
 * one moved out of it to {@code /learnham} (rspamd's controller protocol; {@code rspamc learn_spam} does the same).
 * The user's address goes in {@code Deliver-To} so an rspamd with per-user Bayes ({@code users_enabled}) learns it
 * for that user; the controller password, when one is set, in {@code Password}. Called from the learning queue, off
 * the IMAP command path; a controller that is down or refuses is logged (at most once a minute) and the lesson is
 * dropped: the built-in classifier has learned it either way.
 */
public final class RspamdLearner {
    private static final Logger LOG = System.getLogger(RspamdLearner.class.getName());
    private static final Duration LOG_EVERY = Duration.ofMinutes(1);
    /** The most bytes of a message sent to rspamd to learn from: its default {@code max_message} is 50 MiB. */
    public static final long MAX_BYTES = 50L * 1024 * 1024;

    /** What became of one lesson. */
    public enum Result {
        /** rspamd learned it. */
        LEARNED,
        /** rspamd had already learned this message as that (HTTP 208). */
        ALREADY_LEARNED,
        /** rspamd could not be reached or refused; logged. */
        FAILED
    }

    private final URI controller;
    private final Optional<String> password;
    private final Duration timeout;
    private final InstantSource clock;
    private final HttpClient http;
    private final AtomicReference<Instant> lastFailureLog = new AtomicReference<>();

    /**
     * @param controller base URL of rspamd's controller worker (port 11334 by default; the normal worker on 11333
     *                   does not learn)
     */
    public RspamdLearner(URI controller, Optional<String> password, Duration timeout, InstantSource clock) {
        this.controller = controller;
        this.password = password;
        this.timeout = timeout;
        this.clock = clock;
        // HTTP/1.1 for the same reason as RspamdStage: rspamd mishandles an h2c upgrade
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Where learning goes: {@code /learnspam} and {@code /learnham} under this. */
    public URI controller() {
        return controller;
    }

    /**
     * Posts one message to learn.
     *
     * @param user    the user's address, for per-user statistics
     * @param message opens the stored message (read once, streamed)
     * @param size    its size in bytes; larger than {@link #MAX_BYTES} is not sent
     */
    public Result learn(Verdict verdict, Optional<String> user, MessageSource message, long size) {
        if (size > MAX_BYTES) return Result.FAILED;
        URI uri = controller.resolve(verdict == Verdict.SPAM ? "/learnspam" : "/learnham");
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                    try {
                        return message.open();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }), size));
        user.filter(u -> u.chars().allMatch(c -> c > 0x20 && c < 0x7f)).ifPresent(u -> req.header("Deliver-To", u));
        password.ifPresent(p -> req.header("Password", p));
        try {
            HttpResponse<InputStream> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            String body;
            try (InputStream in = resp.body()) {
                body = new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
            }
            return switch (resp.statusCode()) {
                case 200 -> Result.LEARNED;
                case 208 -> Result.ALREADY_LEARNED; // rspamd: "has been already learned as ..."
                default -> {
                    failed(uri + " answered HTTP " + resp.statusCode() + ": " + body.replaceAll("[^ -~]", "?").strip());
                    yield Result.FAILED;
                }
            };
        } catch (IOException | UncheckedIOException e) {
            failed(uri + ": " + e);
            return Result.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.FAILED;
        }
    }

    private void failed(String why) {
        Instant now = clock.instant();
        Instant last = lastFailureLog.get();
        if ((last == null || !now.isBefore(last.plus(LOG_EVERY))) && lastFailureLog.compareAndSet(last, now)) {
            LOG.log(Level.WARNING, "rspamd learning failed (" + why + "); the built-in classifier learned it anyway");
        }
    }

    /** Opens a stored message. */
    @FunctionalInterface
    public interface MessageSource {
        InputStream open() throws IOException;
    }
}
