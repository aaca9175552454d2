package org.tegami.net.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.tegami.core.TegamiException;

/**
 * Creates, once, the self-signed certificate used when no [tls] cert/key is configured, and reuses it on later
 * starts so clients that accepted it once are not asked again.
 */
final class SelfSignedCertificate {
    private static final Logger LOG = System.getLogger(SelfSignedCertificate.class.getName());

    static final String CERT_FILE = "selfsigned-cert.pem";
    static final String KEY_FILE = "selfsigned-key.pem";
    static final Duration VALIDITY = Duration.ofDays(365);
    /** Tolerates a client clock slightly behind ours. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private SelfSignedCertificate() {
    }

    /** Loads the stored pair if it is valid at {@code clock.instant()} for {@code hostname}; otherwise makes one. */
    static PemLoader.KeyMaterial loadOrCreate(Path dataDir, String hostname, InstantSource clock) {
        Path dir = dataDir.resolve("tls");
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        Instant now = clock.instant();
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            try {
                PemLoader.KeyMaterial m = PemLoader.load(certFile, keyFile);
                String reason = unusableReason(m.leaf(), hostname, now);
                if (reason == null) {
                    return m;
                }
                LOG.log(Level.INFO, "replacing self-signed certificate {0}: {1}", certFile, reason);
            } catch (TegamiException e) {
                // Our own files: regenerate rather than refuse to start.
                LOG.log(Level.WARNING, "replacing unreadable self-signed certificate {0}: {1}", certFile,
                        e.getMessage());
            }
        }
        PemLoader.KeyMaterial m = generate(hostname, now);
        write(dir, certFile, keyFile, m);
        LOG.log(Level.INFO, "created self-signed certificate {0} for {1}; clients will warn until a real"
                + " certificate is set in [tls]", certFile, hostname);
        return m;
    }

    private static String unusableReason(X509Certificate leaf, String hostname, Instant now) {
        if (!now.isBefore(leaf.getNotAfter().toInstant())) {
            return "expired " + leaf.getNotAfter().toInstant();
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            return "not valid before " + leaf.getNotBefore().toInstant();
        }
        List<String> names = TlsContext.dnsNames(leaf);
        if (names.stream().noneMatch(n -> n.equalsIgnoreCase(hostname))) {
            return "made for " + names + ", hostname is now " + hostname;
        }
        return null;
    }

    static PemLoader.KeyMaterial generate(String hostname, Instant now) {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = gen.generateKeyPair();
            X500Principal name = new X500Principal("CN=" + escapeRdn(hostname));
            // RFC 5280 §4.1.2.2: positive, at most 20 octets; random so regenerated certificates never collide.
            BigInteger serial = new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial,
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), name, pair.getPublic());
            // RFC 6125 §6.4.4: clients match the SAN, not the CN.
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, hostname.toLowerCase(Locale.ROOT))));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new PemLoader.KeyMaterial(List.of(cert), pair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot create a self-signed certificate: " + e.getMessage(), e);
        }
    }

    private static String escapeRdn(String value) {
        return value.replaceAll("([,+\"\\\\<>;=])", "\\\\$1");
    }

    private static void write(Path dir, Path certFile, Path keyFile, PemLoader.KeyMaterial m) {
        try {
            org.tegami.core.PrivateFiles.directories(dir);
            StringWriter key = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(key)) {
                w.writeObject(new JcaPKCS8Generator(m.key(), null));
            }
            StringWriter cert = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(cert)) {
                w.writeObject(m.leaf());
            }
            // Key before certificate: a crash in between leaves a mismatched pair, which the next start replaces.
            writeAtomically(keyFile, key.toString(), true);
            writeAtomically(certFile, cert.toString(), false);
        } catch (IOException e) {
            throw new TegamiException("cannot write the self-signed certificate to " + dir + " (" + e.getMessage()
                    + "): make the data directory writable by the user running tegami", e);
        }
    }

    private static void writeAtomically(Path target, String text, boolean secret) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Path tmp = posix
                ? Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                                secret ? "rw-------" : "rw-r--r--")))
                : Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
        try {
            // Created with its final mode, so the key is never readable by others, not even briefly.
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }
}
