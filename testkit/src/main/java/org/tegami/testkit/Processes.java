package org.tegami.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs a real client program (fetchmail, mbsync, python3) for a test. */
public final class Processes {
    private Processes() {}

    /** Runs {@code cmd} in {@code dir}, requires exit status 0 within 60 s, and returns its combined output. */
    public static String run(Path dir, String... cmd) throws Exception {
        Process pr = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(pr.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        assertEquals(0, pr.exitValue(), String.join(" ", cmd) + " said:\n" + out);
        return out;
    }
}
