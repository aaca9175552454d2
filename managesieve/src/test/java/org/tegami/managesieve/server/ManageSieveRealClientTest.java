package org.tegami.managesieve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.Account;

/**
 * sieve-connect (Debian package sieve-connect; .ci/run installs it), a real ManageSieve client in Perl, against a
 * live server: STARTTLS with the test's self-signed certificate pinned by its SHA-256 fingerprint (OpenSSL takes no
 * certificate with CA:FALSE as a trust anchor, so chain verification is off and the pin is the check), SASL PLAIN,
 * then upload, list, activate, download, check and delete.
 */
class ManageSieveRealClientTest {
    private static final String SCRIPT = "require \"fileinto\";\r\nif header :contains \"Subject\" \"[spam]\" {\r\n"
            + "  fileinto \"Junk\";\r\n}\r\n";
    @TempDir
    Path tmp;
    private ManageSieveTestServer server;
    private String fingerprint;

    @BeforeEach
    void start() throws Exception {
        server = new ManageSieveTestServer(Files.createDirectory(tmp.resolve("data")), tmp.resolve("tls"));
        byte[] der = server.tls().certificateChain().getFirst().getEncoded();
        fingerprint = "sha256:" + java.util.HexFormat.ofDelimiter(":").withUpperCase()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(der));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Runs sieve-connect as alice with {@code args}; returns its exit status and combined output. */
    private Result sieveConnect(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sieve-connect", "--server", "127.0.0.1",
                "--port", Integer.toString(server.port()), "--user", ManageSieveTestServer.ALICE, "--passwordfd", "0",
                "--notlsverify", "--tlscertfingerprint", fingerprint, "--authmech", "PLAIN"));
        cmd.addAll(List.of(args));
        Path password = tmp.resolve("password");
        Files.writeString(password, ManageSieveTestServer.ALICE_PASSWORD + "\n");
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectInput(password.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "sieve-connect did not finish");
        return new Result(p.exitValue(), out);
    }

    private record Result(int status, String output) {}

    private Result ok(String... args) throws Exception {
        Result r = sieveConnect(args);
        assertEquals(0, r.status(), () -> String.join(" ", args) + " said:\n" + r.output());
        return r;
    }

    @Test
    void uploadListActivateDownloadCheckDelete() throws Exception {
        Path local = tmp.resolve("spam.sieve");
        Files.writeString(local, SCRIPT);
        ok("--upload", "--localsieve", local.toString(), "--remotesieve", "spam");
        Account alice = server.store().accounts().user(ManageSieveTestServer.address(ManageSieveTestServer.ALICE)).orElseThrow();
        assertEquals(Optional.of(SCRIPT), server.store().sieve().get(alice.id(), "spam"), "stored byte for byte");

        Result list = ok("--list");
        // sieve-connect prints the LISTSCRIPTS lines as they came
        assertTrue(list.output().lines().anyMatch(l -> l.equals("\"spam\"")), list.output());

        ok("--activate", "--remotesieve", "spam");
        assertEquals(Optional.of(SCRIPT), server.store().sieve().active(alice.id()));
        list = ok("--list");
        assertTrue(list.output().lines().anyMatch(l -> l.equals("\"spam\" ACTIVE")), list.output());

        Path back = tmp.resolve("back.sieve");
        ok("--download", "--remotesieve", "spam", "--localsieve", back.toString());
        assertEquals(SCRIPT, Files.readString(back));

        // the checker's verdict reaches the client
        Path bad = tmp.resolve("bad.sieve");
        Files.writeString(bad, "frobnicate;\r\n");
        Result check = sieveConnect("--checkscript", "--localsieve", bad.toString());
        assertNotEquals(0, check.status(), check.output());
        assertTrue(check.output().contains("unknown command"), check.output());

        Result refused = sieveConnect("--delete", "--remotesieve", "spam");
        assertNotEquals(0, refused.status(), "the active script cannot be deleted:\n" + refused.output());
        ok("--deactivate");
        ok("--delete", "--remotesieve", "spam");
        assertEquals(List.of(), server.store().sieve().list(alice.id()));
    }
}
