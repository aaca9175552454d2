package org.tegami.imap.proto;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One FETCH response being built (RFC 9051 §7.5.2): {@code * seq FETCH (items)}, or under UIDONLY
 * {@code * uid UIDFETCH (items)} (RFC 9586 §3.3). Items are written in the order given, space-separated: text items
 * as {@code NAME value}, message octets as literals (a literal8 {@code ~{n}} when they hold a NUL, RFC 3516 §4.2).
 * Made by {@link ResponseEncoder#fetchResponse}, sent by {@link ResponseEncoder#send(FetchResponse)}.
 */
public final class FetchResponse {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    private int items;

    FetchResponse(String start) {
        write(start);
    }

    /** A text item: {@code name SP value}, the value already encoded (a number, a list, a quoted string). */
    public FetchResponse item(String name, String value) {
        separate();
        write(name);
        write(" ");
        write(value);
        return this;
    }

    /** {@code name NIL}: a section that does not exist (RFC 9051 §7.5.2). */
    public FetchResponse nil(String name) {
        return item(name, "NIL");
    }

    /** {@code name {n}CRLF} and the octets. */
    public FetchResponse literal(String name, byte[] data) {
        return literal(name, data, false);
    }

    /** The same, as a literal8 {@code ~{n}} when {@code binary} and the octets hold a NUL (RFC 3516 §4.2). */
    public FetchResponse literal(String name, byte[] data, boolean binary) {
        boolean nul = false;
        if (binary) for (byte b : data) nul |= b == 0;
        separate();
        write(name);
        write(nul ? " ~{" : " {");
        write(Integer.toString(data.length));
        write("}\r\n");
        out.writeBytes(data);
        return this;
    }

    /** Whether no item was added (then nothing is sent: there is no empty FETCH response). */
    public boolean isEmpty() {
        return items == 0;
    }

    byte[] toBytes() {
        write(")\r\n");
        return out.toByteArray();
    }

    private void separate() {
        if (items++ > 0) out.write(' ');
    }

    private void write(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
