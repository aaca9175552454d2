package org.tegami.sieve;

import java.util.List;
import java.util.Optional;

/**
 * What a script can see of the message being delivered. {@link RawSieveMessage} builds one from the raw bytes;
 * the delivery agent may implement it over its own parsed message. Implementations must bound what they read.
 */
public interface SieveMessage {

    /** Every header field of the message, in order, repeated fields included. */
    List<HeaderField> headers();

    /**
     * An envelope part (RFC 5228 §5.4): {@code "from"} (the reverse-path without angle brackets, {@code ""} for
     * the null sender), {@code "to"} (the recipient this delivery is for), or an extension part such as
     * {@code "orig-to"}; empty when the part is unknown.
     */
    Optional<String> envelope(String part);

    /** The message size in octets (RFC 5228 §5.9). */
    long size();

    /** The body as the {@code body} test sees it (RFC 5173); called only by scripts that use that test. */
    Body body();

    /**
     * The message body for RFC 5173.
     *
     * @param raw   the undecoded body (after the header section), at most the adapter's byte bound, as ISO-8859-1
     *              text so every octet is one character
     * @param parts every leaf MIME part in order (a non-MIME message is one {@code text/plain} part)
     */
    record Body(String raw, List<Part> parts) {}

    /**
     * A leaf MIME part.
     *
     * @param contentType lower-case {@code type/subtype}, defaulted as RFC 2045 §5.2 says
     * @param text        the part decoded (transfer encoding and charset), or {@code null} when not text
     */
    record Part(String contentType, String text) {}
}
