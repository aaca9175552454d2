package org.tegami.net.tls;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.security.auth.x500.X500Principal;
import org.tegami.core.TegamiException;

/**
 * The server certificate and TLS policy shared by all listeners; wraps accepted or STARTTLS-upgraded sockets.
 *
 * <p>Thread-safe. A context made by {@link #fromPem} notices when certbot renews the files (checked at most
 * every {@value #RELOAD_CHECK_SECONDS} s, on the next {@link #wrapServer}) and switches to the new pair for new
 * connections; a broken renewal keeps the old pair serving and is reported by {@link #lastReloadError()}.
 */
public final class TlsContext {
    private static final Logger LOG = System.getLogger(TlsContext.class.getName());
    static final int RELOAD_CHECK_SECONDS = 2;
    private static final char[] KEYSTORE_PASSWORD = "in-memory".toCharArray();

    /** Everything a handshake needs, swapped as one reference so a connection never sees a half-reloaded pair. */
    private record Loaded(SSLContext context, SSLParameters parameters, CertificateInfo info,
                          List<X509Certificate> chain) {
    }

    /** Identity of a file version: certbot renews by re-pointing symlinks, so the file key changes too. */
    private record FileStamp(Object fileKey, FileTime modified, long size) {
    }

    private final Path certFile;
    private final Path keyFile;
    private final InstantSource clock;
    private final Object reloadLock = new Object();
    private final AtomicLong nextCheckMillis;
    private volatile Loaded current;
    private volatile List<FileStamp> stamps;
    private volatile String lastReloadError;
    private final AcmeTlsChallenges challenges;

    private TlsContext(Path certFile, Path keyFile, InstantSource clock, AcmeTlsChallenges challenges, Loaded loaded,
                       List<FileStamp> stamps) {
        this.challenges = challenges;
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.clock = clock;
        this.current = loaded;
        this.stamps = stamps;
        this.nextCheckMillis = new AtomicLong(clock.millis() + RELOAD_CHECK_SECONDS * 1000L);
    }

    /**
     * Loads a certificate chain (leaf first, as certbot's fullchain.pem) and its private key (PKCS#8, or
     * traditional RSA / EC PEM), RSA or ECDSA.
     *
     * @throws TegamiException naming the file and the fix, if a file is missing, unreadable, not PEM, or the key
     *                         does not match the certificate
     */
    public static TlsContext fromPem(Path fullchainPem, Path privkeyPem) {
        return fromPem(fullchainPem, privkeyPem, InstantSource.system());
    }

    /** As {@link #fromPem(Path, Path)}, with the clock that paces reload checks and judges expiry. */
    public static TlsContext fromPem(Path fullchainPem, Path privkeyPem, InstantSource clock) {
        Objects.requireNonNull(fullchainPem, "fullchainPem");
        Objects.requireNonNull(privkeyPem, "privkeyPem");
        // Stat before reading: a change during the read shows up as a new stamp at the next check.
        List<FileStamp> stamps = stat(fullchainPem, privkeyPem);
        AcmeTlsChallenges challenges = new AcmeTlsChallenges();
        Loaded loaded = build(PemLoader.load(fullchainPem, privkeyPem), challenges);
        warnIfExpired(loaded.info(), fullchainPem, clock.instant());
        return new TlsContext(fullchainPem, privkeyPem, clock, challenges, loaded, stamps);
    }

    /**
     * A self-signed certificate for {@code hostname}, created once under {@code dataDir/tls/} and reused until it
     * expires or the hostname changes. For trials and first starts; clients will warn.
     */
    public static TlsContext selfSigned(Path dataDir, String hostname, InstantSource clock) {
        Objects.requireNonNull(dataDir, "dataDir");
        if (hostname == null || hostname.isBlank()) {
            throw new TegamiException("cannot create a self-signed certificate without a hostname: set hostname"
                    + " in tegami.toml");
        }
        AcmeTlsChallenges challenges = new AcmeTlsChallenges();
        return new TlsContext(null, null, clock, challenges,
                build(SelfSignedCertificate.loadOrCreate(dataDir, hostname, clock), challenges), List.of());
    }

    /**
     * Serves {@code chain} (leaf first) with {@code key} to every new connection from now on, e.g. a certificate
     * just issued by ACME; connections already open keep theirs. The files this context reloads from, if any, are
     * still watched.
     *
     * @throws TegamiException if the key does not match the leaf or the pair cannot be used
     */
    public void install(List<X509Certificate> chain, PrivateKey key) {
        if (chain.isEmpty()) throw new TegamiException("no certificate to install");
        PemLoader.checkMatch(chain.getFirst(), key, Path.of("(issued certificate)"), Path.of("(its key)"));
        Loaded loaded = build(new PemLoader.KeyMaterial(chain, key), challenges);
        synchronized (reloadLock) {
            current = loaded;
            lastReloadError = null;
        }
        LOG.log(Level.INFO, "TLS certificate installed: {0}, valid until {1}", loaded.info().subject(),
                loaded.info().notAfter());
    }

    /** The TLS-ALPN-01 challenge certificates answered on handshakes that negotiate acme-tls/1 (RFC 8737). */
    public AcmeTlsChallenges acmeChallenges() {
        return challenges;
    }

    /**
     * Turns an already-connected plain socket into a server-mode TLS socket under the policy (TLS 1.3 and 1.2,
     * forward-secret AEAD suites, server's suite order). The caller runs {@link SSLSocket#startHandshake()}.
     * Closing the returned socket closes {@code plain}.
     */
    public SSLSocket wrapServer(Socket plain) throws IOException {
        maybeReload();
        Loaded l = current;
        SSLSocket ssl = (SSLSocket) l.context().getSocketFactory().createSocket(plain, null, plain.getPort(), true);
        ssl.setUseClientMode(false);
        ssl.setSSLParameters(l.parameters());
        return ssl;
    }

    /** The certificate new connections are presented with. */
    public CertificateInfo info() {
        return current.info();
    }

    /** The chain new connections are presented with, leaf first. */
    public List<X509Certificate> certificateChain() {
        return current.chain();
    }

    /** Why the last attempt to load renewed files failed; empty once a reload succeeds or none was needed. */
    public Optional<String> lastReloadError() {
        return Optional.ofNullable(lastReloadError);
    }

    /**
     * Checks the PEM files now and switches to them if they changed and are valid. Called by {@link #wrapServer}
     * every few seconds; callable directly, e.g. on an operator's reload command.
     *
     * @return true if a new certificate is now being served
     */
    public boolean reloadIfChanged() {
        if (certFile == null) {
            return false;
        }
        synchronized (reloadLock) {
            List<FileStamp> now = stat(certFile, keyFile);
            if (now.equals(stamps)) {
                return false;
            }
            // Remember the broken version too, so it is reported once rather than re-parsed every check; the next
            // change (e.g. certbot finishing its write) is tried again.
            stamps = now;
            try {
                Loaded loaded = build(PemLoader.load(certFile, keyFile), challenges);
                warnIfExpired(loaded.info(), certFile, clock.instant());
                current = loaded;
                lastReloadError = null;
                LOG.log(Level.INFO, "TLS certificate reloaded from {0}: {1}, valid until {2}", certFile,
                        loaded.info().subject(), loaded.info().notAfter());
                return true;
            } catch (RuntimeException e) {
                lastReloadError = e.getMessage();
                LOG.log(Level.WARNING, "TLS certificate reload failed, still serving {0}: {1}",
                        current.info().subject(), e.getMessage());
                return false;
            }
        }
    }

    /** The protocol versions wrapped sockets enable, newest first. */
    public static List<String> protocols() {
        return TlsPolicy.PROTOCOLS;
    }

    /**
     * The current SSL context, for servers that do their own accepting (the HTTPS autoconfig listener); they
     * apply the protocol and suite policy themselves. Tests also use it to prove the policy is what refuses a client.
     */
    public SSLContext sslContext() {
        return current.context();
    }

    @Override
    public String toString() {
        return "TlsContext[" + info().subject() + (certFile == null ? ", self-signed" : ", " + certFile) + "]";
    }

    private void maybeReload() {
        if (certFile == null) {
            return;
        }
        long now = clock.millis();
        long next = nextCheckMillis.get();
        // One connection per interval pays for the stat; the others go straight on.
        if (now >= next && nextCheckMillis.compareAndSet(next, now + RELOAD_CHECK_SECONDS * 1000L)) {
            reloadIfChanged();
        }
    }

    private static List<FileStamp> stat(Path... files) {
        List<FileStamp> out = new ArrayList<>(files.length);
        for (Path f : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                out.add(new FileStamp(a.fileKey(), a.lastModifiedTime(), a.size()));
            } catch (IOException e) {
                // Missing or unreadable: a distinct stamp, so the load attempt reports why.
                out.add(new FileStamp(null, null, -1));
            }
        }
        return List.copyOf(out);
    }

    private static Loaded build(PemLoader.KeyMaterial m, AcmeTlsChallenges challenges) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", m.key(), KEYSTORE_PASSWORD, m.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, KEYSTORE_PASSWORD);
            SSLContext ctx = SSLContext.getInstance("TLS");
            javax.net.ssl.KeyManager[] kms = kmf.getKeyManagers();
            for (int i = 0; i < kms.length; i++) {
                if (kms[i] instanceof javax.net.ssl.X509ExtendedKeyManager x) kms[i] = challenges.wrap(x);
            }
            ctx.init(kms, null, null);
            return new Loaded(ctx, TlsPolicy.serverParameters(ctx), infoOf(m.leaf()), m.chain());
        } catch (GeneralSecurityException | IOException e) {
            throw new TegamiException("cannot set up TLS with certificate "
                    + m.leaf().getSubjectX500Principal().getName() + ": " + e.getMessage(), e);
        }
    }

    private static void warnIfExpired(CertificateInfo info, Path file, Instant now) {
        // Served anyway: refusing to start would take mail down over something clients may tolerate, and the
        // startup summary shows notAfter prominently.
        if (info.isExpired(now)) {
            LOG.log(Level.WARNING, "TLS certificate in {0} expired on {1}: renew it (e.g. `certbot renew`)", file,
                    info.notAfter());
        } else if (now.isBefore(info.notBefore())) {
            LOG.log(Level.WARNING, "TLS certificate in {0} is not valid before {1}: check the system clock", file,
                    info.notBefore());
        }
    }

    static CertificateInfo infoOf(X509Certificate leaf) {
        X500Principal subject = leaf.getSubjectX500Principal();
        X500Principal issuer = leaf.getIssuerX500Principal();
        return new CertificateInfo(subject.getName(X500Principal.RFC2253), issuer.getName(X500Principal.RFC2253),
                leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant(), dnsNames(leaf),
                subject.equals(issuer) && signedBy(leaf, leaf));
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** RFC 5280 §4.2.1.6: the dNSName (tag 2) entries of subjectAltName. */
    static List<String> dnsNames(X509Certificate cert) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans == null) {
                return List.of();
            }
            List<String> names = new ArrayList<>();
            for (List<?> san : sans) {
                if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String s) {
                    names.add(s);
                }
            }
            return List.copyOf(names);
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }
}
