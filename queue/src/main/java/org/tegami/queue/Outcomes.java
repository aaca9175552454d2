package org.tegami.queue;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.tegami.core.metrics.Metrics;
import org.tegami.store.EnvelopeParams;
import org.tegami.store.QueueEntry;
import org.tegami.store.Store;

/**
 * Records what one attempt of an entry came to, durably and before the next attempt: delivered recipients leave the
 * entry, failed ones (5xx, or 4xx past the give-up age) get a bounce, recipients whose next hop does not speak DSN a
 * relay notice, a long wait one delay notice; the rest are rescheduled with exponential backoff and jitter, or,
 * when no host was even tried (resting or busy), for when the host is free again without counting an attempt.
 */
final class Outcomes {
    /** The queue's log lines keep one logger name (operators filter on it; the trace history shows it). */
    private static final Logger LOG = System.getLogger(QueueRunner.class.getName());

    /** When the sender hears that delivery is slow (a common MTA default, e.g. Postfix's delay_warning_time). */
    static final Duration DELAY_NOTICE_AFTER = Duration.ofHours(4);

    private final Store store;
    private final String hostname;
    private final InstantSource clock;
    private final QueueRunner.Settings settings;
    private final Notices notices;

    Outcomes(Store store, String hostname, InstantSource clock, QueueRunner.Settings settings, Notices notices) {
        this.store = store;
        this.hostname = hostname;
        this.clock = clock;
        this.settings = settings;
        this.notices = notices;
    }

    /** Logs, counts, notifies the sender and reschedules (or removes) the entry after an attempt with {@code result}. */
    void record(QueueEntry e, Map<String, DeliveryStatus> result) {
        Instant now = clock.instant();
        boolean expired = now.isAfter(e.created().plus(settings.maxAge()));
        Map<String, DeliveryStatus.PermFailed> failed = new LinkedHashMap<>();
        Map<String, DeliveryStatus.Delivered> relayed = new LinkedHashMap<>();
        List<String> remaining = new ArrayList<>();
        String lastError = "";
        for (var r : result.entrySet()) {
            switch (r.getValue()) {
                case DeliveryStatus.Delivered ok -> {
                    LOG.log(Level.INFO, "delivered queue " + e.id() + " to <" + r.getKey() + "> via " + ok.host() + ": " + ok.reply());
                    // RFC 3461 §5.2.2–5.2.3: a next hop without DSN will not report success, so we say it was relayed
                    if (!ok.dsn() && e.params().recipient(r.getKey()).wants(EnvelopeParams.Notify.SUCCESS)) relayed.put(r.getKey(), ok);
                }
                case DeliveryStatus.PermFailed f -> failed.put(r.getKey(), f);
                case DeliveryStatus.TempFailed t -> {
                    lastError = t.reason();
                    LOG.log(Level.INFO, "deferred queue " + e.id() + " for <" + r.getKey() + ">: " + t.reason());
                    if (expired) failed.put(r.getKey(), new DeliveryStatus.PermFailed(
                            "4.4.7 gave up after " + settings.maxAge().toDays() + " days: " + t.reason(), null));
                    else remaining.add(r.getKey());
                }
                case DeliveryStatus.Scheduled s -> {
                    // A host that keeps resting must not keep mail past the give-up age either.
                    if (expired) failed.put(r.getKey(), new DeliveryStatus.PermFailed("4.4.7 gave up after "
                            + settings.maxAge().toDays() + " days: " + (e.lastError().isEmpty() ? "the host was busy or resting" : e.lastError()), null));
                    else remaining.add(r.getKey());
                }
            }
        }
        for (DeliveryStatus st : result.values()) {
            if (st instanceof DeliveryStatus.Scheduled) continue; // not tried in this attempt
            Metrics.outboundDelivery(st instanceof DeliveryStatus.Delivered ? "delivered"
                    : st instanceof DeliveryStatus.TempFailed && !expired ? "deferred" : "bounced");
        }
        if (!failed.isEmpty()) {
            failed.forEach((rcpt, f) -> LOG.log(Level.INFO, "bounced queue " + e.id() + " for <" + rcpt + ">: " + f.reason()));
            // RFC 3461 §4.1: a failure is reported unless the recipient's NOTIFY leaves FAILURE out (NEVER included)
            Map<String, DeliveryStatus.PermFailed> told = wanted(e, failed, EnvelopeParams.Notify.FAILURE);
            if (!told.isEmpty()) notices.send(e, "bounce", (to, original) -> Bounce.failed(hostname, to, e.created(), e.params(), told, original, clock.instant()));
        }
        if (!relayed.isEmpty()) {
            notices.send(e, "relay notice", (to, original) -> Bounce.relayed(hostname, to, e.created(), e.params(), relayed, original, clock.instant()));
        }
        if (!remaining.isEmpty() && !e.delayNotified() && now.isAfter(e.created().plus(DELAY_NOTICE_AFTER))) {
            Map<String, DeliveryStatus.PermFailed> late = new LinkedHashMap<>();
            for (String r : remaining) {
                DeliveryStatus st = result.get(r);
                late.put(r, new DeliveryStatus.PermFailed(st instanceof DeliveryStatus.TempFailed t ? t.reason() : "not yet tried", null));
            }
            // RFC 3461 §4.1: only recipients whose NOTIFY names DELAY or is absent
            Map<String, DeliveryStatus.PermFailed> told = wanted(e, late, EnvelopeParams.Notify.DELAY);
            Instant until = e.created().plus(settings.maxAge());
            if (!told.isEmpty()) notices.send(e, "delay notice", (to, original) -> Bounce.delayed(hostname, to, e.created(), e.params(), told, original, clock.instant(), until));
            store.queue().markDelayNotified(e.id());
        }
        Optional<Instant> waiting = result.values().stream().filter(st -> st instanceof DeliveryStatus.Scheduled)
                .map(st -> ((DeliveryStatus.Scheduled) st).at()).min(Instant::compareTo);
        if (!expired && waiting.isPresent() && result.values().stream().allMatch(st -> st instanceof DeliveryStatus.Scheduled)) {
            // Nothing was tried: the hosts rest after failures or are busy. Not an attempt of this entry.
            // ...but no later than just past the give-up age, which then bounces it.
            Instant giveUp = e.created().plus(settings.maxAge()).plusMillis(1);
            Instant at = waiting.get().isAfter(giveUp) ? giveUp : waiting.get();
            store.queue().reschedule(e.id(), remaining, at, e.attempts(), e.lastError());
            return;
        }
        int attempts = e.attempts() + 1;
        Instant next = now.plus(backoff(settings, attempts));
        store.queue().reschedule(e.id(), remaining, next, attempts, lastError);
    }

    /** A bug or store failure must not turn into a retry every poll: back off as for a temporary failure. */
    void afterError(QueueEntry e, RuntimeException ex) {
        try {
            store.queue().reschedule(e.id(), e.recipients(), clock.instant().plus(backoff(settings, e.attempts() + 1)),
                    e.attempts() + 1, "internal error: " + ex);
        } catch (RuntimeException again) {
            LOG.log(Level.ERROR, "cannot reschedule queue entry " + e.id(), again);
        }
    }

    /** 1 min, 2, 4 … capped at 1 h, ±20 % so retries from many entries do not march in step. */
    static Duration backoff(QueueRunner.Settings settings, int attempts) {
        long base = settings.firstRetry().toMillis() << Math.min(20, attempts - 1);
        long capped = Math.min(base, settings.maxRetry().toMillis());
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis((long) (capped * jitter));
    }

    /** The recipients of {@code all} whose NOTIFY asks to hear of {@code n}. */
    private static <T> Map<String, T> wanted(QueueEntry e, Map<String, T> all, EnvelopeParams.Notify n) {
        Map<String, T> out = new LinkedHashMap<>();
        all.forEach((r, v) -> {
            if (e.params().recipient(r).wants(n)) out.put(r, v);
            else LOG.log(Level.INFO, "no " + n.name().toLowerCase(Locale.ROOT) + " notice for <" + r + "> of queue " + e.id() + ": NOTIFY " + e.params().recipient(r).notifyText());
        });
        return out;
    }
}
