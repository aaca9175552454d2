package org.tegami.managesieve.proto;

import java.util.Optional;

/** Every ManageSieve command (RFC 5804 §2), with its arguments decoded from UTF-8. */
public sealed interface ManageSieveCommand {

    /** RFC 5804 §2.1; the mechanism as sent (compare case-insensitively). */
    record Authenticate(String mechanism, Optional<String> initialResponse) implements ManageSieveCommand {}

    /** RFC 5804 §2.2. */
    record StartTls() implements ManageSieveCommand {}

    /** RFC 5804 §2.3. */
    record Logout() implements ManageSieveCommand {}

    /** RFC 5804 §2.4. */
    record Capability() implements ManageSieveCommand {}

    /** RFC 5804 §2.5: would a script of {@code size} octets named {@code name} fit? */
    record HaveSpace(String name, long size) implements ManageSieveCommand {}

    /** RFC 5804 §2.6. */
    record PutScript(String name, String script) implements ManageSieveCommand {}

    /** RFC 5804 §2.7. */
    record ListScripts() implements ManageSieveCommand {}

    /** RFC 5804 §2.8: the empty name deactivates. */
    record SetActive(String name) implements ManageSieveCommand {}

    /** RFC 5804 §2.9. */
    record GetScript(String name) implements ManageSieveCommand {}

    /** RFC 5804 §2.10. */
    record DeleteScript(String name) implements ManageSieveCommand {}

    /** RFC 5804 §2.11.1. */
    record RenameScript(String from, String to) implements ManageSieveCommand {}

    /** RFC 5804 §2.12. */
    record CheckScript(String script) implements ManageSieveCommand {}

    /** RFC 5804 §2.13: the tag, when given, is echoed in a TAG response code. */
    record Noop(Optional<String> tag) implements ManageSieveCommand {}

    /** RFC 5804 §2.14. */
    record Unauthenticate() implements ManageSieveCommand {}
}
