package org.tegami.mailauth.dkim;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.tegami.core.TegamiException;

/**
 * DKIM keys as files {@code <data>/dkim/<domain>/<selector>.<rsa|ed25519>.pem} (PKCS#8, mode 600). Read on every
 * use, so a key generated while the server runs is used for the next message without a restart.
 */
public final class DkimKeys {
    private static final Logger LOG = System.getLogger(DkimKeys.class.getName());
    private final Path dir;

    public DkimKeys(Path dataDir) {
        this.dir = dataDir.resolve("dkim");
    }

    /** The keys of a domain (usually one RSA and one Ed25519); empty when none were generated. */
    public List<DkimKey> forDomain(String domain) {
        Path d = dir.resolve(domain.toLowerCase(Locale.ROOT));
        if (!Files.isDirectory(d)) return List.of();
        List<DkimKey> keys = new ArrayList<>();
        try (Stream<Path> files = Files.list(d)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                String[] parts = name.split("\\.");
                if (parts.length != 3 || !parts[2].equals("pem")) continue;
                DkimKey.Algorithm alg = parts[1].equals("ed25519") ? DkimKey.Algorithm.ED25519 : DkimKey.Algorithm.RSA;
                try {
                    keys.add(DkimKey.fromPkcs8(domain, parts[0], alg, pem(Files.readString(f))));
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "ignoring unreadable DKIM key " + f + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot list DKIM keys in " + d + ": " + e.getMessage());
        }
        return keys;
    }

    /** Generates an RSA-2048 and an Ed25519 key with selectors named after the month, e.g. {@code t202611r}. */
    public List<DkimKey> generate(String domain) {
        String base = "t" + LocalDate.now(ZoneOffset.UTC).toString().substring(0, 7).replace("-", "");
        Path d = dir.resolve(domain.toLowerCase(Locale.ROOT));
        List<DkimKey> made = new ArrayList<>();
        try {
            org.tegami.core.PrivateFiles.directories(d);
            for (DkimKey.Algorithm alg : DkimKey.Algorithm.values()) {
                String selector = base + (alg == DkimKey.Algorithm.RSA ? "r" : "e");
                Path f = d.resolve(selector + "." + alg.keyType + ".pem");
                if (Files.exists(f)) throw new TegamiException("a DKIM key " + f + " exists already (one per month and algorithm)");
                DkimKey k = DkimKey.generate(domain, selector, alg);
                Path tmp = d.resolve(selector + ".tmp");
                Files.deleteIfExists(tmp);
                Files.createFile(tmp, org.tegami.core.PrivateFiles.fileMode()); // 0600 before the key is in it
                Files.writeString(tmp, "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(k.privateKey().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
                Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                made.add(k);
            }
        } catch (IOException e) {
            throw new TegamiException("cannot write DKIM keys under " + d + ": " + e.getMessage());
        }
        return made;
    }

    private static byte[] pem(String text) {
        String b64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(b64);
    }
}
