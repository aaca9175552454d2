package org.tegami.delivery;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.tegami.store.AccountId;
import org.tegami.store.BlobId;

/**
 * One message on its way to local mailboxes, as the pipeline's stages see it: the SMTP envelope, the committed blob
 * it was written to (read it through {@link #bytes()}, never whole: it may be 50 MiB) and its bounded header section
 * ({@link #header()}).
 *
 * @param clientIp       the connecting client's address
 * @param helo           what the client said in HELO/EHLO
 * @param reversePath    MAIL FROM, empty for the null sender {@code <>}
 * @param recipients     the local accounts it is for, each once
 * @param tls            whether the session was under TLS
 * @param submitter      the authenticated user who submitted it (submission to local users), or empty (port 25)
 * @param blob           the committed blob (trace headers included)
 * @param size           its size in bytes
 * @param bytes          opens the blob's first bytes, up to a bound the caller chose
 */
public record InboundMessage(InetAddress clientIp, String helo, String reversePath, List<AccountId> recipients,
                             boolean tls, Optional<AccountId> submitter, BlobId blob, long size, BlobBytes bytes,
                             Memo memo) {
    public InboundMessage {
        recipients = List.copyOf(recipients);
    }

    public InboundMessage(InetAddress clientIp, String helo, String reversePath, List<AccountId> recipients, boolean tls,
                          Optional<AccountId> submitter, BlobId blob, long size, BlobBytes bytes) {
        this(clientIp, helo, reversePath, recipients, tls, submitter, blob, size, bytes, new Memo());
    }

    /** The most bytes {@link #header()} returns. */
    public static final int MAX_HEADER = 256 * 1024;

    private static final Object HEADER = new Object();

    /**
     * The header section (trace fields included), up to and including the empty line that ends it, at most
     * {@value #MAX_HEADER} bytes (a longer one is cut); read once per message. For the parsed fields, give it to
     * {@code org.tegami.mime.message.MessageText#readable}.
     */
    public byte[] header() {
        return memo.get(HEADER, () -> {
            byte[] head;
            try {
                head = bytes.head(MAX_HEADER);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            for (int i = 0; i + 3 < head.length; i++) {
                if (head[i] == '\r' && head[i + 1] == '\n' && head[i + 2] == '\r' && head[i + 3] == '\n') {
                    return java.util.Arrays.copyOf(head, i + 4);
                }
            }
            return head;
        });
    }

    /** The message's bytes: its start, or the whole of it as a stream. */
    @FunctionalInterface
    public interface BlobBytes {
        /** The start of the message, at most {@code max} bytes. */
        byte[] head(int max) throws java.io.IOException;

        /** The whole message as a stream, read once (it may be 50 MiB: never read it whole into memory). */
        default java.io.InputStream open() throws java.io.IOException {
            return new java.io.ByteArrayInputStream(head(Integer.MAX_VALUE));
        }
    }

    /**
     * What stages compute once per message and share across recipients and stages (the tokens, the authentication
     * results), keyed by a stage's own key object. Thread-safe.
     */
    public static final class Memo {
        private final ConcurrentHashMap<Object, Object> values = new ConcurrentHashMap<>();

        @SuppressWarnings("unchecked")
        public <T> T get(Object key, Supplier<T> compute) {
            return (T) values.computeIfAbsent(key, k -> compute.get());
        }

        @SuppressWarnings("unchecked")
        public <T> Optional<T> peek(Object key) {
            return Optional.ofNullable((T) values.get(key));
        }

        public void put(Object key, Object value) {
            values.put(key, value);
        }
    }
}
