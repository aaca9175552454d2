package org.tegami.store;

/** A mailbox, unique across accounts. */
public record MailboxId(long value) {
    @Override
    public String toString() {
        return Long.toString(value);
    }
}
