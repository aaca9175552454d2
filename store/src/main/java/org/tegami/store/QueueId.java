package org.tegami.store;

/** An entry of the outbound queue. */
public record QueueId(long value) {
    @Override
    public String toString() {
        return Long.toString(value);
    }
}
