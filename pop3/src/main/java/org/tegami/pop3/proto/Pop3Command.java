package org.tegami.pop3.proto;

import java.util.Optional;

/** Every POP3 command the server understands (RFC 1939 §§4–7, RFC 2449, RFC 2595, RFC 5034, RFC 6856). */
public sealed interface Pop3Command {
    record User(String name) implements Pop3Command {}

    record Pass(String password) implements Pop3Command {}

    record Stat() implements Pop3Command {}

    /** {@code message} empty: list all. */
    record List(Optional<Integer> message) implements Pop3Command {}

    record Retr(int message) implements Pop3Command {}

    record Dele(int message) implements Pop3Command {}

    record Noop() implements Pop3Command {}

    record Rset() implements Pop3Command {}

    record Quit() implements Pop3Command {}

    /** RFC 1939 §7: headers, the blank line and the first {@code lines} body lines. */
    record Top(int message, int lines) implements Pop3Command {}

    record Uidl(Optional<Integer> message) implements Pop3Command {}

    /** RFC 2449 §5. */
    record Capa() implements Pop3Command {}

    /** RFC 2595 §4. */
    record Stls() implements Pop3Command {}

    /** RFC 5034 §4; no mechanism means "list the mechanisms". */
    record Auth(Optional<String> mechanism, Optional<String> initialResponse) implements Pop3Command {}

    /** RFC 6856 §2. */
    record Utf8() implements Pop3Command {}
}
