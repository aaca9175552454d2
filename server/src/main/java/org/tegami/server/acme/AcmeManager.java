package org.tegami.server.acme;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.tegami.core.TegamiException;
import org.tegami.net.tls.TlsContext;

/**
 * Obtains and renews the server certificate from an ACME CA (RFC 8555, ADR 0019) and installs it into the shared
 * {@link TlsContext}, so every TLS listener serves it from the next handshake on, without a restart.
 *
 * <p>A background thread obtains a certificate at startup when none is stored (or the stored one does not cover the
 * names wanted now), and renews it at two thirds of its lifetime. A failure is logged with what to fix and retried
 * with backoff (1 minute, doubling to 6 hours); the server keeps serving the certificate it has (the old one, or the
 * self-signed one). Account key, certificate key and chain live in {@code data_dir/acme/} (0600). Challenges:
 * HTTP-01 (RFC 8555 §8.3) when a {@code [listen] http} listener exists (the CA connects to port 80), else
 * TLS-ALPN-01 (RFC 8737) on the {@code [listen] https} listener (port 443).
 */
public final class AcmeManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AcmeManager.class.getName());
    static final Duration FIRST_BACKOFF = Duration.ofMinutes(1);
    static final Duration MAX_BACKOFF = Duration.ofHours(6);
    /** The loop looks again this often even when nothing is due (names may change: a domain was added). */
    static final Duration RECHECK = Duration.ofHours(1);
    private static final Duration CHALLENGE_WAIT = Duration.ofSeconds(90);

    /** Which challenge the CA is asked to validate. */
    public enum ChallengeType { HTTP_01, TLS_ALPN_01 }

    private final AcmeSettings settings;
    private final Path dir;
    private final TlsContext tls;
    private final Supplier<List<String>> names;
    private final ChallengeType challengeType;
    private final InstantSource clock;
    private final Map<String, String> httpTokens = new ConcurrentHashMap<>();
    /** Extra names (not the hostname) the CA could not validate, left out until then so the rest still renew. */
    private final Map<String, Instant> leftOutUntil = new ConcurrentHashMap<>();
    static final Duration LEAVE_OUT = Duration.ofHours(24);
    private final Object wake = new Object();
    private volatile X509Certificate current;
    private volatile boolean closed;
    private volatile boolean wakeRequested;
    private volatile String lastError;
    private Thread thread;

    /**
     * @param names the DNS names the certificate must cover, asked again before each order (the first is the
     *              subject); {@code hostname} first, then the names of hosted domains that are served
     */
    public AcmeManager(AcmeSettings settings, Path dataDir, TlsContext tls, Supplier<List<String>> names,
                       ChallengeType challengeType, InstantSource clock) {
        this.settings = settings;
        this.dir = dir(dataDir);
        this.tls = tls;
        this.names = names;
        this.challengeType = challengeType;
        this.clock = clock;
        this.current = tls.info().selfSigned() ? null : tls.certificateChain().getFirst();
    }

    /** Where the account key, certificate key and chain are kept. */
    public static Path dir(Path dataDir) {
        return dataDir.resolve("acme");
    }

    /** The stored chain (leaf first), served by the TLS listeners at startup. */
    public static Path chainFile(Path dataDir) {
        return dir(dataDir).resolve("fullchain.pem");
    }

    /** The stored certificate key. */
    public static Path keyFile(Path dataDir) {
        return dir(dataDir).resolve("privkey.pem");
    }

    /** Starts the background thread that obtains and renews. */
    public AcmeManager start() {
        thread = Thread.ofVirtual().name("acme").start(this::loop);
        return this;
    }

    /** HTTP-01: the key authorization of a pending token (RFC 8555 §8.3), for the HTTP listener. */
    public Optional<String> httpToken(String token) {
        return Optional.ofNullable(httpTokens.get(token));
    }

    /** The certificate obtained from the CA and now served, if any. */
    public Optional<X509Certificate> certificate() {
        return Optional.ofNullable(current);
    }

    /** Why the last attempt failed; empty once one succeeds. */
    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** Makes the background thread look again now (after the clock moved, or a domain was added). */
    public void wake() {
        synchronized (wake) {
            wakeRequested = true;
            wake.notifyAll();
        }
    }

    /** RFC 8555 leaves renewal timing to the client: two thirds into the lifetime, as certbot does (30 of 90 days left). */
    public static Instant renewalDue(X509Certificate cert) {
        Instant from = cert.getNotBefore().toInstant();
        Instant to = cert.getNotAfter().toInstant();
        return from.plus(Duration.between(from, to).multipliedBy(2).dividedBy(3));
    }

    /** The CA could not validate this name: the order failed because of it. */
    static final class NameFailed extends TegamiException {
        final String name;

        NameFailed(String name, String message) {
            super(message);
            this.name = name;
        }
    }

    /** The names to order now: all wanted, but extra names that failed validation within {@link #LEAVE_OUT}. */
    List<String> wanted() {
        Instant now = clock.instant();
        List<String> all = names.get();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Instant until = leftOutUntil.get(all.get(i));
            if (i == 0 || until == null || !now.isBefore(until)) out.add(all.get(i));
        }
        return List.copyOf(out);
    }

    /** When the loop should next order: now if no certificate or it misses a wanted name, else at two thirds. */
    Instant due(List<String> wanted) {
        X509Certificate c = current;
        if (c == null || !covers(c, wanted)) return Instant.MIN;
        return renewalDue(c);
    }

    private void loop() {
        Duration backoff = FIRST_BACKOFF;
        while (!closed) {
            Instant now = clock.instant();
            Instant due;
            try {
                due = due(wanted());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "ACME: cannot list the names for the certificate: " + e.getMessage());
                due = now.plus(backoff);
            }
            if (!now.isBefore(due)) {
                try {
                    obtainNow();
                    backoff = FIRST_BACKOFF;
                    continue;
                } catch (NameFailed e) {
                    if (closed) return;
                    lastError = e.getMessage();
                    List<String> all = names.get();
                    if (!all.isEmpty() && !all.getFirst().equals(e.name)) {
                        // one extra name (mta-sts., autoconfig.) must not keep the hostname from its certificate
                        leftOutUntil.put(e.name, clock.instant().plus(LEAVE_OUT));
                        LOG.log(Level.WARNING, "ACME: " + e.getMessage() + "; ordering without " + e.name + " for "
                                + LEAVE_OUT.toHours() + " h");
                        continue;
                    }
                    LOG.log(Level.WARNING, "ACME: no certificate from " + settings.directory() + ": " + e.getMessage()
                            + "; still serving " + tls.info().subject() + " (until " + tls.info().notAfter()
                            + "); retrying in " + backoff.toMinutes() + " min");
                    sleepUntil(clock.instant().plus(backoff));
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                    continue;
                } catch (RuntimeException e) {
                    if (closed) return;
                    lastError = e.getMessage();
                    LOG.log(Level.WARNING, "ACME: no certificate from " + settings.directory() + ": " + e.getMessage()
                            + "; still serving " + tls.info().subject() + " (until " + tls.info().notAfter()
                            + "); retrying in " + backoff.toMinutes() + " min");
                    sleepUntil(clock.instant().plus(backoff));
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                    continue;
                }
            }
            Instant recheck = now.plus(RECHECK);
            sleepUntil(due.isBefore(recheck) ? due : recheck);
        }
    }

    private void sleepUntil(Instant until) {
        synchronized (wake) {
            while (!closed && !wakeRequested) {
                long ms = Duration.between(clock.instant(), until).toMillis();
                if (ms <= 0) break;
                try {
                    // The injected clock may be a test's: wake at least every second to look at it again.
                    wake.wait(Math.min(ms, 1000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            wakeRequested = false;
        }
    }

    /**
     * Orders a certificate for the wanted names now, answers the challenges, stores key and chain, and installs
     * them in the TLS context.
     *
     * @return the new leaf certificate
     * @throws TegamiException saying what failed and what to fix
     */
    public synchronized X509Certificate obtainNow() {
        List<String> wanted = wanted();
        List<Runnable> cleanup = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            restrict(dir, "rwx------");
            Session session = new Session(settings.directory(), new TrustingProvider(settings.ca()));
            KeyPair accountKey = loadOrCreateKey(dir.resolve("account.key"));
            AccountBuilder builder = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey);
            settings.email().ifPresent(builder::addEmail);
            Account account = builder.create(session);
            Order order = account.newOrder().domains(wanted).create();
            for (Authorization auth : order.getAuthorizations()) {
                if (auth.getStatus() == Status.VALID) continue;
                Challenge challenge = prepare(auth, cleanup);
                challenge.trigger();
                Status s = challenge.waitForCompletion(CHALLENGE_WAIT);
                if (s != Status.VALID) {
                    throw new NameFailed(auth.getIdentifier().getDomain(), validationFailure(auth, challenge));
                }
            }
            order.waitUntilReady(CHALLENGE_WAIT);
            KeyPair certKey = ecKey();
            order.execute(certKey);
            Status done = order.waitForCompletion(CHALLENGE_WAIT);
            if (done != Status.VALID) {
                throw new TegamiException("the CA did not issue the certificate (order " + done + order.getError()
                        .map(p -> ": " + p).orElse("") + ")");
            }
            List<X509Certificate> chain = order.getCertificate().getCertificateChain();
            // Key before chain: a crash between the two leaves a pair that does not match, which the next start
            // refuses (self-signed is served and a new certificate ordered), never a chain with a lost key.
            String keyPem = pem(certKey);
            writePrivate(keyFile(dir.getParent()), keyPem.substring(0, keyPem.indexOf("-----BEGIN PUBLIC KEY-----")));
            writePrivate(chainFile(dir.getParent()), pemChain(chain));
            tls.install(chain, certKey.getPrivate());
            current = chain.getFirst();
            lastError = null;
            LOG.log(Level.INFO, "ACME: certificate for " + String.join(", ", wanted) + " installed, valid until "
                    + current.getNotAfter().toInstant() + ", renewal due " + renewalDue(current));
            return current;
        } catch (AcmeRateLimitedException e) {
            throw new TegamiException("the CA is rate-limiting this account" + e.getRetryAfter().map(t -> " until " + t)
                    .orElse("") + " (" + e.getMessage() + "): too many failed or repeated orders; fix the cause of the"
                    + " earlier failures and wait", e);
        } catch (AcmeNetworkException e) {
            throw new TegamiException("cannot reach the CA at " + settings.directory() + " (" + e.getMessage()
                    + "): check [tls] acme and that this host can make outgoing HTTPS connections", e);
        } catch (AcmeException e) {
            throw new TegamiException("the CA refused: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new TegamiException("cannot store the certificate in " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TegamiException("interrupted while waiting for the CA", e);
        } finally {
            cleanup.forEach(Runnable::run);
        }
    }

    private Challenge prepare(Authorization auth, List<Runnable> cleanup) {
        String name = auth.getIdentifier().getDomain();
        switch (challengeType) {
            case HTTP_01 -> {
                Http01Challenge c = auth.findChallenge(Http01Challenge.class).orElseThrow(() -> new TegamiException(
                        "the CA offers no http-01 challenge for " + name + ": set [listen] https (port 443) and"
                                + " remove [listen] http to use tls-alpn-01"));
                httpTokens.put(c.getToken(), c.getAuthorization());
                cleanup.add(() -> httpTokens.remove(c.getToken()));
                return c;
            }
            case TLS_ALPN_01 -> {
                TlsAlpn01Challenge c = auth.findChallenge(TlsAlpn01Challenge.class).orElseThrow(() -> new TegamiException(
                        "the CA offers no tls-alpn-01 challenge for " + name + ": set [listen] http (port 80) to use"
                                + " http-01"));
                // acme4j signs the challenge certificate with SHA256withRSA, so its key is RSA
                KeyPair kp = org.shredzone.acme4j.util.KeyPairUtils.createKeyPair(2048);
                // RFC 8737 §3: self-signed, SAN = the name, critical acmeIdentifier = SHA-256 of the key authorization
                tls.acmeChallenges().put(name, c.createCertificate(kp, auth.getIdentifier()), kp.getPrivate());
                cleanup.add(() -> tls.acmeChallenges().remove(name));
                return c;
            }
        }
        throw new IllegalStateException(challengeType.toString());
    }

    private String validationFailure(Authorization auth, Challenge challenge) {
        String name = auth.getIdentifier().getDomain();
        String why = challenge.getError().map(p -> p.getDetail().orElse(p.toString())).orElse("no reason given");
        String fix = challengeType == ChallengeType.HTTP_01
                ? "check that DNS for " + name + " points at this host and that port 80 reaches [listen] http"
                : "check that DNS for " + name + " points at this host and that port 443 reaches [listen] https";
        return "the CA could not validate " + name + " by " + challenge.getType() + " (" + why + "): " + fix;
    }

    /** Whether the certificate's dNSName entries include every wanted name. */
    static boolean covers(X509Certificate cert, List<String> wanted) {
        List<String> have = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String s) {
                        have.add(s.toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            return false;
        }
        return wanted.stream().allMatch(n -> have.contains(n.toLowerCase(Locale.ROOT)));
    }

    /** P-256 from the JDK's own provider (acme4j's helper asks for Bouncy Castle as a JCA provider, ADR 0003). */
    private static KeyPair ecKey() {
        try {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make P-256 keys", e);
        }
    }

    /** A key pair kept as its PKCS#8 private key and X.509 public key, two PEM blocks in one file. */
    private static KeyPair loadOrCreateKey(Path file) throws IOException {
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            try {
                java.security.KeyFactory kf = java.security.KeyFactory.getInstance("EC");
                return new KeyPair(kf.generatePublic(new java.security.spec.X509EncodedKeySpec(block(text, "PUBLIC KEY", file))),
                        kf.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(block(text, "PRIVATE KEY", file))));
            } catch (java.security.GeneralSecurityException e) {
                throw new TegamiException(file + " does not hold an EC key pair (" + e.getMessage() + "): move it away"
                        + " to register a new ACME account", e);
            }
        }
        KeyPair kp = ecKey();
        writePrivate(file, pem(kp));
        return kp;
    }

    private static byte[] block(String text, String type, Path file) {
        String begin = "-----BEGIN " + type + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf("-----END " + type + "-----");
        if (from < 0 || to < from) throw new TegamiException(file + " has no " + type + " block: move it away to register"
                + " a new ACME account");
        return java.util.Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    }

    private static String pem(KeyPair kp) {
        java.util.Base64.Encoder b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        return "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(kp.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n-----BEGIN PUBLIC KEY-----\n" + b64.encodeToString(kp.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    private static String pemChain(List<X509Certificate> chain) {
        StringBuilder sb = new StringBuilder();
        java.util.Base64.Encoder b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        for (X509Certificate c : chain) {
            try {
                sb.append("-----BEGIN CERTIFICATE-----\n").append(b64.encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new TegamiException("cannot encode the issued certificate: " + e.getMessage(), e);
            }
        }
        return sb.toString();
    }

    /** Written to a temporary file created 0600, forced to disk, then renamed over the old one. */
    private static void writePrivate(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void restrict(Path p, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to tighten
        }
    }

    /** Reads a PEM chain (tests, and the stored fullchain.pem). */
    static List<X509Certificate> readChain(InputStream in) throws CertificateException {
        List<X509Certificate> out = new ArrayList<>();
        for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) out.add((X509Certificate) c);
        return out;
    }

    @Override
    public void close() {
        closed = true;
        wake();
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
