package org.tegami.store.jdbc;

import java.util.Optional;
import java.util.Set;
import org.tegami.store.ClassifierStore.Verdict;
import org.tegami.store.Mailbox;

/**
 * What a user's action says about a message, for the spam classifier (ADR 0008). The rule, in full:
 * <ul>
 *   <li>moved or copied into the account's {@code \Junk} mailbox from any other: spam;</li>
 *   <li>out of {@code \Junk} into any mailbox but {@code \Trash}: ham (the user reversed a verdict);</li>
 *   <li>out of the INBOX into any mailbox but {@code \Junk} and {@code \Trash}: ham (the user keeps it: archived);</li>
 *   <li>the keyword {@code $Junk} set: spam; {@code $NotJunk} set: ham (RFC 9051 §2.3.2 keywords that Thunderbird
 *       and Apple Mail set from their junk buttons);</li>
 *   <li>{@code \Answered} set outside {@code \Junk}: ham (the user replied to it).</li>
 * </ul>
 * Deleting and reading alone teach nothing.
 */
public final class Learning {
    private static final String JUNK = "\\Junk";
    private static final String TRASH = "\\Trash";

    private Learning() {}

    public static Optional<Verdict> fromCopy(Mailbox source, Mailbox target) {
        boolean fromJunk = is(source, JUNK);
        boolean toJunk = is(target, JUNK);
        boolean toTrash = is(target, TRASH);
        if (toJunk && !fromJunk) return Optional.of(Verdict.SPAM);
        if (fromJunk && !toJunk && !toTrash) return Optional.of(Verdict.HAM);
        if (source.name().equals(Mailbox.INBOX) && !toJunk && !toTrash && !fromJunk) return Optional.of(Verdict.HAM);
        return Optional.empty();
    }

    public static Optional<Verdict> fromFlags(Mailbox mailbox, Set<String> before, Set<String> after) {
        if (added("$Junk", before, after)) return Optional.of(Verdict.SPAM);
        if (added("$NotJunk", before, after)) return Optional.of(Verdict.HAM);
        if (added("\\Answered", before, after) && !is(mailbox, JUNK)) return Optional.of(Verdict.HAM);
        return Optional.empty();
    }

    private static boolean added(String flag, Set<String> before, Set<String> after) {
        return after.stream().anyMatch(flag::equalsIgnoreCase) && before.stream().noneMatch(flag::equalsIgnoreCase);
    }

    private static boolean is(Mailbox m, String specialUse) {
        return m.specialUse().map(specialUse::equalsIgnoreCase).orElse(false);
    }
}
