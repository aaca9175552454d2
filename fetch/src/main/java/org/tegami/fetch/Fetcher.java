package org.tegami.fetch;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.tegami.core.StoreException;
import org.tegami.delivery.InboundPipeline;
import org.tegami.fetch.proto.FetchProtocolException;
import org.tegami.store.FetchSourceStore;
import org.tegami.store.FetchSourceStore.Source;
import org.tegami.store.Store;

/**
 * Polls one source at a time: opens its password, connects with TLS (certificate verified), runs the protocol's
 * poll and records the result: the next attempt after the interval, or after a backoff of 1 minute doubling to
 * 1 hour; five login failures in a row disable the source until {@code tegami fetch enable}. Thread-safe.
 */
public final class Fetcher {
    private static final Logger LOG = System.getLogger(Fetcher.class.getName());
    static final Duration FIRST_BACKOFF = Duration.ofMinutes(1);
    static final Duration MAX_BACKOFF = Duration.ofHours(1);
    /** Login failures in a row after which a source stops being polled. */
    public static final int MAX_AUTH_FAILURES = 5;

    private final Store store;
    private final CredentialCipher cipher;
    private final SSLContext trust;
    private final MessageIntake intake;
    private final InstantSource clock;
    private final Duration interval;

    /**
     * @param trust   the CAs that verify remote servers (the JDK's plus {@code [outbound] tls_ca})
     * @param maxSize the message size limit: bigger messages are skipped
     */
    /** @param local turns the pipeline's outcomes into copies, Sieve redirects and follow-ups */
    public Fetcher(Store store, InboundPipeline pipeline, org.tegami.delivery.LocalDelivery local, CredentialCipher cipher,
                   SSLContext trust, String hostname, long maxSize, Duration interval, InstantSource clock) {
        this.store = store;
        this.cipher = cipher;
        this.trust = trust;
        this.intake = new MessageIntake(store, pipeline, local, hostname, maxSize, clock);
        this.clock = clock;
        this.interval = interval;
    }

    /** The delay after {@code failures} failed attempts in a row (the first: 1 minute). */
    static Duration backoff(int failures) {
        return failures >= 7 ? MAX_BACKOFF : FIRST_BACKOFF.multipliedBy(1L << Math.max(0, failures - 1));
    }

    /** Polls a source once and records the outcome; returns the error, or empty when the poll went well. */
    public java.util.Optional<String> poll(Source source) {
        FetchSourceStore sources = store.fetchSources();
        try {
            String note = pollOnce(source);
            Instant now = clock.instant();
            sources.succeeded(source.id(), now, now.plus(interval), note);
            return java.util.Optional.empty();
        } catch (FetchException e) {
            return failed(source, e.getMessage(), e.authentication());
        } catch (FetchProtocolException e) {
            return failed(source, "protocol error: " + e.getMessage(), false);
        } catch (UnknownHostException e) {
            return failed(source, "unknown host " + source.host(), false);
        } catch (SocketTimeoutException e) {
            return failed(source, "timed out talking to " + source.host() + ":" + source.port(), false);
        } catch (SSLException e) {
            return failed(source, "TLS with " + source.host() + " failed: " + e.getMessage(), false);
        } catch (IOException e) {
            return failed(source, "cannot reach " + source.host() + ":" + source.port() + ": " + e.getMessage(), false);
        } catch (StoreException | java.io.UncheckedIOException e) {
            LOG.log(Level.ERROR, "fetch source " + source.id() + ": could not store", e);
            return failed(source, "could not store a message here: " + e.getMessage(), false);
        }
    }

    private java.util.Optional<String> failed(Source source, String error, boolean authentication) {
        int failures = source.failures() + 1;
        boolean disable = authentication && source.authFailures() + 1 >= MAX_AUTH_FAILURES;
        String text = disable ? error + " (polling disabled after " + MAX_AUTH_FAILURES
                + " failed logins; run tegami fetch enable " + source.id() + ")" : error;
        LOG.log(Level.WARNING, "fetch source " + source.id() + " (" + source.host() + "): " + text);
        store.fetchSources().failed(source.id(), text, authentication, clock.instant().plus(backoff(failures)), disable);
        return java.util.Optional.of(text);
    }

    private String pollOnce(Source source) throws IOException, FetchException, FetchProtocolException {
        String password;
        try {
            password = cipher.open(source.id(), source.account(), source.password());
        } catch (GeneralSecurityException e) {
            throw new FetchException("the stored password cannot be decrypted with this data directory's fetch.key;"
                    + " remove the source and add it again", false);
        }
        try (Wire wire = Wire.connect(source.host(), source.port(), !source.startTls(), trust)) {
            return switch (source.protocol()) {
                case IMAP -> new ImapFetch(wire, store.fetchSources(), intake, source, trust).run(password);
                case POP3 -> new Pop3Fetch(wire, store.fetchSources(), intake, source, trust).run(password);
            };
        }
    }
}
