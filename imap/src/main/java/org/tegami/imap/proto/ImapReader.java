package org.tegami.imap.proto;

import java.io.IOException;

/**
 * Where the parser pulls a command from: whole lines and literal bodies. The parser checks every literal's size
 * against {@link ImapLimits} before calling {@link #literal}, so an implementation only has to send the
 * continuation request for a synchronizing literal and read the octets.
 */
public interface ImapReader {

    /**
     * The next line without its CRLF.
     *
     * @throws ImapSyntaxException when the line exceeds the line limit (tag {@code *}, closing)
     * @throws java.io.EOFException when the connection ends first
     */
    byte[] line() throws IOException, ImapSyntaxException;

    /**
     * Reads a literal body already admitted by the parser; for a synchronizing literal ({@code nonSync} false)
     * first sends {@code + } continuation request (RFC 9051 §7.5). Memory grows with the octets that arrive, not
     * with {@code size}: a client may declare a literal and never send it.
     */
    byte[] literal(int size, boolean nonSync) throws IOException;

    /**
     * Claims room for {@code octets} of literal data held in memory until the command ends, before its "+" is
     * sent; false when the process or user already holds its share, and the literal must be refused.
     */
    default boolean reserve(long octets) {
        return true;
    }
}
