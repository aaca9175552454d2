package org.tegami.queue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.EnvelopeParams;
import org.tegami.store.QueueEntry;
import org.tegami.store.Store;

/**
 * Sends the queue's own messages (DSNs: bounces, delay and relay notices) to an entry's sender: to a local user
 * through the {@link QueueRunner.LocalDeliverer} (their rules apply), to anyone else through the queue again.
 */
final class Notices {
    /** The queue's log lines keep one logger name (operators filter on it; the trace history shows it). */
    private static final Logger LOG = System.getLogger(QueueRunner.class.getName());

    /** Builds a notice for the sender {@code to} from the original message's text. */
    @FunctionalInterface
    interface NoticeBuilder {
        byte[] build(String to, InputStream original) throws IOException;
    }

    private final Store store;
    private final String hostname;
    private final InstantSource clock;
    private final Function<String, Optional<String>> bounceRoute;
    private final QueueRunner.LocalDeliverer localDeliverer;

    /**
     * @param bounceRoute   where a notice for a sender goes (see {@link QueueRunner#bounceRoute}); empty drops it
     * @param localDeliverer how a notice reaches a local user
     */
    Notices(Store store, String hostname, InstantSource clock, Function<String, Optional<String>> bounceRoute,
            QueueRunner.LocalDeliverer localDeliverer) {
        this.store = store;
        this.hostname = hostname;
        this.clock = clock;
        this.bounceRoute = bounceRoute;
        this.localDeliverer = localDeliverer;
    }

    /**
     * One DSN to the envelope sender; never for the null sender (RFC 5321 §6.1). It goes to the user who submitted
     * the message, even when the sender is an alias shared with others (they did not send it, and the DSN quotes it).
     */
    void send(QueueEntry e, String what, NoticeBuilder builder) {
        if (e.sender().isEmpty()) return;
        Optional<String> to = bounceRoute.apply(e.sender());
        if (to.isEmpty() || to.get().isEmpty()) {
            LOG.log(Level.WARNING, "no " + what + " for queue entry " + e.id() + ": its sender <" + e.sender() + "> leads nowhere");
            return;
        }
        String sender = to.get();
        try (InputStream original = EntryDelivery.body(store, e); BlobStore.BlobWriter w = store.blobs().create()) {
            byte[] dsn = builder.build(sender, original);
            w.stream().write(("Return-Path: <>\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            w.stream().write(dsn);
            BlobId blob = w.commit();
            Optional<Account> local = e.submitter().flatMap(id -> store.accounts().user(id));
            if (local.isEmpty()) local = localAccount(sender);
            if (local.isPresent()) {
                localDeliverer.deliver(blob, w.size(), local.get().id());
            } else {
                // Our own From: MAILER-DAEMON@hostname: signed only if the hostname is a domain of ours with keys.
                store.mail().deliver(new DeliveryRequest(blob, w.size(), clock.instant(), Set.of(),
                        Optional.of(new DeliveryRequest.Outbound("", List.of(sender), "Return-Path: <>\r\n".length(),
                                Optional.empty(), hostname).withParams(e.params().requireTls()
                                        // RFC 8689 §5: a notice about a REQUIRETLS message is sent under REQUIRETLS too
                                        ? EnvelopeParams.NONE.withTls(EnvelopeParams.Tls.REQUIRED) : EnvelopeParams.NONE))));
            }
        } catch (IOException | RuntimeException ex) {
            LOG.log(Level.ERROR, "could not create the " + what + " for queue entry " + e.id(), ex);
        }
    }

    /**
     * For entries without a submitter: the local user a sender address belongs to: itself, without +detail, or
     * the first user of its alias.
     */
    private Optional<Account> localAccount(String sender) {
        Optional<EmailAddress> a = EmailAddress.parse(sender);
        if (a.isEmpty() || !store.accounts().isLocalDomain(a.get().domain())) return Optional.empty();
        EmailAddress base = a.get().withoutDetail('+').orElse(a.get());
        Optional<Account> user = store.accounts().user(base);
        if (user.isPresent()) return user;
        return store.accounts().alias(base.key()).flatMap(al -> al.targets().stream()
                .map(EmailAddress::parse).flatMap(Optional::stream).map(t -> store.accounts().user(t))
                .flatMap(Optional::stream).findFirst());
    }
}
