package org.tegami.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/** tegami.toml files for tests: every listener off but the ones named, on ephemeral loopback ports. */
final class TestConfigs {
    private static final String[] SERVICES = {"smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps",
            "managesieve", "metrics"};

    private TestConfigs() {}

    /**
     * Writes {@code dir/tegami.toml} for {@code mail.example.test} with data in {@code dir/d}, the services in
     * {@code on} listening on 127.0.0.1:0, the others off, and {@code extra} (more sections) after them.
     */
    static Path write(Path dir, Set<String> on, String extra) throws IOException {
        StringBuilder sb = new StringBuilder("hostname = \"mail.example.test\"\ndata_dir = \"d\"\n[listen]\n");
        Set<String> unknown = new TreeSet<>(on);
        for (String s : SERVICES) {
            sb.append(s).append(on.contains(s) ? " = [\"127.0.0.1:0\"]\n" : " = []\n");
            unknown.remove(s);
        }
        if (!unknown.isEmpty()) throw new IllegalArgumentException("no such service: " + unknown);
        return Files.writeString(dir.resolve("tegami.toml"), sb + extra);
    }
}
