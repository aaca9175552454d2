package org.tegami.store;

/** An account (one user) in the store. */
public record AccountId(long value) {
    @Override
    public String toString() {
        return Long.toString(value);
    }
}
