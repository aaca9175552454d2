package org.tegami.store;

import java.util.List;

/**
 * An alias: mail to {@code source} goes to each target. {@code source} is a folded address key
 * ({@code sales@example.com}) or a catch-all for a domain ({@code @example.com}).
 */
public record Alias(String source, List<String> targets) {
    public Alias {
        targets = List.copyOf(targets);
    }

    public boolean isCatchAll() {
        return source.startsWith("@");
    }
}
