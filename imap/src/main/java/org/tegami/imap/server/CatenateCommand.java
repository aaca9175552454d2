package org.tegami.imap.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.mime.message.MessageStructure;
import org.tegami.store.BlobStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Uid;

/**
 * APPEND with CATENATE (RFC 4469): the message is assembled from literal text and from messages or sections this
 * user already has, named by IMAP URLs (RFC 5092) on this server, then stored like any APPEND (OK after fsync).
 */
final class CatenateCommand {
    /** {@code [imap://authority]/mailbox;UIDVALIDITY=n/;UID=n[/;SECTION=s][/;PARTIAL=o[.l]]} */
    private static final Pattern URL = Pattern.compile("(?i)^(?:imap://[^/]*)?/([^;]+)(?:;UIDVALIDITY=(\\d+))?/;UID=(\\d+)"
            + "(?:/;SECTION=([^/]+))?(?:/;PARTIAL=(\\d+)(?:\\.(\\d+))?)?$");

    private final ImapSession s;

    CatenateCommand(ImapSession session) {
        this.s = session;
    }

    void run(String tag, ImapCommand.Catenate c) throws IOException, ImapSyntaxException {
        Optional<Access.Target> target = s.findMailbox(s.mailboxName(tag, c.mailbox()));
        if (target.isEmpty()) {
            s.send(tag + " NO [TRYCREATE] No such mailbox\r\n");
            return;
        }
        if (!target.get().rights().has('i')) {
            s.send(tag + " NO [NOPERM] " + Access.denied('i') + "\r\n"); // RFC 4314 §4
            return;
        }
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        for (ImapCommand.CatPart part : c.parts()) {
            byte[] bytes = switch (part) {
                case ImapCommand.CatPart.Text t -> t.octets();
                case ImapCommand.CatPart.Url u -> resolve(tag, u.url()).orElse(null);
            };
            if (bytes == null) {
                // RFC 4469 §5: BADURL names the URL that could not be resolved
                s.send(tag + " NO [BADURL " + ((ImapCommand.CatPart.Url) part).url() + "] Cannot read that URL\r\n");
                return;
            }
            if ((long) message.size() + bytes.length > s.env.maxMessageSize()) {
                s.send(tag + " NO [TOOBIG] Message larger than " + s.env.maxMessageSize() + " octets\r\n");
                return;
            }
            message.writeBytes(bytes);
        }
        if (message.size() == 0) {
            s.send(tag + " NO Empty message\r\n");
            return;
        }
        if (!s.fitsQuota(target.get().mailbox(), message.size(), 1)) {
            s.send(tag + " NO [OVERQUOTA] Mailbox quota exceeded\r\n");
            return;
        }
        Set<String> flags = new LinkedHashSet<>();
        for (String f : c.flags()) if (Flags.storable(f) && target.get().rights().mayChange(f)) flags.add(f);
        Instant date = c.date().map(d -> d.toInstant()).orElseGet(s.env.clock()::instant);
        try (BlobStore.BlobWriter w = s.env.store().blobs().create()) {
            message.writeTo(w.stream());
            Mailbox into = target.get().mailbox();
            Uid uid = s.env.store().mail().append(into.id(), w.commit(), message.size(), date, flags);
            s.sync(true);
            s.send(tag + " OK [APPENDUID " + into.uidValidity() + " " + uid + "] APPEND completed\r\n");
        }
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
        byte[] raw = s.env.structures().read(found.getFirst().blob());
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
        MessageStructure structure = s.env.structures().get(meta.blob());
        return structure.section(raw, part, text, List.of());
    }
}
