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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.Outcome;
import org.tegami.delivery.Stage;
import org.tegami.store.AccountId;
import org.tegami.store.DeliveryRequest;

/**
 * Asks an rspamd daemon about every message from outside: the message is streamed to {@code /checkv2} with the
 * envelope in headers ({@code IP}, {@code Helo}, {@code From}, one {@code Rcpt} per recipient, {@code Queue-Id}),
 * once per message, and its action is applied to every recipient:
 * <ul>
 *   <li>{@code reject}: refused with 554 5.7.1 (with {@code rspamd_reject = false}: to Junk instead);</li>
 *   <li>{@code soft reject}, {@code greylist}: refused with 451 4.7.1, the sender retries;</li>
 *   <li>{@code add header}, {@code rewrite subject}: to Junk with {@code $Junk} (the subject is left alone);</li>
 *   <li>{@code no action}: as it was.</li>
 * </ul>
 * Every judged copy gets a verdict header, folded, with at most {@value #HEADER_SYMBOLS} symbols (names of
 * {@code [A-Za-z0-9_]} only), strongest first:
 * <pre>
 * X-Spamd-Result: action=add header; score=7.20/15.00;
 *  symbols=BAYES_SPAM(5.10),R_SPF_FAIL(1.00)
 * </pre>
 * A request takes at most {@code timeout} (10 s by default) and reads at most {@link RspamdResponse#MAX_BYTES};
 * when rspamd is down, slow or answers nonsense the message goes on unjudged (fail open), logged at most once a
 * minute. Mail from logged-in submitters is not sent.
 */
public final class RspamdStage implements Stage {
    private static final Logger LOG = System.getLogger(RspamdStage.class.getName());
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final int HEADER_SYMBOLS = 20;
    private static final Duration LOG_EVERY = Duration.ofMinutes(1);

    private final Object key = new Object();
    private final URI checkv2;
    private final boolean honourReject;
    private final Duration timeout;
    private final InstantSource clock;
    private final java.util.function.Function<AccountId, Optional<String>> addresses;
    private final HttpClient http;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicReference<Instant> lastFailureLog = new AtomicReference<>();

    /** @param addresses a recipient's address, for rspamd's per-user settings ({@code Rcpt}) */
    public RspamdStage(URI base, boolean honourReject, Duration timeout, InstantSource clock,
                       java.util.function.Function<AccountId, Optional<String>> addresses) {
        this.addresses = addresses;
        this.checkv2 = base.resolve("/checkv2");
        this.honourReject = honourReject;
        this.timeout = timeout;
        this.clock = clock;
        // HTTP/1.1: rspamd 3.4 answered an h2c upgrade request as if the message were empty (RspamdRealTest)
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String name() {
        return "rspamd";
    }

    @Override
    public Outcome apply(InboundMessage message, AccountId recipient, Outcome.Deliver sofar) {
        if (message.submitter().isPresent()) return sofar;
        Optional<RspamdResponse> r = message.memo().get(key, () -> check(message));
        if (r.isEmpty()) return sofar;
        RspamdResponse v = r.get();
        Outcome.Deliver judged = sofar.withHeader(header(v));
        return switch (v.action()) {
            case "reject" -> honourReject ? new Outcome.Refuse(554, "5.7.1", "Message refused as spam") : junk(judged);
            case "soft reject", "greylist" -> new Outcome.Refuse(451, "4.7.1", "Try again later");
            case "add header", "rewrite subject" -> junk(judged);
            default -> judged;
        };
    }

    private static Outcome.Deliver junk(Outcome.Deliver d) {
        return d.withTarget(DeliveryRequest.Target.JUNK).withFlag("$Junk");
    }

    /** rspamd's verdict, or empty when it could not be had (logged). */
    Optional<RspamdResponse> check(InboundMessage message) {
        org.tegami.store.ReadGroup.pause(); // rspamd answers within its timeout: no database connection waits idle
        Future<RspamdResponse> f = threads.submit(() -> ask(message));
        try {
            return Optional.of(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            f.cancel(true);
            failed("no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            failed(String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    private RspamdResponse ask(InboundMessage message) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(checkv2).timeout(timeout)
                // streamed (the message may be 50 MiB), with a Content-Length rather than chunked, as rspamc sends it
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                    try {
                        return message.bytes().open();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }), message.size()))
                .header("IP", message.clientIp().getHostAddress())
                .header("Queue-Id", message.blob().toString());
        if (!message.helo().isEmpty()) req.header("Helo", clean(message.helo()));
        req.header("From", message.reversePath().isEmpty() ? "<>" : clean(message.reversePath()));
        for (AccountId rcpt : message.recipients()) addresses.apply(rcpt).ifPresent(a -> req.header("Rcpt", clean(a)));
        HttpResponse<InputStream> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = resp.body()) {
            byte[] body = in.readNBytes(RspamdResponse.MAX_BYTES + 1);
            if (resp.statusCode() != 200) throw new IOException("HTTP " + resp.statusCode());
            return RspamdResponse.parse(body);
        }
    }

    /** An envelope value as an HTTP header value: printable ASCII only (the client chose these bytes). */
    private static String clean(String v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length() && b.length() < 512; i++) {
            char c = v.charAt(i);
            b.append(c > 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    private void failed(String why) {
        Instant now = clock.instant();
        Instant last = lastFailureLog.get();
        if ((last == null || !now.isBefore(last.plus(LOG_EVERY))) && lastFailureLog.compareAndSet(last, now)) {
            LOG.log(Level.WARNING, "rspamd at " + checkv2 + " failed (" + why + "); delivering without its verdict");
        }
    }

    /** The verdict header field (without CRLF), folded (RFC 5322 §2.2.3), lines within 78 chars. */
    static String header(RspamdResponse r) {
        StringBuilder sb = new StringBuilder("X-Spamd-Result: action=").append(r.action().replaceAll("[^a-z ]", ""))
                .append(String.format(Locale.ROOT, "; score=%.2f/%.2f;", r.score(), r.requiredScore()));
        List<Map.Entry<String, Double>> strongest = r.symbols().entrySet().stream()
                .filter(e -> e.getKey().matches("[A-Za-z0-9_]{1,50}"))
                .sorted((a, b) -> Double.compare(Math.abs(b.getValue()), Math.abs(a.getValue())))
                .limit(HEADER_SYMBOLS).toList();
        if (strongest.isEmpty()) return sb.toString();
        sb.append("\r\n\tsymbols=");
        int line = 9;
        for (int i = 0; i < strongest.size(); i++) {
            String item = String.format(Locale.ROOT, "%s(%.2f)", strongest.get(i).getKey(), strongest.get(i).getValue())
                    + (i + 1 < strongest.size() ? "," : "");
            if (line + item.length() > 76) {
                sb.append("\r\n\t");
                line = 1;
            }
            sb.append(item);
            line += item.length();
        }
        return sb.toString();
    }

    /** For the startup summary. */
    public List<String> describe() {
        return List.of("rspamd at " + checkv2 + ": reject " + (honourReject ? "refused (554 5.7.1)" : "to Junk")
                + ", add header to Junk, soft reject 451; down or slow (" + timeout.toSeconds() + " s) lets mail through");
    }
}
