package org.tegami.mailauth.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs dkimpy (Debian's python3-dkim), an independent DKIM and ARC implementation, for cross-checks. */
final class Dkimpy {
    private Dkimpy() {}

    static final String PYTHON = "/usr/bin/python3";

    /** The key file dkimpy reads: PKCS#1 PEM for RSA, the base64 seed for Ed25519. */
    static Path keyFile(Path dir, DkimKey k) throws Exception {
        byte[] pkcs8 = k.privateKey().getEncoded();
        String text;
        if (k.algorithm() == DkimKey.Algorithm.RSA) {
            byte[] pkcs1 = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pkcs8).parsePrivateKey().toASN1Primitive().getEncoded();
            text = "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs1)
                    + "\n-----END RSA PRIVATE KEY-----\n";
        } else {
            text = Base64.getEncoder().encodeToString(Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length));
        }
        Path f = dir.resolve(k.selector() + ".key");
        Files.writeString(f, text);
        return f;
    }

    static String run(String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", script));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** The DKIM-Signature field dkimpy makes for the message, ending in CRLF. */
    static String sign(Path dir, DkimKey k, byte[] message, String canon, boolean length) throws Exception {
        Path msg = Files.write(dir.resolve("to-sign.eml"), message);
        String script = """
                import dkim, sys
                msg = open(sys.argv[1], "rb").read()
                key = open(sys.argv[2], "rb").read()
                c = sys.argv[5].encode().split(b"/")
                sig = dkim.sign(msg, sys.argv[3].encode(), sys.argv[4].encode(), key, canonicalize=(c[0], c[1]),
                                signature_algorithm=sys.argv[6].encode(), length=sys.argv[7] == "1",
                                include_headers=[b"from", b"to", b"subject", b"date"])
                sys.stdout.write(sig.decode())
                """;
        String sig = run(script, msg.toString(), keyFile(dir, k).toString(), k.selector(), k.domain(), canon,
                k.algorithm() == DkimKey.Algorithm.RSA ? "rsa-sha256" : "ed25519-sha256", length ? "1" : "0");
        return sig.replace("\r\n", "\n").replace("\n", "\r\n");
    }
}
