package org.tegami.server.cli;

import java.time.Duration;
import java.time.Instant;
import org.tegami.store.QueueEntry;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tegami queue list}: mail waiting for delivery to other servers. */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Inspect the outbound queue.",
        subcommands = {QueueCommand.ListQueue.class, QueueCommand.Show.class, QueueCommand.Flush.class, QueueCommand.Remove.class})
public final class QueueCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List queued messages.")
    static final class ListQueue implements Runnable {
        @Mixin Cli.ConfigOption config;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                var entries = s.queue().list();
                if (entries.isEmpty()) {
                    System.out.println("the queue is empty");
                    return;
                }
                System.out.printf("%-8s %-10s %-8s %-8s %-30s %s%n", "ID", "SIZE", "AGE", "TRIES", "SENDER", "RECIPIENTS");
                for (QueueEntry e : entries) {
                    System.out.printf("%-8s %-10d %-8s %-8d %-30s %s%n", e.id(), e.size(),
                            age(Duration.between(e.created(), Instant.now())), e.attempts(),
                            e.sender().isEmpty() ? "<>" : e.sender(), String.join(", ", e.recipients()));
                    if (!e.lastError().isEmpty()) System.out.println("         last error: " + e.lastError());
                }
            }
        }

        private static String age(Duration d) {
            if (d.toDays() > 0) return d.toDays() + "d";
            if (d.toHours() > 0) return d.toHours() + "h";
            return Math.max(0, d.toMinutes()) + "m";
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one queued message: envelope, state, headers.")
    static final class Show implements Runnable {
        @Mixin Cli.ConfigOption config;
        @picocli.CommandLine.Parameters(paramLabel = "ID") long id;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                QueueEntry e = s.queue().get(new org.tegami.store.QueueId(id))
                        .orElseThrow(() -> new IllegalArgumentException("no queue entry " + id));
                System.out.println("id            " + e.id());
                System.out.println("sender        " + (e.sender().isEmpty() ? "<>" : e.sender()));
                System.out.println("recipients    " + String.join(", ", e.recipients()));
                System.out.println("size          " + (e.size() - e.skipBytes()) + " bytes");
                System.out.println("queued        " + e.created());
                System.out.println("attempts      " + e.attempts() + (e.delayNotified() ? " (sender told of the delay)" : ""));
                System.out.println("next attempt  " + e.nextAttempt());
                if (!e.lastError().isEmpty()) System.out.println("last error    " + e.lastError());
                var p = e.params();
                if (p.ret().isPresent() || p.envid().isPresent()) {
                    System.out.println("dsn           " + p.ret().map(r -> "RET=" + r).orElse("") + p.envid().map(v -> " ENVID=" + v).orElse(""));
                }
                for (String r : e.recipients()) {
                    var rp = p.recipient(r);
                    if (rp.notifyOn().isPresent() || rp.orcpt().isPresent()) {
                        System.out.println("  " + r + (rp.notifyOn().isPresent() ? " NOTIFY=" + rp.notifyText() : "")
                                + rp.orcpt().map(o -> " ORCPT=" + rp.orcptType().orElse("") + ";" + o).orElse(""));
                    }
                }
                if (p.tls() != org.tegami.store.EnvelopeParams.Tls.DEFAULT) {
                    System.out.println("tls           " + (p.requireTls() ? "REQUIRETLS" : "TLS-Required: No"));
                }
                System.out.println();
                try (var in = s.blobs().open(e.blob())) {
                    in.skipNBytes(e.skipBytes());
                    var r = new java.io.BufferedReader(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
                    for (String line; (line = r.readLine()) != null && !line.isEmpty(); ) System.out.println(line);
                } catch (java.io.IOException ex) {
                    throw new org.tegami.core.TegamiException("cannot read the message of queue entry " + id + ": " + ex.getMessage());
                }
            }
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true, description = "Retry every queued message now.")
    static final class Flush implements Runnable {
        @Mixin Cli.ConfigOption config;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                System.out.println(s.queue().flush(Instant.now()) + " message(s) will be retried now");
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Drop a queued message without a bounce.")
    static final class Remove implements Runnable {
        @Mixin Cli.ConfigOption config;
        @picocli.CommandLine.Parameters(paramLabel = "ID") long id;

        @Override
        public void run() {
            try (Store s = config.openStore()) {
                if (!s.queue().remove(new org.tegami.store.QueueId(id))) throw new IllegalArgumentException("no queue entry " + id);
                System.out.println("removed queue entry " + id);
            }
        }
    }
}
