package org.tegami.store;

/** A modification sequence (RFC 7162 §3.1.1); every mutation of a mailbox raises it. */
public record ModSeq(long value) {
    @Override
    public String toString() {
        return Long.toString(value);
    }
}
