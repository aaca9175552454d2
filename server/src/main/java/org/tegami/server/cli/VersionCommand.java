package org.tegami.server.cli;

import org.tegami.server.BuildInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tegami version}: the same as {@code tegami --version}. */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = "Print the version, git commit, build time, Java version and store schema version.")
public final class VersionCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        for (String line : BuildInfo.current().lines()) spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
    }
}
