package org.tegami.delivery;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.tegami.delivery.forward.Forwarder;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.HeaderPrefix;
import org.tegami.store.Store;

/**
 * Turns the inbound pipeline's outcomes into what one {@link DeliveryRequest} stores, and does what the user's rules
 * leave for after the commit. Shared by every local delivery: SMTP (ports 25, 587, 465), the bounces the queue
 * generates, and mail collected from other accounts, so Sieve and the spam filter act the same on all of them.
 */
public final class LocalDelivery {
    private static final Logger LOG = System.getLogger(LocalDelivery.class.getName());

    private final Store store;
    private final Forwarder forwarder;
    private final Function<EmailAddress, Set<AccountId>> localAccounts;
    private final Predicate<String> localDomain;
    private final InstantSource clock;

    /**
     * @param forwarder     sends redirected copies on (SRS, ARC); null: remote redirects are kept for the user
     * @param localAccounts the accounts a local address delivers to (an alias may name several), empty for none
     * @param localDomain   whether a domain is one of ours
     */
    public LocalDelivery(Store store, Forwarder forwarder, Function<EmailAddress, Set<AccountId>> localAccounts,
                         Predicate<String> localDomain, InstantSource clock) {
        this.store = store;
        this.forwarder = forwarder;
        this.localAccounts = localAccounts;
        this.localDomain = localDomain;
        this.clock = clock;
    }

    /**
     * What to store and send for a message.
     *
     * @param recipients the copies to store
     * @param outbounds  the copies to queue (Sieve redirects)
     * @param refused    the recipients refused, with the reply
     * @param followups  per account, what to do after the commit ({@link #followUp})
     */
    public record Plan(List<DeliveryRequest.Recipient> recipients, List<DeliveryRequest.Outbound> outbounds,
                       Map<AccountId, Outcome.Refuse> refused, Map<AccountId, List<Outcome.Followup>> followups) {}

    /**
     * The plan for the pipeline's outcomes of {@code message}.
     *
     * @param skipBytes bytes at the start of the blob that are not sent on (our {@code Return-Path:} line)
     * @param badPrefix called with the account when a stage's header lines are refused by the store (then dropped)
     */
    public Plan plan(InboundMessage message, Map<AccountId, Outcome> outcomes, long skipBytes,
                     java.util.function.Consumer<AccountId> badPrefix) {
        List<DeliveryRequest.Recipient> local = new ArrayList<>();
        List<DeliveryRequest.Outbound> outbounds = new ArrayList<>();
        Map<AccountId, Outcome.Refuse> refused = new LinkedHashMap<>();
        Map<AccountId, List<Outcome.Followup>> followups = new LinkedHashMap<>();
        for (Map.Entry<AccountId, Outcome> o : outcomes.entrySet()) {
            switch (o.getValue()) {
                case Outcome.Deliver d -> {
                    HeaderPrefix p;
                    try {
                        p = HeaderPrefix.of(d.headers());
                    } catch (IllegalArgumentException e) {
                        badPrefix.accept(o.getKey());
                        p = HeaderPrefix.NONE;
                    }
                    for (Outcome.Copy c : d.copies()) {
                        local.add(recipient(o.getKey(), c.target(), c.flags(), p, c.edit()));
                    }
                    if (d.rules().isPresent()) {
                        redirect(message, o.getKey(), d, p, skipBytes, local, outbounds);
                        followups.put(o.getKey(), d.rules().get().followups());
                    }
                }
                case Outcome.Refuse r -> refused.put(o.getKey(), r);
            }
        }
        return new Plan(local, outbounds, refused, followups);
    }

    /**
     * One stored copy: the shared blob with the stages' lines ({@code p}) and the edit's added fields in front, or the
     * edit's own blob (RFC 5293: the stages' lines are already in its header).
     */
    private static DeliveryRequest.Recipient recipient(AccountId account, DeliveryRequest.Target target, Set<String> flags,
                                                       HeaderPrefix p, Outcome.Edit edit) {
        return switch (edit) {
            case Outcome.Edit.Rewritten r -> new DeliveryRequest.Recipient(account, target, flags, HeaderPrefix.NONE,
                    Optional.of(r.own()));
            case Outcome.Edit.Prefix x -> {
                HeaderPrefix q = p;
                if (!x.fields().isEmpty()) {
                    try {
                        q = HeaderPrefix.of(x.fields()).plus(p);
                    } catch (IllegalArgumentException e) {
                        LOG.log(Level.WARNING, "editheader fields for account " + account + " not stored: " + e.getMessage());
                    }
                }
                yield new DeliveryRequest.Recipient(account, target, flags, q, Optional.empty());
            }
        };
    }

    /**
     * Sieve {@code redirect} (RFC 5228 §4.2): a local address gets a copy in its INBOX (its own rules do not run
     * again, so two users' redirects cannot chase each other); a remote one goes through the forwarder as the user's
     * forward (SRS, ARC, loop checks, the hourly limit). A redirect the forwarder refuses (a loop, mail DMARC says to
     * reject) or that names nobody keeps a copy for the user instead: nothing is lost to a redirect.
     */
    private void redirect(InboundMessage m, AccountId account, Outcome.Deliver d, HeaderPrefix p, long skipBytes,
                          List<DeliveryRequest.Recipient> local, List<DeliveryRequest.Outbound> outbounds) {
        Optional<EmailAddress> user = store.accounts().user(account).map(Account::address);
        for (Outcome.Redirect rd : d.rules().get().redirects()) {
            String target = rd.address();
            Optional<EmailAddress> to = EmailAddress.parse(target);
            boolean done = false;
            if (to.isPresent() && user.isPresent()) {
                if (localDomain.test(to.get().domain())) {
                    Set<AccountId> accounts = localAccounts.apply(to.get());
                    for (AccountId a : accounts) local.add(recipient(a, DeliveryRequest.Target.INBOX, Set.of(), p, rd.edit()));
                    done = !accounts.isEmpty();
                } else if (forwarder != null) {
                    Optional<Forwarder.Sent> sent = sent(rd.edit(), skipBytes);
                    if (sent.isPresent()) {
                        switch (forwarder.forward(m, user.get(), "sieve:" + account.value(), List.of(to.get().toString()),
                                sent.get())) {
                            case Forwarder.Result.Queue q -> {
                                outbounds.add(q.outbound());
                                done = true;
                            }
                            case Forwarder.Result.Refused x -> LOG.log(Level.INFO, "Sieve redirect of " + user.get() + " to "
                                    + target + " refused: " + x.refuse().text());
                        }
                    }
                }
            }
            if (!done) {
                LOG.log(Level.INFO, "Sieve redirect of account " + account + " to '" + target + "' not possible; kept in the INBOX");
                local.add(recipient(account, DeliveryRequest.Target.INBOX, d.flags(), p, rd.edit()));
            }
        }
    }

    /**
     * What a remote redirect sends (RFC 5293 §7: the message with the header as it was when the redirect ran): the
     * shared blob after our Return-Path line, with the fields the script added at the top in front; or a blob of its
     * own with the edited header, without the stages' lines and our Return-Path line (they are for local copies).
     * Empty when that blob could not be written: the user then keeps the copy.
     */
    private Optional<Forwarder.Sent> sent(Outcome.Edit edit, long skipBytes) {
        return switch (edit) {
            case Outcome.Edit.Prefix x -> Optional.of(Forwarder.Sent.shared(skipBytes, x.fields()));
            case Outcome.Edit.Rewritten r -> r.forRemote().apply(skipBytes)
                    .map(o -> Forwarder.Sent.own(o, () -> store.blobs().open(o.blob())));
        };
    }

    /**
     * What the user's rules leave for after the delivery: vacation replies queued from {@code <>} (RFC 5230 §5.1),
     * notices stored in the user's INBOX, marks recorded. The message is already stored (and acknowledged), so a
     * failure here is logged, not answered.
     */
    public void followUp(Map<AccountId, List<Outcome.Followup>> followups) {
        followups.forEach(this::followUp);
    }

    private void followUp(AccountId account, List<Outcome.Followup> list) {
        for (Outcome.Followup f : list) {
            try {
                switch (f) {
                    case Outcome.Followup.Reply r -> org.tegami.store.GeneratedMail.queue(store, r.message(), r.to(),
                            r.dkimDomain(), Optional.of(account), clock.instant());
                    case Outcome.Followup.Notice n -> {
                        try (BlobStore.BlobWriter w = store.blobs().create()) {
                            w.stream().write(n.message());
                            BlobId b = w.commit();
                            store.mail().deliver(new DeliveryRequest(b, w.size(), clock.instant(), Set.of(account), Optional.empty()));
                        }
                    }
                    case Outcome.Followup.AfterCommit a -> a.action().run();
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.ERROR, "follow-up of the user rules of account " + account + " failed", e);
            }
        }
    }
}
