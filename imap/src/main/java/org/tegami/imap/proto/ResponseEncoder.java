package org.tegami.imap.proto;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Writes server responses (RFC 9051 §7) as the client's {@link Dialect} requires: status responses with their
 * {@link ResponseCode}, and the typed data responses (FLAGS, EXISTS, EXPUNGE, VANISHED, LIST, STATUS, ESEARCH,
 * SEARCH, SORT, FETCH, ENABLED, CAPABILITY). Mailbox names are encoded here: modified UTF-7 for IMAP4rev1 clients,
 * UTF-8 once they enabled it (RFC 9051 §5.1, RFC 6855 §3).
 *
 * <p>Each response is built in one reused buffer and written whole under the writer lock, so responses from
 * different threads (a command, IDLE and NOTIFY updates, progress notifications) never interleave. Text that came
 * from anywhere but this class's own constants goes through {@link #oneLine}: a CR or LF in it would let a
 * client-supplied string inject a response.
 */
public final class ResponseEncoder {
    /** The buffer shrinks back to this after a response larger than it. */
    private static final int KEEP = 8 * 1024;
    private static final char DELIMITER = '/';

    private final Supplier<OutputStream> output;
    private final Object lock;
    private final StringBuilder sb = new StringBuilder(256);
    private byte[] bytes = new byte[512];
    private volatile Dialect dialect = Dialect.REV1;

    /**
     * @param output where the responses go (the connection's buffered output, which changes after STARTTLS and
     *               COMPRESS)
     * @param lock   held while a response is written, shared with anything else that writes to the output
     */
    public ResponseEncoder(Supplier<OutputStream> output, Object lock) {
        this.output = output;
        this.lock = lock;
    }

    public Dialect dialect() {
        return dialect;
    }

    public void dialect(Dialect d) {
        dialect = d;
    }

    // --- status responses (RFC 9051 §7.1) ---------------------------------------------------------------------

    public void ok(String tag, String text) throws IOException {
        status(tag, ImapResponse.Status.OK, null, text);
    }

    public void ok(String tag, ResponseCode code, String text) throws IOException {
        status(tag, ImapResponse.Status.OK, code, text);
    }

    public void no(String tag, String text) throws IOException {
        status(tag, ImapResponse.Status.NO, null, text);
    }

    public void no(String tag, ResponseCode code, String text) throws IOException {
        status(tag, ImapResponse.Status.NO, code, text);
    }

    public void bad(String tag, String text) throws IOException {
        status(tag, ImapResponse.Status.BAD, null, text);
    }

    public void bad(String tag, ResponseCode code, String text) throws IOException {
        status(tag, ImapResponse.Status.BAD, code, text);
    }

    /** An untagged status response such as {@code * OK [UIDNEXT 4] Predicted next UID}; {@code code} may be null. */
    public void untagged(ImapResponse.Status status, ResponseCode code, String text) throws IOException {
        status(ImapResponse.UNTAGGED, status, code, text);
    }

    /** RFC 9051 §7.1.5: the server is closing the connection. */
    public void bye(String text) throws IOException {
        status(ImapResponse.UNTAGGED, ImapResponse.Status.BYE, null, text);
    }

    public void bye(ResponseCode code, String text) throws IOException {
        status(ImapResponse.UNTAGGED, ImapResponse.Status.BYE, code, text);
    }

    /** A status response decided before it was sent (a refusal carried through a multi-step command). */
    public void send(ImapResponse r) throws IOException {
        status(r.tag(), r.status(), r.code().orElse(null), r.text());
    }

    private void status(String tag, ImapResponse.Status status, ResponseCode code, String text) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append(tag).append(' ').append(status.name());
            if (code != null) {
                sb.append(" [");
                int from = sb.length();
                code.appendTo(sb);
                oneLine(from);
                sb.append(']');
            }
            if (!text.isEmpty()) {
                sb.append(' ');
                int from = sb.length();
                sb.append(text);
                oneLine(from);
            }
            end();
        }
    }

    /** RFC 9051 §7.5 continuation request: {@code "+" SP (resp-text / base64)}, the space even before nothing. */
    public void continuation(String text) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append("+ ");
            int from = sb.length();
            sb.append(text);
            oneLine(from);
            end();
        }
    }

    // --- mailbox and message data (RFC 9051 §7.3, §7.4) -------------------------------------------------------

    /** {@code * n EXISTS}. */
    public void exists(long n) throws IOException {
        counted(n, "EXISTS");
    }

    /** {@code * n RECENT}: IMAP4rev1 only (RFC 3501 §7.3.2). */
    public void recent(long n) throws IOException {
        counted(n, "RECENT");
    }

    /** {@code * seq EXPUNGE} (RFC 9051 §7.4.1). */
    public void expunge(long seq) throws IOException {
        counted(seq, "EXPUNGE");
    }

    private void counted(long n, String what) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append("* ").append(n).append(' ').append(what);
            end();
        }
    }

    /** RFC 7162 §3.2.10 {@code * VANISHED [(EARLIER)] uid-set}. */
    public void vanished(boolean earlier, String uids) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append("* VANISHED ").append(earlier ? "(EARLIER) " : "").append(uids);
            end();
        }
    }

    /** RFC 9051 §7.3.5 {@code * FLAGS (...)}, the flags in the order given. */
    public void flags(Collection<String> flags) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append("* FLAGS (").append(String.join(" ", flags)).append(')');
            end();
        }
    }

    /** RFC 9051 §7.2.2 {@code * CAPABILITY ...}. */
    public void capability(String capabilities) throws IOException {
        data("CAPABILITY " + capabilities);
    }

    /** RFC 5161 §3.2 {@code * ENABLED ...}: the extensions this command enabled, possibly none. */
    public void enabled(List<String> extensions) throws IOException {
        data(extensions.isEmpty() ? "ENABLED" : "ENABLED " + String.join(" ", extensions));
    }

    /**
     * A LIST (RFC 9051 §7.3.1) or LSUB (RFC 3501 §7.2.3) response with the hierarchy delimiter {@code /};
     * {@code extended} is the RFC 5258 §3.4 extended data without its parentheses, e.g.
     * {@code "CHILDINFO" ("SUBSCRIBED")}, or null.
     */
    public void list(String kind, Collection<String> attributes, String mailbox, String extended) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append("* ").append(kind).append(" (").append(String.join(" ", attributes)).append(") \"")
                    .append(DELIMITER).append("\" ");
            mailbox(mailbox);
            if (extended != null) sb.append(" (").append(extended).append(')');
            end();
        }
    }

    /** The answer to LIST with an empty pattern (RFC 9051 §6.3.9): the delimiter and the root. */
    public void listRoot() throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append("* LIST (\\Noselect) \"").append(DELIMITER).append("\" \"\"");
            end();
        }
    }

    /** One item of a STATUS response (RFC 9051 §7.2.4): a number, or for MAILBOXID (RFC 8474 §4.3) an id. */
    public sealed interface StatusItem {
        record Number(String name, long value) implements StatusItem {}

        record MailboxId(String id) implements StatusItem {}
    }

    /** RFC 9051 §7.2.4 {@code * STATUS mailbox (items)}. */
    public void status(String mailbox, List<StatusItem> items) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append("* STATUS ");
            mailbox(mailbox);
            sb.append(" (");
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) sb.append(' ');
                switch (items.get(i)) {
                    case StatusItem.Number n -> sb.append(n.name()).append(' ').append(n.value());
                    case StatusItem.MailboxId m -> sb.append("MAILBOXID (").append(m.id()).append(')');
                }
            }
            sb.append(')');
            end();
        }
    }

    /**
     * RFC 4731 §3.1 {@code * ESEARCH correlator [UID] items}: the correlator (RFC 4466 §2.6.2) without
     * parentheses, e.g. {@code TAG "a1"}, and the return data already formatted, e.g. {@code MIN 2}, {@code ALL 2:5}.
     */
    public void esearch(String correlator, boolean uid, List<String> items) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append("* ESEARCH (");
            int from = sb.length();
            sb.append(correlator);
            oneLine(from);
            sb.append(')');
            if (uid) sb.append(" UID");
            for (String item : items) sb.append(' ').append(item);
            end();
        }
    }

    /** The correlator of an ESEARCH response for a command's tag: {@code TAG "a1"}. */
    public static String tagCorrelator(String tag) {
        return "TAG \"" + tag + "\"";
    }

    /** The correlator naming a mailbox too (RFC 7377 §2): {@code TAG "a1" MAILBOX name UIDVALIDITY n}. */
    public String mailboxCorrelator(String tag, String mailbox, long uidValidity) {
        return tagCorrelator(tag) + " MAILBOX " + mailboxName(mailbox) + " UIDVALIDITY " + uidValidity;
    }

    /** RFC 9051 §7.3.4 / RFC 3501 §7.2.5 {@code * SEARCH n...}, with CONDSTORE's {@code (MODSEQ m)} (RFC 7162 §3.1.5). */
    public void search(List<Long> numbers, OptionalLong modSeq) throws IOException {
        numbers("SEARCH", numbers, modSeq);
    }

    /** RFC 5256 §4 {@code * SORT n...}. */
    public void sort(List<Long> numbers) throws IOException {
        numbers("SORT", numbers, OptionalLong.empty());
    }

    private void numbers(String what, List<Long> numbers, OptionalLong modSeq) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append("* ").append(what);
            for (long n : numbers) sb.append(' ').append(n);
            if (modSeq.isPresent()) sb.append(" (MODSEQ ").append(modSeq.getAsLong()).append(')');
            end();
        }
    }

    /**
     * The start of an untagged FETCH response: {@code * 3 FETCH (} with the UID item when {@code withUid}, or under
     * UIDONLY (RFC 9586 §3.3) {@code * 42 UIDFETCH (} keyed by the UID, which then is not repeated as an item.
     */
    public String fetchStart(long seq, long uid, boolean withUid) {
        if (dialect.uidOnly()) return "* " + uid + " UIDFETCH (";
        return "* " + seq + " FETCH (" + (withUid ? "UID " + uid + " " : "");
    }

    /**
     * A FETCH response that changes flags (RFC 9051 §7.5.2): FLAGS unless {@code flags} is null, UID when asked or
     * under CONDSTORE/QRESYNC's rules (decided by the caller), MODSEQ under CONDSTORE (RFC 7162 §3.1.4).
     */
    public void flagsFetch(long seq, long uid, boolean withUid, String flags, OptionalLong modSeq) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append(fetchStart(seq, uid, withUid));
            if (flags != null) sb.append("FLAGS ").append(flags);
            if (modSeq.isPresent()) {
                if (flags != null) sb.append(' ');
                sb.append("MODSEQ (").append(modSeq.getAsLong()).append(')');
            }
            sb.append(')');
            end();
        }
    }

    /**
     * A FETCH response to build (RFC 9051 §7.5.2): {@code * seq FETCH (}, or under UIDONLY {@code * uid UIDFETCH (}
     * (RFC 9586 §3.3), whose UID item is then left out by the caller.
     */
    public FetchResponse fetchResponse(long seq, long uid) {
        return new FetchResponse(fetchStart(seq, uid, false));
    }

    /** Writes a built FETCH response; one with no items is not sent. */
    public void send(FetchResponse response) throws IOException {
        if (response.isEmpty()) return;
        byte[] bytes = response.toBytes();
        synchronized (lock) {
            output.get().write(bytes);
        }
    }

    /**
     * Another untagged data response, e.g. {@code NAMESPACE ...}, {@code QUOTA ...}, {@code THREAD ...}: the text
     * after {@code * }, made of atoms, numbers and strings encoded by {@link ImapWriter} (a string may be a literal,
     * with its own CRLF), never of raw client text.
     */
    public void data(String body) throws IOException {
        synchronized (lock) {
            sb.setLength(0);
            sb.append("* ").append(body);
            end();
        }
    }

    /** A mailbox name as the client must see it: modified UTF-7 unless it enabled UTF-8. */
    public String mailboxName(String name) {
        return ImapWriter.mailbox(name, dialect.utf8());
    }

    /** A name encoded by {@link ImapWriter}: an atom, a quoted string or a literal with its own CRLF. */
    private void mailbox(String name) {
        sb.append(mailboxName(name));
    }

    /** Replaces CR, LF and NUL from {@code from} on by spaces: text sent in a response is one line. */
    private void oneLine(int from) {
        for (int i = from; i < sb.length(); i++) {
            char c = sb.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) sb.setCharAt(i, ' ');
        }
    }

    /** Ends the line and writes the buffer as UTF-8. */
    private void end() throws IOException {
        sb.append("\r\n");
        int n = sb.length();
        if (bytes.length < n) bytes = new byte[Math.max(n, bytes.length * 2)];
        for (int i = 0; i < n; i++) {
            char c = sb.charAt(i);
            if (c >= 0x80) { // rare: UTF-8 names and text; the ASCII loop above is the common case
                output.get().write(sb.toString().getBytes(StandardCharsets.UTF_8));
                shrink();
                return;
            }
            bytes[i] = (byte) c;
        }
        output.get().write(bytes, 0, n);
        shrink();
    }

    private void shrink() {
        if (bytes.length > KEEP) bytes = new byte[512];
        if (sb.capacity() > KEEP) {
            sb.setLength(0);
            sb.trimToSize();
        }
    }
}
