package org.tegami.imap.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapResponse;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.mime.message.MessageStructure;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Uid;

/**
 * APPEND with CATENATE (RFC 4469): a message is assembled from literal text and from messages or sections this
 * user already has, named by IMAP URLs (RFC 5092) on this server. It is streamed into its blob part by part, bounded
 * by the message size limit like APPEND; {@link AppendCommand#append} stores it with the other messages of the
 * same APPEND (RFC 3502), all at once or none.
 */
final class CatenateCommand {
    /** {@code [imap://authority]/mailbox;UIDVALIDITY=n/;UID=n[/;SECTION=s][/;PARTIAL=o[.l]]} */
    private static final Pattern URL = Pattern.compile("(?i)^(?:imap://[^/]*)?/([^;]+)(?:;UIDVALIDITY=(\\d+))?/;UID=(\\d+)"
            + "(?:/;SECTION=([^/]+))?(?:/;PARTIAL=(\\d+)(?:\\.(\\d+))?)?$");

    private final ImapSession s;

    CatenateCommand(ImapSession session) {
        this.s = session;
    }

    /**
     * What reading one CATENATE message gave: its size, the refusal that now stands for the whole APPEND (null if
     * none), and whether the tagged answer was already sent (the command is over).
     */
    record Built(long size, ImapResponse refusal, boolean answered) {}

    /**
     * Reads the parts of one CATENATE message in order and streams each into {@code out} as it comes: a TEXT
     * literal straight from the connection, a URL's octets as they are resolved; nothing but one URL's octets is
     * held in memory (issue 12). {@code refusal} is the refusal already standing for the APPEND (null if none):
     * then the parts are read but not resolved. A refusal is kept until the command is read to its end, or sent
     * instead of the "+" of the next synchronizing literal, which the client then does not send. {@code limit}
     * says why a message of that many octets cannot be stored (too big, over quota), null when it can.
     */
    Built build(String tag, ImapCommand.Catenate c, OutputStream out, ImapResponse refusal, LongFunction<ImapResponse> limit)
            throws IOException, ImapSyntaxException {
        long max = s.env.maxMessageSize();
        long size = 0;
        for (Optional<ImapCommand.CatPart> next = c.parts().next(); next.isPresent(); next = c.parts().next()) {
            switch (next.get()) {
                case ImapCommand.CatPart.Text t -> {
                    if (refusal == null) refusal = limit.apply(size + t.size());
                    if (refusal != null && (!t.nonSync() || t.size() > max)) {
                        // RFC 7888 §4 / RFC 9051 §7.1: instead of "+"; a non-synchronizing literal is on its way
                        s.out().send(refusal);
                        if (t.nonSync()) {
                            s.out().bye("Cannot skip a non-synchronizing literal that large");
                            s.endSession();
                        }
                        return new Built(size, refusal, true);
                    }
                    boolean nul = copy(t, refusal == null ? out : OutputStream.nullOutputStream());
                    // RFC 9051 §9: a literal is CHAR8, which excludes NUL
                    if (refusal == null && nul) refusal = ImapResponse.tagged(tag, ImapResponse.Status.BAD, "NUL in literal");
                    size += t.size();
                }
                case ImapCommand.CatPart.Url u -> {
                    if (refusal != null) continue;
                    Optional<byte[]> bytes = resolve(tag, u.url());
                    // RFC 4469 §5: BADURL names the URL that could not be resolved
                    if (bytes.isEmpty()) refusal = AppendCommand.no(tag, new ResponseCode.BadUrl(u.url()), "Cannot read that URL");
                    else refusal = limit.apply(size + bytes.get().length);
                    if (refusal == null) {
                        out.write(bytes.get());
                        size += bytes.get().length;
                    }
                }
            }
        }
        if (refusal == null && size == 0) refusal = ImapResponse.tagged(tag, ImapResponse.Status.NO, "Empty message");
        return new Built(size, refusal, false);
    }

    /** Streams a TEXT literal to {@code out}; whether it held a NUL. */
    private boolean copy(ImapCommand.CatPart.Text t, OutputStream out) throws IOException {
        boolean nul = false;
        byte[] buf = new byte[8192];
        try (InputStream in = s.reader().openLiteral(t.size(), t.nonSync())) {
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n && !nul; i++) nul = buf[i] == 0;
                out.write(buf, 0, n);
            }
        }
        return nul;
    }

    /** The octets a URL names, if it is one of this user's messages (and sections) on this server. */
    private Optional<byte[]> resolve(String tag, String url) throws IOException {
        Matcher m = URL.matcher(url);
        if (!m.matches()) return Optional.empty();
        String name;
        try {
            name = s.mailboxName(tag, URLDecoder.decode(m.group(1).replace("+", "%2B"), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | ImapSyntaxException e) {
            return Optional.empty();
        }
        Optional<Mailbox> mb = s.findMailbox(name).filter(t -> t.rights().has('r')).map(Access.Target::mailbox);
        if (mb.isEmpty() || (m.group(2) != null && Long.parseLong(m.group(2)) != mb.get().uidValidity())) {
            return Optional.empty();
        }
        Uid uid = new Uid(Long.parseLong(m.group(3)));
        List<MessageMeta> found = s.env.store().mail().messages(mb.get().id(), uid, uid);
        if (found.isEmpty()) return Optional.empty();
        byte[] raw = s.env.structures().read(found.getFirst().content());
        Optional<byte[]> data = Optional.of(raw);
        if (m.group(4) != null) data = section(raw, found.getFirst(), m.group(4).toUpperCase(java.util.Locale.ROOT));
        if (data.isPresent() && m.group(5) != null) {
            byte[] d = data.get();
            int from = (int) Math.min(Long.parseLong(m.group(5)), d.length);
            int to = m.group(6) == null ? d.length : (int) Math.min((long) from + Long.parseLong(m.group(6)), d.length);
            data = Optional.of(java.util.Arrays.copyOfRange(d, from, to));
        }
        return data;
    }

    /** RFC 5092 section: part numbers then HEADER, TEXT or MIME (HEADER.FIELDS is not accepted here). */
    private Optional<byte[]> section(byte[] raw, MessageMeta meta, String section) throws IOException {
        List<Integer> part = new ArrayList<>();
        String text = "";
        for (String p : section.split("\\.")) {
            if (!text.isEmpty()) return Optional.empty();
            if (p.matches("[1-9][0-9]{0,5}")) part.add(Integer.parseInt(p));
            else if (p.equals("HEADER") || p.equals("TEXT") || p.equals("MIME")) text = p;
            else return Optional.empty();
        }
        MessageStructure structure = s.env.structures().get(meta.content());
        return structure.section(raw, part, text, List.of());
    }
}
