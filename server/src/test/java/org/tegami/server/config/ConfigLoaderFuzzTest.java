package org.tegami.server.config;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tegami.core.TegamiException;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * Fuzz target for {@code tegami.toml} (docs/fuzzing.md). Contract: {@link ConfigLoader#load} returns a
 * configuration or throws {@link TegamiException} with a message for the operator; any other exception is a
 * finding. Inputs that would make the loader ask DNS (a listen address with a host name, no {@code hostname} so
 * that the machine's name is looked up) or read a file ({@code tls_ca}, {@code trust_anchor}) are skipped: fuzzing stays on this machine.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ConfigLoaderFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("tegami-config-fuzz");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void toml(byte[] input) throws IOException {
        TomlParseResult pre;
        try {
            pre = Toml.parse(new String(input, java.nio.charset.StandardCharsets.UTF_8));
        } catch (TomlParseError e) {
            pre = null; // not valid TOML: the loader must say so without asking DNS or reading anything
        } catch (AssertionError e) {
            if (inTomlj(e)) return;
            throw e;
        }
        if (pre != null && !pre.hasErrors() && (!pre.contains("hostname") || !local(pre))) return;
        Path file = DIR.resolve("tegami.toml");
        Files.write(file, input);
        try {
            TegamiConfig c = ConfigLoader.load(file);
            assertNotNull(c.hostname());
            assertTrue(c.dataDir().isAbsolute());
        } catch (TegamiException e) {
            assertNotNull(e.getMessage());
        } catch (AssertionError e) {
            if (!inTomlj(e)) throw e;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Found by this target: tomlj throws (rather than lists) a bad escape in a quoted key, which escaped the loader. */
    @Test
    void badEscapeInAQuotedKeyIsATomlSyntaxError() throws IOException {
        Path file = DIR.resolve("escape.toml");
        Files.writeString(file, "hostname = \"h.test\"\n[outbound.relay_for.\"a\\Eb\"]\nrelay = \"x:25\"\n");
        try {
            TegamiException e = assertThrows(TegamiException.class, () -> ConfigLoader.load(file));
            assertTrue(e.getMessage().startsWith(file + ":2:") && e.getMessage().contains("TOML syntax error"), e.getMessage());
        } finally {
            Files.delete(file);
        }
    }

    /** Found by this target: an unknown key that is no bare key (a typo such as ["0.0.0.0:995"]) broke the error message. */
    @Test
    void unknownQuotedKeysAreReported() throws IOException {
        Path file = DIR.resolve("quoted.toml");
        for (String text : new String[] {"hostname = \"h.test\"\n[\"0.0.0.0:995\"]\n",
                "hostname = \"h.test\"\n[outbound.relay_for.\"a\\\"b.test\"]\nrelay = \"x:25\"\nbogus = 1\n"}) {
            Files.writeString(file, text);
            try {
                TegamiException e = assertThrows(TegamiException.class, () -> ConfigLoader.load(file));
                assertTrue(e.getMessage().contains("unknown key"), e.getMessage());
            } finally {
                Files.delete(file);
            }
        }
    }

    /**
     * An {@code assert} inside tomlj (e.g. on {@code "\\U"} without hex digits in a quoted key): the tests run with
     * {@code -ea}; the server runs without, and then tomlj throws the {@link TomlParseError} the loader reports.
     */
    private static boolean inTomlj(AssertionError e) {
        return e.getStackTrace().length > 0 && e.getStackTrace()[0].getClassName().startsWith("org.tomlj.");
    }

    /** Whether loading needs neither DNS nor other files: every "host:port" string has an IP literal host. */
    private static boolean local(TomlTable t) {
        for (String key : t.keySet()) {
            if (key.equals("tls_ca") || key.equals("trust_anchor")) return false;
            if (!local(t.get(java.util.List.of(key)))) return false;
        }
        return true;
    }

    private static boolean local(Object v) {
        if (v instanceof TomlTable t) return local(t);
        if (v instanceof TomlArray a) {
            for (int i = 0; i < a.size(); i++) if (!local(a.get(i))) return false;
            return true;
        }
        if (v instanceof String s) {
            int colon = s.lastIndexOf(':');
            if (colon <= 0) return true;
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            if (host.isEmpty()) return true;
            try {
                InetAddress.ofLiteral(host);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return true;
    }
}
