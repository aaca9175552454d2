package org.tegami.store;

/** A message UID within one mailbox (RFC 9051 §2.3.1.1); strictly ascending. */
public record Uid(long value) {
    @Override
    public String toString() {
        return Long.toString(value);
    }
}
