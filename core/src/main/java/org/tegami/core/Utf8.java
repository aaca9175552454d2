package org.tegami.core;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Strict UTF-8 decoding for protocol input: malformed bytes are an error, never silently replaced. */
public final class Utf8 {
    private Utf8() {}

    /** The text of {@code bytes[from, to)}, or empty when it is not well-formed UTF-8. */
    public static Optional<String> decode(byte[] bytes, int from, int to) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    public static Optional<String> decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }
}
