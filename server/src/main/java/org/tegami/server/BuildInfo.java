package org.tegami.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.tegami.store.embedded.Upgrade;

/**
 * What this build is: version, git commit and build time baked in by the build (ADR 0023), and the store schema
 * version it writes. A value the build could not know (built outside git, or without Maven's filtering) reads
 * "unknown".
 */
public record BuildInfo(String version, String commit, String buildTime, int schemaVersion) {
    static final String UNKNOWN = "unknown";

    /** This build's information, from the properties files the build put on the class path. */
    public static BuildInfo current() {
        Properties build = load("tegami-build.properties");
        Properties git = load("tegami-git.properties");
        return new BuildInfo(value(build, "version"), value(git, "git.commit"), value(build, "build.time"),
                Upgrade.codeVersion());
    }

    private static Properties load(String name) {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(name)) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // left empty: every value reads "unknown"
        }
        return p;
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key, "").strip();
        // An unfiltered placeholder (${...}) means the build did not know it.
        return v.isEmpty() || v.startsWith("${") ? UNKNOWN : v;
    }

    /** The lines {@code tegami --version} prints. */
    public String[] lines() {
        return new String[] {
            "Tegami " + version,
            "commit " + commit,
            "built " + buildTime,
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", UNKNOWN) + ")",
            "store schema v" + schemaVersion,
        };
    }

    /** picocli's version provider for {@code --version}. */
    public static final class Provider implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return current().lines();
        }
    }
}
