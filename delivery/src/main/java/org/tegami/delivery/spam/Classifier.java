package org.tegami.delivery.spam;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tegami.store.AccountId;
import org.tegami.store.ClassifierStore;
import org.tegami.store.ClassifierStore.Counts;
import org.tegami.store.ClassifierStore.Totals;

/**
 * Robinson–Fisher ("chi-square") combining of per-token spam probabilities, as SpamBayes and bogofilter do
 * (Gary Robinson, "A Statistical Approach to the Spam Problem", 2003). Chosen over multinomial naive Bayes because
 * its score is not pushed to 0 or 1 by many weak, correlated tokens: it says "unsure" (near 0.5) when the evidence
 * both ways is strong or weak, which matters for a per-user model trained on a few dozen messages.
 *
 * <p>Per token w with b spam and g ham counts out of S spam and H ham messages: p(w) = (b/S) / (b/S + g/H); shrunk
 * towards x = 0.5 with strength s = 0.45: f(w) = (s·x + n·p(w)) / (s + n), n = b + g. The up to
 * {@value #MAX_CLUES} tokens with |f − 0.5| ≥ {@value #MIN_STRENGTH} are combined: H = C⁻¹(−2 Σ ln f, 2N),
 * S = C⁻¹(−2 Σ ln(1 − f), 2N), score = (1 + H − S) / 2, C⁻¹ being the chi-square survival function.
 */
public final class Classifier {
    static final double UNKNOWN_STRENGTH = 0.45;
    static final double UNKNOWN_PROB = 0.5;
    static final double MIN_STRENGTH = 0.1;
    static final int MAX_CLUES = 150;
    /** A model is used once it has learned at least this many messages of each class. */
    public static final int MIN_MESSAGES = 5;

    private final ClassifierStore store;

    public Classifier(ClassifierStore store) {
        this.store = store;
    }

    /** Which model scored a message. */
    public enum Model { USER, SHARED, NONE }

    /** A score in [0, 1] (1: spam), the model used and the strongest clues, strongest first. */
    public record Score(double score, Model model, List<Clue> clues) {}

    /** One token and its probability f(w). */
    public record Clue(String token, double prob) {}

    /** Scores with the recipient's model when it has learned enough, else the shared one, else none (0.5). */
    public Score score(AccountId account, Collection<String> tokens) {
        return score(account, () -> tokens);
    }

    /** As above, computing the tokens only when some model can use them. */
    public Score score(AccountId account, java.util.function.Supplier<? extends Collection<String>> tokens) {
        Totals own = store.totals(Optional.of(account));
        if (own.spam() >= MIN_MESSAGES && own.ham() >= MIN_MESSAGES) {
            Collection<String> t = tokens.get();
            return score(own, store.counts(Optional.of(account), t), t, Model.USER);
        }
        Totals shared = store.totals(Optional.empty());
        if (shared.spam() >= MIN_MESSAGES && shared.ham() >= MIN_MESSAGES) {
            Collection<String> t = tokens.get();
            return score(shared, store.counts(Optional.empty(), t), t, Model.SHARED);
        }
        return new Score(0.5, Model.NONE, List.of());
    }

    static Score score(Totals totals, Map<String, Counts> counts, Collection<String> tokens, Model model) {
        List<Clue> clues = new ArrayList<>();
        for (String t : tokens) {
            Counts c = counts.get(t);
            double f = c == null ? UNKNOWN_PROB : prob(c, totals);
            if (Math.abs(f - 0.5) >= MIN_STRENGTH) clues.add(new Clue(t, f));
        }
        clues.sort(Comparator.comparingDouble((Clue c) -> -Math.abs(c.prob() - 0.5)).thenComparing(Clue::token));
        if (clues.size() > MAX_CLUES) clues = clues.subList(0, MAX_CLUES);
        return new Score(combine(clues.stream().mapToDouble(Clue::prob).toArray()), model, List.copyOf(clues));
    }

    /** f(w): Robinson's smoothed probability that a message holding the token is spam. */
    static double prob(Counts c, Totals t) {
        double spamRatio = t.spam() == 0 ? 0 : Math.min(1.0, (double) c.spam() / t.spam());
        double hamRatio = t.ham() == 0 ? 0 : Math.min(1.0, (double) c.ham() / t.ham());
        long n = c.spam() + c.ham();
        if (spamRatio + hamRatio == 0) return UNKNOWN_PROB;
        double p = spamRatio / (spamRatio + hamRatio);
        return (UNKNOWN_STRENGTH * UNKNOWN_PROB + n * p) / (UNKNOWN_STRENGTH + n);
    }

    /** Fisher's method both ways, as SpamBayes' chi2_spamprob; 0.5 without clues. */
    static double combine(double[] probs) {
        if (probs.length == 0) return 0.5;
        double lnHam = 0;
        double lnSpam = 0;
        for (double f : probs) {
            double p = Math.min(1 - 1e-9, Math.max(1e-9, f));
            lnHam += Math.log(p);
            lnSpam += Math.log(1 - p);
        }
        double s = 1 - chi2Q(-2 * lnSpam, 2 * probs.length);
        double h = 1 - chi2Q(-2 * lnHam, 2 * probs.length);
        return (s - h + 1) / 2;
    }

    /** P(χ² with {@code v} (even) degrees of freedom ≥ {@code x2}), by the series for even v. */
    static double chi2Q(double x2, int v) {
        double m = x2 / 2;
        double term = Math.exp(-m);
        double sum = term;
        for (int i = 1; i < v / 2; i++) {
            term *= m / i;
            sum += term;
        }
        return Math.min(sum, 1.0);
    }
}
