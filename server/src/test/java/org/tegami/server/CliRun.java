package org.tegami.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.tegami.server.cli.Cli;

/**
 * The {@code tegami} command line run in-process, as tests use it: {@code stdin} fed to {@code System.in}, what the
 * command prints to {@code System.out} and picocli's error stream captured. {@code System.in} and {@code System.out}
 * are the JVM's, so runs must not overlap (a test runs one at a time; a second command at once runs in its own JVM,
 * see {@link ServerProcess}).
 */
public final class CliRun {
    private CliRun() {}

    /** One run's exit code, standard output and error output. */
    public record Result(int exit, String out, String err) {
        /** As {@code {exit, out, err}}, the shape older tests index into. */
        public String[] fields() {
            return new String[] {Integer.toString(exit), out, err};
        }
    }

    /** Runs {@code tegami args…} with {@code stdin} on standard input. */
    public static synchronized Result run(String stdin, String... args) {
        InputStream in = System.in;
        PrintStream out = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            var cl = Cli.commandLine(new Main());
            cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
            int code = cl.execute(args);
            System.out.flush();
            return new Result(code, o.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(in);
            System.setOut(out);
        }
    }
}
