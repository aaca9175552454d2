package org.tegami.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Queues a message the server itself makes (an aggregate report, a vacation reply) from the null reverse-path
 * (RFC 3834 §3.3: automatic messages are not answered, so a failing one never bounces back and forth), DKIM-signed
 * for {@code dkimDomain} when it is one of ours with keys. The blob starts with the local {@code Return-Path: <>}
 * line, which the queue does not send.
 */
public final class GeneratedMail {
    private static final byte[] RETURN_PATH = "Return-Path: <>\r\n".getBytes(StandardCharsets.US_ASCII);

    private GeneratedMail() {}

    /** @param submitter the user it is sent for (a vacation reply), or empty (the server's own) */
    public static void queue(Store store, byte[] message, String to, String dkimDomain, Optional<AccountId> submitter,
                             Instant now) {
        try (BlobStore.BlobWriter w = store.blobs().create()) {
            w.stream().write(RETURN_PATH);
            w.stream().write(message);
            BlobId blob = w.commit();
            store.mail().deliver(new DeliveryRequest(blob, w.size(), now, Set.of(), Optional.of(
                    new DeliveryRequest.Outbound("", List.of(to), RETURN_PATH.length, submitter, dkimDomain))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
