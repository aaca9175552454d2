package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.embedded.OldSchema;
import org.tegami.store.embedded.Upgrade;

/** {@code tegami --version}, {@code tegami upgrade [--dry-run]} and the backup the server makes before upgrading. */
class VersionAndUpgradeTest {
    @TempDir Path dir;

    /** Runs the CLI in-process; returns exit code, stdout and stderr. */
    private String[] cli(String... args) {
        return CliRun.run("", args).fields();
    }

    @Test
    void versionNamesTheBuildTheCommitJavaAndTheSchema() throws Exception {
        String[] r = cli("--version");
        assertEquals("0", r[0], r[2]);
        List<String> lines = r[1].lines().toList();
        assertEquals(5, lines.size(), r[1]);
        assertTrue(Pattern.matches("Tegami \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?", lines.get(0)), lines.get(0));
        assertTrue(Pattern.matches("commit ([0-9a-f]{40}(-dirty)?|unknown)", lines.get(1)), lines.get(1));
        String head = gitHead();
        if (head != null) assertTrue(lines.get(1).startsWith("commit " + head), lines.get(1) + " vs HEAD " + head);
        assertTrue(Pattern.matches("built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ", lines.get(2)), lines.get(2));
        assertTrue(lines.get(3).startsWith("Java " + Runtime.version().feature()), lines.get(3));
        assertEquals("store schema v" + Upgrade.codeVersion(), lines.get(4));
        assertEquals(r[1], cli("version")[1], "`tegami version` prints the same");
    }

    @Test
    void unknownBuildValuesReadUnknown() {
        // What the version provider prints when the build could not fill a value (built outside git).
        var info = new BuildInfo("0.1.0", BuildInfo.UNKNOWN, BuildInfo.UNKNOWN, 7);
        assertEquals("commit unknown", info.lines()[1]);
    }

    private static String gitHead() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            return p.waitFor() == 0 && out.matches("[0-9a-f]{40}") ? out : null;
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void upgradeDryRunChangesNothingThenUpgradeBacksUpAndTheBackupRestores() throws Exception {
        Path cfg = TestConfigs.write(dir, Set.of(), "");
        Path data = dir.resolve("d");
        int old = Upgrade.codeVersion() - 1;
        OldSchema.create(data, old, "example.test");

        String[] dry = cli("upgrade", "--dry-run", "--config", cfg.toString());
        assertEquals("0", dry[0], dry[2]);
        List<String> lines = dry[1].lines().toList();
        assertEquals("data directory " + data + ": schema v" + old + ", this Tegami: v" + Upgrade.codeVersion(), lines.get(0));
        assertTrue(lines.get(1).startsWith("  v" + Upgrade.codeVersion() + ": "), lines.get(1));
        assertEquals("would back up into " + data.resolve("backups") + "/pre-v" + Upgrade.codeVersion()
                + "-TIME/ and run 1 migration(s) (dry run: nothing changed)", lines.get(2));
        assertEquals(old, Upgrade.dataVersion(data).orElseThrow());
        assertTrue(Files.notExists(data.resolve("backups")));

        String[] up = cli("upgrade", "--config", cfg.toString());
        assertEquals("0", up[0], up[2]);
        assertEquals(Upgrade.codeVersion(), Upgrade.dataVersion(data).orElseThrow());
        Path backup;
        try (Stream<Path> s = Files.list(data.resolve("backups"))) {
            backup = s.findFirst().orElseThrow();
        }
        assertTrue(up[1].contains("backed up into " + backup + " before upgrading"), up[1]);
        assertTrue(up[1].endsWith("upgraded to schema v" + Upgrade.codeVersion() + "\n"), up[1]);
        assertEquals("data directory " + data + ": schema v" + Upgrade.codeVersion() + ", this Tegami: v"
                + Upgrade.codeVersion() + "\nnothing to upgrade\n", cli("upgrade", "--config", cfg.toString())[1]);

        // tegami restore puts the pre-upgrade state back
        Path restoredCfg = Files.writeString(dir.resolve("restored.toml"), "hostname = \"mail.example.test\"\ndata_dir = \"r\"\n");
        String[] restore = cli("restore", backup.toString(), "--config", restoredCfg.toString());
        assertEquals("0", restore[0], restore[2]);
        assertEquals(old, Upgrade.dataVersion(dir.resolve("r")).orElseThrow());
    }

    @Test
    void serverStartingOnAnOlderDirectoryBacksItUpFirst() throws Exception {
        Path cfg = TestConfigs.write(dir, Set.of("imap"), "");
        Path data = dir.resolve("d");
        OldSchema.create(data, Upgrade.codeVersion() - 1, "example.test");
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system())) {
            assertTrue(server.store().accounts().isLocalDomain("example.test"));
        }
        try (Stream<Path> s = Files.list(data.resolve("backups"))) {
            Path b = s.findFirst().orElseThrow();
            assertTrue(b.getFileName().toString().startsWith("pre-v" + Upgrade.codeVersion() + "-"), b.toString());
            assertEquals(Upgrade.codeVersion() - 1, Upgrade.dataVersion(b).orElseThrow());
        }
    }
}
