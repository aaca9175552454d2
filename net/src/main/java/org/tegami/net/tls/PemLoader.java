package org.tegami.net.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.tegami.core.TegamiException;

/**
 * Reads a certificate chain and its private key from PEM files as certbot and openssl write them, and checks
 * that they belong together. Every failure is a {@link TegamiException} that names the file and the fix.
 */
final class PemLoader {
    /** A fullchain.pem is a few kilobytes; anything this large is the wrong file. */
    private static final long MAX_PEM_BYTES = 1 << 20;

    /** A leaf certificate first, then its issuers, and the leaf's private key. */
    record KeyMaterial(List<X509Certificate> chain, PrivateKey key) {
        KeyMaterial {
            chain = List.copyOf(chain);
        }

        X509Certificate leaf() {
            return chain.getFirst();
        }
    }

    private PemLoader() {
    }

    static KeyMaterial load(Path certFile, Path keyFile) {
        List<X509Certificate> chain = readChain(certFile);
        PrivateKey key = readKey(keyFile);
        checkMatch(chain.getFirst(), key, certFile, keyFile);
        return new KeyMaterial(chain, key);
    }

    static List<X509Certificate> readChain(Path file) {
        String text = readText(file, "certificate");
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object o; (o = parser.readObject()) != null; ) {
                switch (o) {
                    case X509CertificateHolder h -> chain.add(converter.getCertificate(h));
                    case PEMKeyPair _, PrivateKeyInfo _, PEMEncryptedKeyPair _, PKCS8EncryptedPrivateKeyInfo _ ->
                            throw new TegamiException("TLS certificate file " + file + " contains a private key:"
                                    + " [tls] cert and key look swapped; cert must be fullchain.pem");
                    default -> {
                        // Other blocks (e.g. a trusted-certificate or parameters block) carry no certificate.
                    }
                }
            }
        } catch (TegamiException e) {
            throw e;
        } catch (IOException | CertificateException | RuntimeException e) {
            // Bouncy Castle reports bad base64 and bad DER as unchecked exceptions.
            throw new TegamiException("TLS certificate file " + file + " is not valid PEM (" + e.getMessage()
                    + "): it must hold BEGIN CERTIFICATE blocks, as certbot's fullchain.pem does", e);
        }
        if (chain.isEmpty()) {
            throw new TegamiException("no certificate (BEGIN CERTIFICATE) found in " + file
                    + ": point [tls] cert to fullchain.pem; a DER file converts with"
                    + " `openssl x509 -inform der -in FILE -out fullchain.pem`");
        }
        return chain;
    }

    static PrivateKey readKey(Path file) {
        String text = readText(file, "private key");
        PrivateKeyInfo info = null;
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object o; (o = parser.readObject()) != null; ) {
                PrivateKeyInfo found = switch (o) {
                    // Traditional "BEGIN RSA PRIVATE KEY" / "BEGIN EC PRIVATE KEY".
                    case PEMKeyPair pair -> pair.getPrivateKeyInfo();
                    // PKCS#8 "BEGIN PRIVATE KEY", certbot's default.
                    case PrivateKeyInfo pki -> pki;
                    case PEMEncryptedKeyPair _, PKCS8EncryptedPrivateKeyInfo _ -> throw new TegamiException(
                            "TLS private key file " + file + " is protected by a passphrase: tegami starts"
                                    + " unattended, so store it decrypted (`openssl pkey -in " + file
                                    + " -out privkey.pem`) with mode 600");
                    case X509CertificateHolder _ -> throw new TegamiException("TLS private key file " + file
                            + " contains a certificate, not a key: [tls] key must be privkey.pem");
                    // "BEGIN EC PARAMETERS" as written by `openssl ecparam -genkey`: the curve is repeated
                    // inside the key itself.
                    case ASN1ObjectIdentifier _, X9ECParameters _ -> null;
                    default -> null;
                };
                if (found != null) {
                    if (info != null) {
                        throw new TegamiException("TLS private key file " + file + " holds more than one private"
                                + " key: keep only the key of the certificate");
                    }
                    info = found;
                }
            }
        } catch (TegamiException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new TegamiException("TLS private key file " + file + " is not valid PEM (" + e.getMessage()
                    + "): expected BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY", e);
        }
        if (info == null) {
            throw new TegamiException("no private key found in " + file + ": point [tls] key to privkey.pem"
                    + " (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)");
        }
        PrivateKey key;
        try {
            key = new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            throw new TegamiException("TLS private key in " + file + " cannot be decoded ("
                    + e.getMessage() + "): use an RSA or ECDSA key (certbot --key-type rsa|ecdsa)", e);
        }
        String alg = key.getAlgorithm();
        if (!alg.equals("RSA") && !alg.equals("EC")) {
            throw new TegamiException("unsupported key type " + alg + " in " + file
                    + ": use an RSA or ECDSA key (certbot --key-type rsa|ecdsa)");
        }
        return key;
    }

    /**
     * Proves the key belongs to the leaf by signing with it and verifying with the certificate's public key;
     * this works alike for RSA and EC without re-deriving public parts by hand.
     */
    static void checkMatch(X509Certificate leaf, PrivateKey key, Path certFile, Path keyFile) {
        PublicKey pub = leaf.getPublicKey();
        String mismatch = "TLS private key " + keyFile + " does not match the certificate in " + certFile
                + " (subject " + leaf.getSubjectX500Principal().getName() + "): use the privkey.pem from the"
                + " same certbot lineage as the fullchain.pem, and put the leaf certificate first";
        if (!pub.getAlgorithm().equals(key.getAlgorithm())) {
            throw new TegamiException(mismatch + " (key is " + key.getAlgorithm() + ", certificate is "
                    + pub.getAlgorithm() + ")");
        }
        String sigAlg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(sigAlg);
            signer.initSign(key);
            signer.update(challenge);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(sigAlg);
            verifier.initVerify(pub);
            verifier.update(challenge);
            if (!verifier.verify(sig)) {
                throw new TegamiException(mismatch);
            }
        } catch (GeneralSecurityException e) {
            // Keys on different curves or of different sizes fail here rather than in verify().
            throw new TegamiException(mismatch + " (" + e.getMessage() + ")", e);
        }
    }

    private static String readText(Path file, String what) {
        try {
            if (Files.size(file) > MAX_PEM_BYTES) {
                throw new TegamiException("TLS " + what + " file " + file + " is larger than 1 MiB: it is not a PEM "
                        + what + "; check [tls] in tegami.toml");
            }
            try (InputStream in = Files.newInputStream(file)) {
                return new String(in.readNBytes((int) MAX_PEM_BYTES), StandardCharsets.US_ASCII);
            }
        } catch (NoSuchFileException e) {
            throw new TegamiException("TLS " + what + " file not found: " + file
                    + ": set [tls] cert/key in tegami.toml or remove them to use a self-signed certificate", e);
        } catch (AccessDeniedException e) {
            throw new TegamiException("cannot read TLS " + what + " file " + file + " (permission denied): let the"
                    + " user running tegami read it, e.g. `chgrp tegami " + file + " && chmod 640 " + file
                    + "` and the same on its directories (certbot's archive/ and live/ are 700)", e);
        } catch (IOException e) {
            throw new TegamiException("cannot read TLS " + what + " file " + file + ": " + e.getMessage(), e);
        }
    }
}
