package org.tegami.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

/** Turns a classpath folder of {@code *.txt} transcripts into JUnit dynamic tests, each run under two locales. */
public final class TranscriptTests {

    /** The locales every transcript runs under; Turkish catches {@code toUpperCase()} without a locale ("i" → "İ"). */
    public static final List<Locale> LOCALES = List.of(Locale.ROOT, Locale.forLanguageTag("tr-TR"));

    /** Replays one transcript, e.g. against a fresh fixture server. */
    @FunctionalInterface
    public interface Executor {
        void run(Transcript transcript) throws Exception;
    }

    private TranscriptTests() {}

    /** For {@code @TestFactory}: one container per transcript, one test per locale, replayed by {@code runner}. */
    public static Stream<DynamicNode> fromResources(String folder, TranscriptRunner runner) {
        return fromResources(folder, runner::run);
    }

    /** For {@code @TestFactory}: one container per transcript, one test per locale, replayed by {@code executor}. */
    public static Stream<DynamicNode> fromResources(String folder, Executor executor) {
        return load(folder).stream().map(t -> DynamicContainer.dynamicContainer(t.name(),
                LOCALES.stream().map(locale -> DynamicTest.dynamicTest(
                        locale == Locale.ROOT ? "Locale.ROOT" : locale.toLanguageTag(),
                        () -> runIn(locale, t, executor)))));
    }

    /** Runs {@code t} with {@code locale} as the JVM default, restoring the previous default afterwards. */
    public static void runIn(Locale locale, Transcript t, Executor executor) throws Exception {
        Locale saved = Locale.getDefault();
        Locale.setDefault(locale);
        try {
            executor.run(t);
        } finally {
            Locale.setDefault(saved);
        }
    }

    /** Parses every {@code *.txt} file in a classpath folder, sorted by name; fails if there are none. */
    public static List<Transcript> load(String folder) {
        String path = folder.startsWith("/") ? folder.substring(1) : folder;
        URL url = Thread.currentThread().getContextClassLoader().getResource(path);
        if (url == null) {
            throw new IllegalArgumentException("no such resource folder: " + folder);
        }
        try {
            URI uri = url.toURI();
            if (uri.getScheme().equals("jar")) {
                FileSystem fs;
                try {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException e) {
                    fs = FileSystems.getFileSystem(uri);
                }
                return list(fs.getPath(path));
            }
            return list(Path.of(uri));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Transcript> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Transcript> all = files.filter(p -> p.getFileName().toString().endsWith(".txt"))
                    .sorted().map(Transcript::parse).toList();
            if (all.isEmpty()) {
                throw new IllegalArgumentException("no *.txt transcripts in " + dir);
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
