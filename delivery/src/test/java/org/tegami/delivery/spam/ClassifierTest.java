package org.tegami.delivery.spam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tegami.store.ClassifierStore.Counts;
import org.tegami.store.ClassifierStore.Totals;

class ClassifierTest {
    private static final double EPS = 1e-9;

    @Test
    void chiSquareSurvivalMatchesKnownValues() {
        // for 2 degrees of freedom Q(x) = e^(-x/2)
        assertEquals(Math.exp(-1.5), Classifier.chi2Q(3, 2), EPS);
        // 4 degrees: e^(-m)(1 + m), m = x/2
        assertEquals(Math.exp(-2) * 3, Classifier.chi2Q(4, 4), EPS);
        assertEquals(1.0, Classifier.chi2Q(0, 10), EPS);
    }

    @Test
    void robinsonProbabilityShrinksRareTokensToOneHalf() {
        Totals t = new Totals(10, 10);
        // seen once in spam only: p = 1, f = (0.45 * 0.5 + 1 * 1) / 1.45
        assertEquals((0.225 + 1) / 1.45, Classifier.prob(new Counts(1, 0), t), EPS);
        // seen in 10 of 10 spam and 0 ham: close to 1
        assertEquals((0.225 + 10) / 10.45, Classifier.prob(new Counts(10, 0), t), EPS);
        // equally often in both: exactly 0.5
        assertEquals(0.5, Classifier.prob(new Counts(3, 3), t), EPS);
        // ratios, not counts: 1 of 2 spam vs 5 of 10 ham is even
        assertEquals(0.5, Classifier.prob(new Counts(1, 5), new Totals(2, 10)), EPS);
    }

    @Test
    void combiningIsSymmetricAndSaysUnsureOnMixedEvidence() {
        assertEquals(0.5, Classifier.combine(new double[0]), EPS);
        double spam = Classifier.combine(new double[] {0.99, 0.98, 0.95, 0.9});
        double ham = Classifier.combine(new double[] {0.01, 0.02, 0.05, 0.1});
        assertTrue(spam > 0.95, "spam " + spam);
        assertTrue(ham < 0.05, "ham " + ham);
        assertEquals(1.0, spam + ham, 1e-9, "mirror images");
        double mixed = Classifier.combine(new double[] {0.99, 0.99, 0.01, 0.01});
        assertEquals(0.5, mixed, 0.05, "strong evidence both ways is unsure, not certain");
    }

    @Test
    void scoreUsesOnlyStrongCluesUpToTheCap() {
        Totals t = new Totals(10, 10);
        Map<String, Counts> counts = Map.of("viagra", new Counts(9, 0), "meeting", new Counts(0, 9), "the", new Counts(5, 5));
        Classifier.Score s = Classifier.score(t, counts, List.of("viagra", "the", "unknown"), Classifier.Model.USER);
        assertEquals(List.of("viagra"), s.clues().stream().map(Classifier.Clue::token).toList(), "0.5-ish tokens are no clues");
        assertTrue(s.score() > 0.9);
        Classifier.Score h = Classifier.score(t, counts, List.of("meeting"), Classifier.Model.USER);
        assertTrue(h.score() < 0.1);
    }

    @Test
    void verdictHeaderFormat() {
        Classifier.Score s = new Classifier.Score(0.973, Classifier.Model.USER,
                List.of(new Classifier.Clue("viagra", 0.99), new Classifier.Clue("we\"ird", 0.98), new Classifier.Clue("url:x.example", 0.97)));
        assertEquals("X-Spam-Status: Yes, score=0.97 junk=0.90 model=user tests=BAYES\r\n\tclues=viagra,url:x.example",
                SpamStage.header(s, true, 0.9));
        assertEquals("X-Spam-Status: No, score=0.50 junk=0.90 model=shared tests=BAYES",
                SpamStage.header(new Classifier.Score(0.5, Classifier.Model.SHARED, List.of()), false, 0.9));
    }
}
