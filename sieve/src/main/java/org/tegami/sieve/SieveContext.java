package org.tegami.sieve;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * What the delivery agent provides to a running script. Every method has a default that behaves as "nothing
 * there", so tests and simple integrations implement only what they need. Calls happen on the evaluating thread
 * and must not block for long.
 */
public interface SieveContext {

    /** Where an included script lives (RFC 6609 §3.2). */
    enum Location { PERSONAL, GLOBAL }

    /** The source of a script for {@code include} (RFC 6609), or empty when there is no such script. */
    default Optional<String> script(Location location, String name) {
        return Optional.empty();
    }

    /**
     * Whether {@code id} was already recorded under {@code handle} and not expired (RFC 7352 §3). Only a check:
     * the ids to record when the delivery succeeds are in {@link Result#duplicateMarks()}.
     */
    default boolean duplicateSeen(String handle, String id) {
        return false;
    }

    /** Whether the user has this mailbox (RFC 5490 §3.1); the name is as the script wrote it. */
    default boolean mailboxExists(String name) {
        return false;
    }

    /**
     * An environment item (RFC 5183 §3). The defaults answer {@code location} "MDA", {@code phase} "during",
     * {@code name} "Tegami", {@code version} and {@code domain}/{@code host} from {@link #hostname()}.
     */
    default Optional<String> environment(String item) {
        return switch (item) {
            case "location" -> Optional.of("MDA");
            case "phase" -> Optional.of("during");
            case "name" -> Optional.of("Tegami");
            case "version" -> Optional.of(Sieve.VERSION);
            case "host" -> hostname();
            case "domain" -> hostname().map(h -> h.indexOf('.') > 0 ? h.substring(h.indexOf('.') + 1) : h);
            default -> Optional.empty();
        };
    }

    /** This server's host name, for the {@code host} and {@code domain} environment items. */
    default Optional<String> hostname() {
        return Optional.empty();
    }

    /**
     * The spam classifier's verdict as a fraction from 0 (certainly ham) to 1 (certainly spam), empty when the
     * message was not classified (RFC 5235 §3.2 "not tested").
     */
    default OptionalDouble spamScore() {
        return OptionalDouble.empty();
    }

    /** The virus scanner's verdict 1..5 as RFC 5235 §3.3 defines them, empty when not scanned. */
    default OptionalInt virusLevel() {
        return OptionalInt.empty();
    }

    /** The clock for {@code currentdate}, and its zone as the user's local zone (RFC 5260 §5). */
    default Clock clock() {
        return Clock.systemDefaultZone();
    }

    /** The current time in the user's zone. */
    default ZonedDateTime now() {
        Clock c = clock();
        return ZonedDateTime.now(c);
    }

    /** The user's own addresses, for vacation's "is this mail addressed to me" check (RFC 5230 §4.5). */
    default List<String> userAddresses() {
        return List.of();
    }
}
