package org.tegami.imap.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.imap.proto.ImapWriter;
import org.tegami.store.AccountId;
import org.tegami.store.MailboxId;

/**
 * METADATA (RFC 5464): private and shared annotations on mailboxes and, with the mailbox {@code ""}, on the server
 * for this user. Values and the number of entries are bounded (§4.3 MAXSIZE and TOOMANY).
 */
final class MetadataCommands {
    /** Largest value in octets (RFC 5464 §4.3 [METADATA MAXSIZE]). */
    static final int MAX_VALUE = org.tegami.imap.proto.ImapLimits.METADATA_VALUE;
    /** Most entries per mailbox, or on the server (RFC 5464 §4.3 [METADATA TOOMANY]). */
    static final int MAX_ENTRIES = 100;
    /**
     * Most octets of entry names and values in one account, over all its mailboxes and the server, whoever set them
     * (RFC 5464 §4.3 [METADATA TOOMANY]): annotations count against no quota, and 100 entries of 64 KiB on each of
     * 10,000 mailboxes would be 64 GB.
     */
    static final int MAX_ACCOUNT_OCTETS = 1024 * 1024;

    private final ImapSession s;

    MetadataCommands(ImapSession session) {
        this.s = session;
    }

    /**
     * Whose entries on which mailbox a command reaches: the user's own, or, on another user's mailbox (RFC 4314),
     * the owner's shared entries only: reading needs r, writing n (RFC 5464 §3.3), and private entries there are
     * refused rather than kept per reader.
     */
    private record Place(AccountId account, Optional<MailboxId> mailbox, boolean own) {}

    /** Absent after answering NO. */
    private Optional<Place> place(String tag, String wire, boolean write, java.util.Collection<String> entries)
            throws IOException, ImapSyntaxException {
        if (wire.isEmpty()) return Optional.of(new Place(s.account().id(), Optional.empty(), true));
        Optional<Access.Target> mb = s.access.require(tag, s.mailboxName(tag, wire), write ? 'n' : 'r');
        if (mb.isEmpty()) return Optional.empty();
        if (!mb.get().own() && write && entries.stream().anyMatch(e -> e.startsWith("/private"))) {
            s.out().no(tag, ResponseCode.Atom.NOPERM, "Private annotations cannot be set on another user's mailbox");
            return Optional.empty();
        }
        return Optional.of(new Place(mb.get().mailbox().account(), Optional.of(mb.get().mailbox().id()), mb.get().own()));
    }

    void set(String tag, ImapCommand.SetMetadata c) throws IOException, ImapSyntaxException {
        Optional<Place> box = place(tag, c.mailbox(), true, c.entries().keySet());
        if (box.isEmpty()) return;
        for (Optional<String> v : c.entries().values()) {
            if (v.isPresent() && v.get().getBytes(StandardCharsets.UTF_8).length > MAX_VALUE) {
                s.out().no(tag, ResponseCode.Metadata.maxSize(MAX_VALUE), "Value too large");
                return;
            }
        }
        SortedMap<String, String> current = s.env.store().mail().metadata(box.get().account(), box.get().mailbox());
        java.util.Set<String> after = new java.util.HashSet<>(current.keySet());
        c.entries().forEach((k, v) -> {
            if (v.isPresent()) after.add(k);
            else after.remove(k);
        });
        if (after.size() > MAX_ENTRIES) {
            s.out().no(tag, ResponseCode.Metadata.TOOMANY, "At most " + MAX_ENTRIES + " entries");
            return;
        }
        long before = s.env.store().mail().metadataOctets(box.get().account());
        long total = before;
        for (var e : c.entries().entrySet()) {
            String old = current.get(e.getKey());
            if (old != null) total -= octets(e.getKey()) + octets(old);
            if (e.getValue().isPresent()) total += octets(e.getKey()) + octets(e.getValue().get());
        }
        if (total > MAX_ACCOUNT_OCTETS && total > before) { // an account over the limit may still shrink
            s.out().no(tag, ResponseCode.Metadata.TOOMANY, "At most " + MAX_ACCOUNT_OCTETS + " octets of entries per account");
            return;
        }
        s.env.store().mail().setMetadata(box.get().account(), box.get().mailbox(), c.entries());
        s.out().ok(tag, "SETMETADATA completed");
    }

    void get(String tag, ImapCommand.GetMetadata c) throws IOException, ImapSyntaxException {
        Optional<Place> box = place(tag, c.mailbox(), false, List.of());
        if (box.isEmpty()) return;
        SortedMap<String, String> all = new java.util.TreeMap<>(
                s.env.store().mail().metadata(box.get().account(), box.get().mailbox()));
        if (!box.get().own()) all.keySet().removeIf(e -> e.startsWith("/private"));
        List<String> out = new ArrayList<>();
        long longest = 0;
        for (String entry : c.entries()) {
            if (c.depth() == 0 && !all.containsKey(entry)) {
                out.add(entry + " NIL"); // §4.2: a requested entry that does not exist
                continue;
            }
            for (Map.Entry<String, String> e : all.entrySet()) {
                if (!within(entry, e.getKey(), c.depth())) continue;
                long size = e.getValue().getBytes(StandardCharsets.UTF_8).length;
                if (c.maxSize().isPresent() && size > c.maxSize().get()) { // §4.2.1: left out, reported as LONGENTRIES
                    longest = Math.max(longest, size);
                    continue;
                }
                out.add(e.getKey() + " " + ImapWriter.string(e.getValue(), s.utf8()));
            }
        }
        if (!out.isEmpty()) {
            String name = c.mailbox().isEmpty() ? "\"\"" : s.out().mailboxName(s.mailboxName(tag, c.mailbox()));
            s.out().data("METADATA " + name + " (" + String.join(" ", out) + ")");
        }
        if (longest > 0) s.out().ok(tag, ResponseCode.Metadata.longEntries(longest), "GETMETADATA completed");
        else s.out().ok(tag, "GETMETADATA completed");
    }

    private static long octets(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** RFC 5464 §4.2.2 DEPTH: the entry itself, and its children (1) or all its descendants (infinity, -1). */
    private static boolean within(String requested, String name, int depth) {
        if (name.equals(requested)) return true;
        if (depth == 0 || !name.startsWith(requested + "/")) return false;
        return depth < 0 || name.indexOf('/', requested.length() + 1) < 0;
    }
}
