package org.tegami.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.TegamiException;
import org.tegami.core.log.LogContext;
import org.tegami.server.config.ConfigLoader;

class EventFormatterTest {
    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        LogContext.clear();
    }

    private static LogRecord record(Level level, String msg, Throwable t) {
        LogRecord r = new LogRecord(level, msg);
        r.setLoggerName("org.tegami.smtp.server.MessageReceiver");
        r.setInstant(java.time.Instant.parse("2026-12-06T19:07:00.123Z"));
        r.setThrown(t);
        return r;
    }

    @Test
    void textIsOneLineWithTheContextFields() {
        LogContext.connection("smtp", "0123456789ab");
        LogContext.put(LogContext.MSGID, "<m1@example.test>");
        LogContext.put(LogContext.QUEUE, "17");
        assertEquals("2026-12-06T19:07:00.123Z INFO smtp conn=0123456789ab msgid=<m1@example.test> queue=17"
                        + " org.tegami.smtp.server.MessageReceiver: accepted x\n",
                new EventFormatter(LogFormat.TEXT).format(record(Level.INFO, "accepted x", null)));
        LogContext.endMessage();
        assertEquals("2026-12-06T19:07:00.123Z WARNING smtp conn=0123456789ab org.tegami.smtp.server.MessageReceiver: w\n",
                new EventFormatter(LogFormat.TEXT).format(record(Level.WARNING, "w", null)));
    }

    @Test
    void aPeerCannotForgeALogLine() {
        String helo = "evil\r\n2026-12-06T19:07:00.123Z INFO forged\u0000\u001b[31m";
        String text = new EventFormatter(LogFormat.TEXT).format(record(Level.INFO, "HELO " + helo, null));
        assertEquals(1, text.split("\n", -1).length - 1, text);
        assertTrue(text.contains("HELO evil\\r\\n2026-12-06T19:07:00.123Z INFO forged\\x00\\x1b[31m"), text);
        String json = new EventFormatter(LogFormat.JSON).format(record(Level.INFO, "HELO " + helo + "\"}{\"x\":\"", null));
        assertEquals(1, json.split("\n", -1).length - 1, json);
        assertTrue(json.contains("\"msg\":\"HELO evil\\r\\n2026-12-06T19:07:00.123Z INFO forged\\u0000\\u001b[31m\\\"}{\\\"x\\\":\\\"\"}"), json);
    }

    @Test
    void jsonLinesParseWithTheirFields() throws Exception {
        LogContext.connection("imaps", "00000000beef");
        String a = new EventFormatter(LogFormat.JSON).format(record(Level.INFO, "caf\u00e9 \ud83d\udce8 lone \ud800 end", null));
        String b = new EventFormatter(LogFormat.JSON).format(record(Level.SEVERE, "could not store",
                new java.io.IOException("disk\nfull")));
        List<Map<String, String>> events = StructuredLogTest.parse(a + b);
        assertEquals(Map.of("ts", "2026-12-06T19:07:00.123Z", "level", "INFO", "logger", "org.tegami.smtp.server.MessageReceiver",
                "service", "imaps", "conn", "00000000beef", "msg", "caf\\u00e9 \\ud83d\\udce8 lone \\ufffd end"), events.get(0));
        assertEquals("ERROR", events.get(1).get("level"));
        assertEquals("java.io.IOException: disk\\nfull", events.get(1).get("error"));
        assertTrue(events.get(1).get("stack").contains("\\n\\tat org.tegami.server.log.EventFormatterTest"), events.get(1).toString());
    }

    @Test
    void aTextStackTraceFollowsOnTabIndentedLines() {
        String s = new EventFormatter(LogFormat.TEXT).format(record(Level.SEVERE, "could not store", new IllegalStateException("x")));
        String[] lines = s.split("\n");
        assertTrue(lines[0].endsWith("org.tegami.smtp.server.MessageReceiver: could not store error=java.lang.IllegalStateException: x"), s);
        assertEquals("\tjava.lang.IllegalStateException: x", lines[1]);
        for (int i = 1; i < lines.length; i++) assertTrue(lines[i].startsWith("\t"), s);
    }

    @Test
    void theFormatIsAConfigKey() throws Exception {
        Path f = dir.resolve("tegami.toml");
        Files.writeString(f, "[log]\nformat = \"json\"\n");
        assertEquals(LogFormat.JSON, ConfigLoader.load(f).logFormat());
        Files.writeString(f, "hostname = \"h.example\"\n");
        assertEquals(LogFormat.TEXT, ConfigLoader.load(f).logFormat());
        Files.writeString(f, "[log]\nformat = \"xml\"\n");
        TegamiException e = assertThrows(TegamiException.class, () -> ConfigLoader.load(f));
        assertTrue(e.getMessage().contains("log.format") && e.getMessage().contains("\"text\" or \"json\""), e.getMessage());
        Files.writeString(f, "[log]\nlevel = \"debug\"\n");
        e = assertThrows(TegamiException.class, () -> ConfigLoader.load(f));
        assertTrue(e.getMessage().contains("log.level"), e.getMessage());
    }
}
