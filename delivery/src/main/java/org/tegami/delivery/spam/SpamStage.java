package org.tegami.delivery.spam;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.tegami.core.metrics.Metrics;
import org.tegami.delivery.AuthenticationStage;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.Outcome;
import org.tegami.delivery.Stage;
import org.tegami.store.AccountId;
import org.tegami.store.ClassifierStore;
import org.tegami.store.DeliveryRequest;

/**
 * The classify stage: GTUBE is refused; otherwise the recipient's model (or the shared one) scores the message, a
 * score at or above {@code junk_score} files it in the recipient's Junk mailbox with the {@code $Junk} keyword, one at
 * or above {@code reject_score} (off by default) is refused. Every scored message gets the verdict header:
 * <pre>
 * X-Spam-Status: Yes, score=0.97 junk=0.90 model=user tests=BAYES clues=url:cheap-meds.example,viagra
 * </pre>
 * {@code Yes}/{@code No} against {@code junk}, the model ({@code user}, or {@code shared} while the user has learned
 * fewer than {@value Classifier#MIN_MESSAGES} messages of either kind), and up to five of the strongest clues (tokens
 * of letters, digits and {@code .:-@_} only). While no model has learned enough, messages get no header at all.
 */
public final class SpamStage implements Stage {
    /**
     * The Generic Test for Unsolicited Bulk Email: any message containing it is spam, so that anyone can test the
     * filter. It is refused with 554 5.7.1 rather than filed, so a tester sees the verdict at once, over SMTP.
     */
    public static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
    private static final byte[] GTUBE_BYTES = GTUBE.getBytes(StandardCharsets.US_ASCII);
    private static final Object TOKENS = new Object();
    private static final Object HEAD = new Object();
    private static final Object GTUBE_KEY = new Object();

    private final SpamSettings settings;
    private final Classifier classifier;

    public SpamStage(SpamSettings settings, ClassifierStore store) {
        this.settings = settings;
        this.classifier = new Classifier(store);
    }

    @Override
    public String name() {
        return "spam (GTUBE" + (settings.enabled() ? ", classifier" : "") + ")";
    }

    @Override
    public Outcome apply(InboundMessage message, AccountId recipient, Outcome.Deliver sofar) {
        byte[] head = message.memo().get(HEAD, () -> {
            try {
                return message.bytes().head(Tokenizer.MAX_INPUT);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (message.memo().get(GTUBE_KEY, () -> contains(head, GTUBE_BYTES))) {
            return new Outcome.Refuse(554, "5.7.1", "Message refused as spam");
        }
        if (!settings.enabled()) return sofar;
        Classifier.Score s = classifier.score(recipient, () -> message.memo().<Set<String>>get(TOKENS,
                () -> Tokenizer.tokens(head, AuthenticationStage.tokens(message))));
        if (s.model() == Classifier.Model.NONE) return sofar; // nothing learned anywhere yet: no verdict, no header
        message.memo().put(new ScoreKey(recipient), s.score());
        boolean spam = s.score() >= settings.junkScore();
        if (spam && settings.rejectScore().isPresent() && s.score() >= settings.rejectScore().getAsDouble()) {
            Metrics.inboundVerdict("spam", "reject");
            return new Outcome.Refuse(550, "5.7.1", "Message refused as spam");
        }
        Metrics.inboundVerdict("spam", spam ? "junk" : "ham");
        Outcome.Deliver d = sofar.withHeader(header(s, spam, settings.junkScore()));
        return spam ? d.withTarget(DeliveryRequest.Target.JUNK).withFlag("$Junk") : d;
    }

    /** The verdict header field (without CRLF), folded to stay within 78 chars a line (RFC 5322 §2.1.1). */
    static String header(Classifier.Score s, boolean spam, double junk) {
        String clues = s.clues().stream().map(Classifier.Clue::token).filter(t -> t.matches("[a-z0-9.:@_-]{1,40}"))
                .limit(5).collect(Collectors.joining(","));
        String v = String.format(Locale.ROOT, "%s, score=%.2f junk=%.2f model=%s tests=BAYES", spam ? "Yes" : "No",
                s.score(), junk, s.model().name().toLowerCase(Locale.ROOT));
        return "X-Spam-Status: " + v + (clues.isEmpty() ? "" : "\r\n\tclues=" + clues);
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int k = 0; k < needle.length; k++) if (hay[i + k] != needle[k]) continue outer;
            return true;
        }
        return false;
    }

    private record ScoreKey(AccountId recipient) {}

    /**
     * The classifier's score (0 ham .. 1 spam) for this recipient's copy, when it judged it: what Sieve's
     * {@code spamtest} reads (RFC 5235).
     */
    public static java.util.OptionalDouble score(InboundMessage message, AccountId recipient) {
        return message.memo().<Double>peek(new ScoreKey(recipient)).map(java.util.OptionalDouble::of)
                .orElse(java.util.OptionalDouble.empty());
    }

    /** For the startup summary. */
    public List<String> describe() {
        if (!settings.enabled()) return List.of("GTUBE refused; classifier off");
        return List.of(String.format(Locale.ROOT, "GTUBE refused; classifier on: Junk at %.2f, %s, learning %s",
                settings.junkScore(), settings.rejectScore().isPresent()
                        ? String.format(Locale.ROOT, "refused at %.2f", settings.rejectScore().getAsDouble()) : "never refused",
                settings.learning() ? "on" : "off"));
    }
}
