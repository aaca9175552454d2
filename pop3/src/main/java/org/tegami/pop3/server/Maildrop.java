package org.tegami.pop3.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.tegami.store.BlobStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Uid;

/**
 * The INBOX as one POP3 session sees it: a snapshot taken at login, numbered from 1 in UID order, with the
 * deletion marks that take effect only in the UPDATE state (RFC 1939 §6).
 */
final class Maildrop {
    final Mailbox mailbox;
    private final List<MessageMeta> messages;
    private final BitSet deleted = new BitSet();

    Maildrop(Mailbox mailbox, List<MessageMeta> messages) {
        this.mailbox = mailbox;
        this.messages = List.copyOf(messages);
    }

    int count() {
        return messages.size();
    }

    /** The message with this 1-based number, or null when out of range or marked deleted. */
    MessageMeta get(int number) {
        if (number < 1 || number > messages.size() || deleted.get(number - 1)) return null;
        return messages.get(number - 1);
    }

    boolean exists(int number) {
        return number >= 1 && number <= messages.size();
    }

    void delete(int number) {
        deleted.set(number - 1);
    }

    void undeleteAll() {
        deleted.clear();
    }

    int liveCount() {
        return messages.size() - deleted.cardinality();
    }

    long liveOctets() {
        return IntStream.range(0, messages.size()).filter(i -> !deleted.get(i)).mapToLong(i -> messages.get(i).size()).sum();
    }

    Set<Uid> deletedUids() {
        return deleted.stream().mapToObj(i -> messages.get(i).uid()).collect(Collectors.toUnmodifiableSet());
    }

    /** Stable for the life of the message, unique in the mailbox: UIDVALIDITY and UID (RFC 1939 §7 UIDL). */
    String uidl(MessageMeta m) {
        return String.format("%08x%08x", mailbox.uidValidity(), m.uid().value());
    }

    /**
     * Sends a message (or its headers and first {@code bodyLines} lines, for TOP) byte-stuffed (RFC 1939 §3),
     * followed by the terminating {@code .CRLF}.
     */
    static void send(BlobStore blobs, MessageMeta m, int bodyLines, OutputStream out) throws IOException {
        byte[] buf = new byte[16 * 1024];
        byte[] o = new byte[2 * buf.length + 8]; // worst case: every byte a stuffed dot
        boolean lineStart = true;
        boolean inBody = false;
        int lineLength = 0; // to spot the empty line that ends the headers
        int linesLeft = bodyLines;
        try (InputStream in = blobs.open(m.content())) {
            outer:
            for (int n; (n = in.read(buf)) > 0; ) {
                int k = 0;
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (lineStart && inBody && bodyLines >= 0 && linesLeft-- <= 0) {
                        out.write(o, 0, k);
                        break outer;
                    }
                    if (lineStart && b == '.') o[k++] = '.';
                    o[k++] = b;
                    if (b == '\n') {
                        if (!inBody && lineLength <= 1) inBody = true; // CRLF alone ends the headers
                        lineStart = true;
                        lineLength = 0;
                    } else {
                        lineStart = false;
                        lineLength++;
                    }
                }
                out.write(o, 0, k);
            }
        }
        if (!lineStart) out.write(new byte[] {'\r', '\n'});
        out.write(new byte[] {'.', '\r', '\n'});
    }
}
