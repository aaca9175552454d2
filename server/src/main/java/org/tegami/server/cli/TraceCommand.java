package org.tegami.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.tegami.core.TegamiException;
import org.tegami.core.log.LoggedMessageId;
import org.tegami.server.log.LogTrace;
import org.tegami.store.QueueEntry;
import org.tegami.store.QueueId;
import org.tegami.store.Store;
import org.tegami.store.TraceHistoryStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tegami trace QUERY [LOG...]}: the path of one message, from the server's trace history in the store (its
 * recent log lines about messages, {@code [log] history_days}), from any log files given (text or JSON lines, as
 * {@code tegami serve} writes them, for older events or other servers) and from the outbound queue.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Follow one message: its log lines (from the server's trace history, [log] history_days, and the files given) and its outbound queue entries.",
                "QUERY is a Message-ID (<id@host> or id@host), a queue id (digits), or the id of an SMTP \"queued as\" reply."})
public final class TraceCommand implements Runnable {
    @Mixin Cli.ConfigOption config;

    @Parameters(index = "0", paramLabel = "QUERY") String query;

    @Parameters(index = "1..*", paramLabel = "LOG", description = "Log files written by tegami serve (stderr saved to a file, journalctl output), for events older than the history or from other servers.")
    List<Path> logs = new ArrayList<>();

    @Override
    public void run() {
        LogTrace trace = new LogTrace(query);
        for (Path p : logs) {
            if (!Files.isReadable(p)) throw new TegamiException("cannot read the log file " + p);
        }
        try (Store s = config.openStore()) {
            List<LogTrace.Source> sources = new ArrayList<>();
            // the server's own history: each round asks for the lines naming the ids found so far
            sources.add(() -> new java.io.StringReader(String.join("\n", s.traceHistory()
                    .find(trace.historyKeys(), LogTrace.MAX_LINES).stream().map(TraceHistoryStore.Line::text).toList())));
            for (Path p : logs) sources.add(() -> Files.newBufferedReader(p, StandardCharsets.UTF_8));
            List<LogTrace.Line> lines;
            try {
                lines = trace.run(sources);
            } catch (IOException e) {
                throw new TegamiException("cannot read the log: " + e.getMessage());
            }
            if (lines.isEmpty()) System.out.println("no log line names " + query);
            for (LogTrace.Line l : lines) System.out.println(l.text());
            if (lines.size() >= LogTrace.MAX_LINES) System.out.println("(stopped at " + LogTrace.MAX_LINES + " lines)");

            Set<Long> ids = new TreeSet<>();
            for (String q : trace.queueIds()) ids.add(Long.parseLong(q));
            // a Message-ID the logs did not lead to a queue id may still be queued
            for (QueueEntry e : s.queue().list()) {
                if (!trace.messageIds().isEmpty() && messageId(s, e).filter(trace.messageIds()::contains).isPresent()) {
                    ids.add(e.id().value());
                }
            }
            if (ids.isEmpty()) {
                System.out.println("queue: nothing queued for " + query);
                return;
            }
            for (long id : ids) {
                Optional<QueueEntry> e = s.queue().get(new QueueId(id));
                if (e.isEmpty()) {
                    System.out.println("queue " + id + ": no longer queued (delivered, bounced or removed)");
                    continue;
                }
                QueueEntry q = e.get();
                System.out.println("queue " + id + ": waiting for " + String.join(", ", q.recipients()) + "; attempts "
                        + q.attempts() + ", next " + q.nextAttempt() + (q.lastError().isEmpty() ? "" : ", last error: " + q.lastError()));
            }
        }
    }

    private static Optional<String> messageId(Store s, QueueEntry e) {
        try (InputStream in = s.blobs().open(e.blob())) {
            in.skipNBytes(e.skipBytes());
            return LoggedMessageId.find(in.readNBytes(LoggedMessageId.HEAD));
        } catch (IOException | RuntimeException ex) {
            return Optional.empty();
        }
    }
}
