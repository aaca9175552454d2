package org.tegami.server.cli;

import java.time.Duration;
import java.time.Instant;
import org.tegami.store.QueueEntry;
import org.tegami.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tegami queue list}: mail waiting for delivery to other servers. */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Inspect the outbound queue.",
        subcommands = {QueueCommand.ListQueue.class})
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
                System.out.printf("%-8s %-10s %-8s %-30s %s%n", "ID", "SIZE", "AGE", "SENDER", "RECIPIENTS");
                for (QueueEntry e : entries) {
                    System.out.printf("%-8s %-10d %-8s %-30s %s%n", e.id(), e.size(),
                            age(Duration.between(e.created(), Instant.now())),
                            e.sender().isEmpty() ? "<>" : e.sender(), String.join(", ", e.recipients()));
                }
            }
        }

        private static String age(Duration d) {
            if (d.toDays() > 0) return d.toDays() + "d";
            if (d.toHours() > 0) return d.toHours() + "h";
            return Math.max(0, d.toMinutes()) + "m";
        }
    }
}
