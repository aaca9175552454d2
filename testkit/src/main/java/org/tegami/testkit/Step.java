package org.tegami.testkit;

import java.util.List;

/** One executable line (or block) of a wire transcript; {@code line} is its 1-based source line. */
public sealed interface Step {

    int line();

    /** {@code C:} sends {@code text} (after substituting {@code {name}}) followed by CRLF. */
    record Send(int line, String text) implements Step {}

    /** {@code C-RAW:} sends the unescaped bytes of {@code text} exactly, with no CRLF added. */
    record SendRaw(int line, String text) implements Step {}

    /** {@code S:} (exact, with placeholders) or {@code S~} (whole-line Java regex). */
    record Expect(int line, String text, boolean regex) implements Step {}

    /** {@code UNORDERED:} ... {@code END}: the expected lines arrive in any order. */
    record Unordered(int line, List<Expect> lines) implements Step {
        public Unordered {
            lines = List.copyOf(lines);
        }
    }

    /** {@code TLS}: the client starts a TLS handshake on the current connection. */
    record StartTls(int line) implements Step {}

    /** {@code SESSION: name [port=listener]}: opens or switches to a named connection. */
    record Session(int line, String name, String port) implements Step {}

    /** {@code CLOSE: name}: the client closes (drops) that session's connection. */
    record Close(int line, String name) implements Step {}

    /** {@code CLOSED}: the server must close the connection (EOF) within the read timeout. */
    record Closed(int line) implements Step {}

    /**
     * {@code ADMIN: words}: something an operator or the world does meanwhile (add or remove a user, deliver mail,
     * wait), carried out by the test's {@link TranscriptRunner.Admin}.
     */
    record Admin(int line, String command) implements Step {}
}
