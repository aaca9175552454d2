package org.tegami.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.server.CliRun;
import org.tegami.server.log.LogTraceTest;

class TraceCommandTest {
    @TempDir
    Path dir;

    private String[] cli(String... args) {
        return CliRun.run("", args).fields();
    }

    @Test
    void printsTheLogPathAndTheQueueState() throws Exception {
        Path cfg = Files.writeString(dir.resolve("tegami.toml"), "hostname = \"mail.a.test\"\ndata_dir = \"d\"\n");
        Path a = Files.writeString(dir.resolve("a.log"), LogTraceTest.A);
        Path b = Files.writeString(dir.resolve("b.log"), LogTraceTest.B);
        String[] r = cli("trace", "--config", cfg.toString(), "<m1@a.test>", a.toString(), b.toString());
        assertEquals("0", r[0], r[2]);
        String[] lines = r[1].split("\n");
        assertEquals(5, lines.length, r[1]);
        assertEquals(true, lines[0].contains("accepted TZJ9Q05X5RS8"), r[1]);
        assertEquals(true, lines[3].contains("delivered queue 1 to <bob@b.test>"), r[1]);
        assertEquals("queue 1: no longer queued (delivered, bounced or removed)", lines[4]);

        r = cli("trace", "--config", cfg.toString(), "<nothing@a.test>", a.toString());
        assertEquals("no log line names <nothing@a.test>\nqueue: nothing queued for <nothing@a.test>\n", r[1]);

        r = cli("trace", "--config", cfg.toString(), "1", dir.resolve("missing.log").toString());
        assertEquals("1", r[0]);
        assertEquals(true, r[2].contains("cannot read the log file"), r[2]);
    }
}
