package org.tegami.store;

import java.util.OptionalLong;

/**
 * A user's quota (RFC 9208 STORAGE in units of 1024 octets, and MESSAGE) with the current usage over all their
 * mailboxes. A resource without a limit is unlimited.
 */
public record Quota(OptionalLong storageKib, OptionalLong messages, long usedBytes, long usedMessages) {

    /** Usage in RFC 9208 STORAGE units (1024 octets), rounded up. */
    public long usedKib() {
        return (usedBytes + 1023) / 1024;
    }

    /** Whether {@code count} more messages of {@code bytes} octets in total still fit. */
    public boolean allows(long bytes, long count) {
        if (storageKib.isPresent() && usedBytes + bytes > storageKib.getAsLong() * 1024) return false;
        return messages.isEmpty() || usedMessages + count <= messages.getAsLong();
    }

    /** Whether the account is already at or over a limit, so that no message at all fits. */
    public boolean full() {
        return !allows(1, 1);
    }
}
