package org.tegami.delivery.spam;

import java.util.OptionalDouble;

/**
 * The {@code [spam]} settings.
 *
 * @param enabled     classify at all (GTUBE is refused either way)
 * @param junkScore   at or above this score a message goes to the recipient's Junk mailbox
 * @param rejectScore at or above this score it is refused with 550 5.7.1; empty (the default) never refuses
 * @param learning    learn from the users' moves into and out of Junk
 */
public record SpamSettings(boolean enabled, double junkScore, OptionalDouble rejectScore, boolean learning) {
    public static final SpamSettings DEFAULTS = new SpamSettings(true, 0.9, OptionalDouble.empty(), true);

    public SpamSettings {
        if (!(junkScore > 0 && junkScore <= 1)) throw new IllegalArgumentException("junk_score must be in (0, 1]");
        if (rejectScore.isPresent() && !(rejectScore.getAsDouble() >= junkScore && rejectScore.getAsDouble() <= 1)) {
            throw new IllegalArgumentException("reject_score must be between junk_score and 1");
        }
    }
}
