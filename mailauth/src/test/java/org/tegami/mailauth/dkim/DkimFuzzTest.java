package org.tegami.mailauth.dkim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for DKIM (docs/fuzzing.md): the key files under {@code data/dkim} (PEM, PKCS#8) and the signer,
 * which parses the header of every outgoing message. Contract: an unreadable key file is skipped, never thrown;
 * signing any message yields one well-formed {@code DKIM-Signature} field per key (CRLF line ends, folded with a
 * tab), and fails only with the {@link IOException} of an over-large header section.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DkimFuzzTest {
    private static final Path DATA;
    private static final DkimKey KEY = DkimKey.generate("example.test", "s1", DkimKey.Algorithm.ED25519);
    /** Held so the level sticks: an unreadable key is logged, once per input, which only slows fuzzing. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger(DkimKeys.class.getName());

    static {
        try {
            DATA = Files.createTempDirectory("tegami-dkim-fuzz");
            DATA.toFile().deleteOnExit();
            QUIET.setLevel(java.util.logging.Level.OFF);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A key file's text; the first byte picks the algorithm the file name claims. */
    @FuzzTest(maxDuration = "5m")
    void keyFile(byte[] input) throws IOException {
        Path dir = DATA.resolve("dkim").resolve("example.test");
        Files.createDirectories(dir);
        String alg = input.length > 0 && (input[0] & 1) == 1 ? "ed25519" : "rsa";
        Path file = dir.resolve("s1." + alg + ".pem");
        Files.write(file, input.length == 0 ? input : java.util.Arrays.copyOfRange(input, 1, input.length));
        try {
            List<DkimKey> keys = new DkimKeys(DATA).forDomain("example.test");
            assertTrue(keys.size() <= 1);
            for (DkimKey k : keys) {
                assertFalse(k.dnsRecord().isEmpty());
            }
        } finally {
            Files.delete(file);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void sign(byte[] message) {
        String header;
        try {
            header = DkimSigner.sign(List.of(KEY), new ByteArrayInputStream(message), Instant.ofEpochSecond(1_700_000_000));
        } catch (IOException e) {
            assertTrue(message.length > 256 * 1024, e::toString);
            return;
        }
        assertTrue(header.startsWith("DKIM-Signature: v=1; a=ed25519-sha256; "), header);
        assertTrue(header.endsWith("\r\n"), header);
        String[] lines = header.substring(0, header.length() - 2).split("\r\n", -1);
        for (int i = 0; i < lines.length; i++) {
            assertFalse(lines[i].indexOf('\r') >= 0 || lines[i].indexOf('\n') >= 0, header);
            if (i > 0) assertEquals('\t', lines[i].charAt(0), header);
        }
        assertTrue(header.length() < 2048, header);
    }
}
