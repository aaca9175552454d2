package org.tegami.server.log;

/** {@code [log] format}: how each log event is written, one line either way. */
public enum LogFormat {
    /** {@code 2026-12-06T19:07:00.123Z INFO smtp conn=… queue=… msgid=<…> logger: message}. */
    TEXT,
    /** One JSON object per line: {@code {"ts":…,"level":…,"logger":…,"service":…,"conn":…,"msg":…}}. */
    JSON
}
