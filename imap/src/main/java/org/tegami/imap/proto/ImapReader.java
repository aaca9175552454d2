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
     * first sends {@code + } continuation request (RFC 9051 §7.5).
     */
    byte[] literal(int size, boolean nonSync) throws IOException;
}
