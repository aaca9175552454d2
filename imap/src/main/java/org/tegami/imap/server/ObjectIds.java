package org.tegami.imap.server;

import org.tegami.store.BlobId;
import org.tegami.store.Mailbox;

/**
 * Object ids (RFC 8474): a mailbox's is built from its UIDVALIDITY, which this store never reuses and keeps across
 * RENAME; a message's from its content hash, so it survives COPY and MOVE (identical messages share it, which
 * §5.1 allows).
 */
final class ObjectIds {
    private ObjectIds() {}

    static String mailbox(Mailbox mb) {
        return "F" + mb.uidValidity();
    }

    static String email(BlobId blob) {
        return "M" + blob.hex().substring(0, 24);
    }
}
