package org.tegami.server;

import org.tegami.server.cli.AclCommand;
import org.tegami.server.cli.BackupCommand;
import org.tegami.server.cli.MailCommand;
import org.tegami.server.cli.AliasCommand;
import org.tegami.server.cli.CheckCommand;
import org.tegami.server.cli.DkimCommand;
import org.tegami.server.cli.DnsCommand;
import org.tegami.server.cli.DomainCommand;
import org.tegami.server.cli.FetchCommand;
import org.tegami.server.cli.QueueCommand;
import org.tegami.server.cli.TlsReportCommand;
import org.tegami.server.cli.ServeCommand;
import org.tegami.server.cli.SieveCommand;
import org.tegami.server.cli.UserCommand;
import org.tegami.server.cli.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tegami} command: serve, and the admin commands that work while the server runs. */
@Command(name = "tegami", mixinStandardHelpOptions = true, versionProvider = BuildInfo.Provider.class,
        description = "A complete, secure mail server.",
        subcommands = {ServeCommand.class, DomainCommand.class, UserCommand.class, AliasCommand.class, AclCommand.class,
                QueueCommand.class, TlsReportCommand.class, DkimCommand.class, DnsCommand.class, CheckCommand.class, SieveCommand.class,
                FetchCommand.class, BackupCommand.Make.class, BackupCommand.Restore.class,
                MailCommand.class,
                org.tegami.server.cli.TraceCommand.class, org.tegami.server.cli.UpgradeCommand.class,
                org.tegami.server.cli.MigrateCommand.class,
                org.tegami.server.cli.VersionCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        // One line per log record: time, level, source, message.
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        System.exit(Cli.commandLine(new Main()).execute(args));
    }
}
