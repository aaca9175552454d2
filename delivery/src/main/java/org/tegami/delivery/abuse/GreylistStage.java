package org.tegami.delivery.abuse;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.tegami.delivery.InboundMessage;
import org.tegami.delivery.Outcome;
import org.tegami.delivery.Stage;
import org.tegami.store.AccountId;
import org.tegami.store.GreylistStore;
import org.tegami.store.GreylistStore.Entry;
import org.tegami.store.GreylistStore.Triple;

/**
 * Greylisting (RFC 6647): mail from a (client network, reverse-path, recipient) triple never seen is refused with
 * 451 4.7.1 "try again later"; a real MTA queues it and retries (RFC 5321 §4.5.4.1), and a retry at least
 * {@code delay} after the first attempt, and within {@link #RETRY_WINDOW}, passes. From then on the triple passes
 * at once for {@link #PASSED_LIFETIME} after its last use. The client network is the IPv4 /24 or IPv6 /64, so a
 * sender's pool of outbound hosts counts as one.
 *
 * <p>The decision is one per message, not per recipient: the pipeline runs after DATA, which has one reply for
 * all recipients (RFC 5321 §3.3), so a message passes only when every recipient's triple does; otherwise all are
 * refused alike and the retry passes them together (refusing some would send the sender a failure notice).
 *
 * <p>Exempt: mail from logged-in submitters. The null sender is greylisted like anyone: bounces come from MTAs
 * that queue and retry, and sender-verification callouts, which do not retry, end at RCPT and never reach this
 * stage. No exemption by earlier DMARC pass or by address range: simple to reason about, and RFC 6647 leaves such
 * lists to the operator (none exist yet).
 *
 * <p>State lives in the store ({@link GreylistStore}), so a restart forgets nothing; expired rows are pruned at
 * most once an hour, on the delivery path.
 */
public final class GreylistStage implements Stage {
    private static final Logger LOG = System.getLogger(GreylistStage.class.getName());
    /** How long after the first attempt a retry still counts; a later one starts over. */
    public static final Duration RETRY_WINDOW = Duration.ofHours(24);
    /** How long a triple that passed stays passed after it was last used. */
    public static final Duration PASSED_LIFETIME = Duration.ofDays(35);
    private static final Duration PRUNE_EVERY = Duration.ofHours(1);

    private final Object key = new Object();
    private final GreylistStore store;
    private final Duration delay;
    private final InstantSource clock;
    private final AtomicReference<Instant> lastPrune = new AtomicReference<>();

    public GreylistStage(GreylistStore store, Duration delay, InstantSource clock) {
        this.store = store;
        this.delay = delay;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "greylisting";
    }

    @Override
    public Outcome apply(InboundMessage message, AccountId recipient, Outcome.Deliver sofar) {
        if (message.submitter().isPresent()) return sofar;
        boolean pass = message.memo().get(key, () -> decide(message));
        return pass ? sofar : new Outcome.Refuse(451, "4.7.1", "Greylisted, try again later");
    }

    private boolean decide(InboundMessage message) {
        Instant now = clock.instant();
        prune(now);
        String network = network(message.clientIp());
        String sender = message.reversePath().toLowerCase(Locale.ROOT);
        List<Triple> triples = new ArrayList<>();
        List<Optional<Entry>> entries = new ArrayList<>();
        boolean pass = true;
        for (AccountId r : message.recipients()) {
            Triple t = new Triple(network, sender, r);
            Optional<Entry> e = store.entry(t).filter(x -> live(x, now));
            triples.add(t);
            entries.add(e);
            pass &= e.isPresent() && (e.get().passed() || !now.isBefore(e.get().firstSeen().plus(delay)));
        }
        for (int i = 0; i < triples.size(); i++) {
            Optional<Entry> e = entries.get(i);
            Instant first = e.map(Entry::firstSeen).orElse(now);
            store.put(triples.get(i), new Entry(first, now, pass || e.map(Entry::passed).orElse(false)));
        }
        if (!pass) {
            LOG.log(Level.INFO, () -> "greylisted " + network + " <" + sender + "> for " + message.recipients().size()
                    + " recipient(s)");
        }
        return pass;
    }

    /** Whether an entry still counts: pending within the retry window, or passed and used recently enough. */
    private static boolean live(Entry e, Instant now) {
        return e.passed() ? now.isBefore(e.lastSeen().plus(PASSED_LIFETIME)) : now.isBefore(e.firstSeen().plus(RETRY_WINDOW));
    }

    private void prune(Instant now) {
        Instant last = lastPrune.get();
        if (last != null && now.isBefore(last.plus(PRUNE_EVERY))) return;
        if (!lastPrune.compareAndSet(last, now)) return; // another delivery is pruning
        int n = store.prune(now.minus(RETRY_WINDOW), now.minus(PASSED_LIFETIME));
        if (n > 0) LOG.log(Level.DEBUG, () -> "greylisting pruned " + n + " expired triples");
    }

    /** The client's network as text: the /24 of an IPv4 address, the /64 of an IPv6 one. */
    static String network(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + ".0/24";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i += 2) sb.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
        return sb.append(":/64").toString();
    }

    /** For the startup summary. */
    public List<String> describe() {
        return List.of("greylisting on: first-time (network, sender, recipient) refused 451 4.7.1 until a retry after "
                + delay.toSeconds() + " s; passed triples kept " + PASSED_LIFETIME.toDays() + " days");
    }
}
