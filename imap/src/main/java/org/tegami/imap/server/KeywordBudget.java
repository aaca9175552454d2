package org.tegami.imap.server;

import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.tegami.imap.proto.ImapLimits;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;

/**
 * The keywords one command may still bring into one mailbox: each at most {@link ImapLimits#KEYWORD} characters,
 * and at most {@link ImapLimits#MAILBOX_KEYWORDS} in use there. The mailbox's keywords are read only when a keyword
 * new to this command comes along, since most messages carry system flags only.
 */
final class KeywordBudget {
    private final Supplier<Set<String>> load;
    private Set<String> inUse;

    private KeywordBudget(Supplier<Set<String>> load) {
        this.load = load;
    }

    /** The budget of {@code mb}: the session's view when it is the selected mailbox, else its messages' flags. */
    static KeywordBudget of(ImapSession s, Mailbox mb) {
        return new KeywordBudget(() -> {
            if (s.isSelected(mb.id())) return s.selection().orElseThrow().keywords();
            Set<String> out = new HashSet<>();
            for (MessageMeta m : s.env.store().mail().messages(mb.id())) {
                for (String f : m.flags()) if (!f.startsWith("\\")) out.add(f);
            }
            return out;
        });
    }

    /** Whether {@code flag} may be set: a system flag, or a keyword within both limits (then counted as in use). */
    boolean admit(String flag) {
        if (flag.startsWith("\\")) return true;
        if (flag.length() > ImapLimits.KEYWORD) return false;
        if (inUse == null) inUse = new HashSet<>(load.get());
        if (inUse.contains(flag)) return true;
        if (inUse.size() >= ImapLimits.MAILBOX_KEYWORDS) return false;
        inUse.add(flag);
        return true;
    }

    /**
     * Why STORE may not set {@code flags} (NO [LIMIT], RFC 9051 §7.1), if it may not: it refuses rather than drops,
     * as it answers with the flags each message has.
     */
    static Optional<String> refusal(Collection<String> flags, Supplier<Set<String>> inUse) {
        int added = 0;
        Set<String> known = null;
        for (String f : flags) {
            if (f.startsWith("\\")) continue;
            if (f.length() > ImapLimits.KEYWORD) {
                return Optional.of("Keywords are at most " + ImapLimits.KEYWORD + " characters");
            }
            if (known == null) known = inUse.get();
            if (!known.contains(f)) added++;
        }
        if (known != null && known.size() + added > ImapLimits.MAILBOX_KEYWORDS) {
            return Optional.of("At most " + ImapLimits.MAILBOX_KEYWORDS + " keywords in one mailbox");
        }
        return Optional.empty();
    }
}
