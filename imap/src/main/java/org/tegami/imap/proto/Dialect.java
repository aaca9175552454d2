package org.tegami.imap.proto;

/**
 * What the client has enabled, which changes how responses are written: IMAP4rev2 (RFC 9051) or IMAP4rev1
 * (RFC 3501), UTF8=ACCEPT (RFC 6855), CONDSTORE and QRESYNC (RFC 7162), UIDONLY (RFC 9586).
 */
public record Dialect(boolean rev2, boolean utf8Accept, boolean condstore, boolean qresync, boolean uidOnly) {
    /** A new connection: IMAP4rev1 until ENABLE says otherwise. */
    public static final Dialect REV1 = new Dialect(false, false, false, false, false);

    /** UTF-8 in quoted strings and mailbox names: IMAP4rev2 (RFC 9051 §6.3.1) or UTF8=ACCEPT (RFC 6855 §3). */
    public boolean utf8() {
        return rev2 || utf8Accept;
    }

    /** The same with CONDSTORE enabled (RFC 7162 §3.1: by ENABLE or by a CONDSTORE enabling command). */
    public Dialect withCondstore() {
        return new Dialect(rev2, utf8Accept, true, qresync, uidOnly);
    }
}
