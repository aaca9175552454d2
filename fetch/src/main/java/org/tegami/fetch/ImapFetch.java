package org.tegami.fetch;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.tegami.fetch.proto.FetchProtocolException;
import org.tegami.fetch.proto.ImapResponses;
import org.tegami.fetch.proto.ImapResponses.Status;
import org.tegami.store.FetchSourceStore;
import org.tegami.store.FetchSourceStore.ImapState;
import org.tegami.store.FetchSourceStore.Source;

/**
 * One poll of an IMAP source (RFC 9051, RFC 3501 servers too): LOGIN, SELECT the folder, list the UIDs above the
 * highest one fetched with their sizes, fetch them {@value #BATCH} at a time with {@code BODY.PEEK[]} (the remote
 * \Seen flag is left alone), store each as it arrives, and only then advance the stored highest UID and, when not
 * keeping, flag them \Deleted; UID EXPUNGE (or EXPUNGE without UIDPLUS) at the end.
 *
 * <p>A changed UIDVALIDITY (RFC 9051 §2.3.1.1) means the old UIDs name nothing: the folder is fetched again from
 * the start (ADR 0014: a duplicate is better than a loss).
 */
final class ImapFetch {
    private static final Logger LOG = System.getLogger(ImapFetch.class.getName());
    /** Most messages one poll takes; the rest come at the next one. */
    static final int MAX_PER_POLL = 1000;
    /** UIDs per UID FETCH: one round trip for many messages; a crash refetches at most this many. */
    static final int BATCH = 50;
    /** Most untagged lines one command may answer with before the client gives up on the server. */
    private static final int MAX_UNTAGGED = 100_000;

    private final Wire wire;
    private final FetchSourceStore state;
    private final MessageIntake intake;
    private final Source source;
    private int tag;

    private final javax.net.ssl.SSLContext trust;

    ImapFetch(Wire wire, FetchSourceStore state, MessageIntake intake, Source source, javax.net.ssl.SSLContext trust) {
        this.trust = trust;
        this.wire = wire;
        this.state = state;
        this.intake = intake;
        this.source = source;
    }

    /** Runs the poll; returns a note of what was skipped (empty when nothing was). */
    String run(String password) throws IOException, FetchProtocolException, FetchException {
        String greeting = wire.readLine();
        ImapResponses.Line g = ImapResponses.line(greeting);
        Status gs = g.kind() == ImapResponses.Kind.UNTAGGED ? ImapResponses.status(g.rest()) : null;
        if (gs == null || gs.condition().equals("BYE") || gs.condition().equals("NO") || gs.condition().equals("BAD")) {
            throw new FetchException("the IMAP server refused the connection: " + ImapResponses.shorten(greeting), false);
        }
        if (source.startTls()) {
            // RFC 9051 §6.2.1: TLS before anything else; a server that is already logged in (PREAUTH) on a
            // cleartext connection, or refuses STARTTLS, never gets the password
            if (gs.condition().equals("PREAUTH")) {
                throw new FetchException("the IMAP server greeted with PREAUTH before TLS; refusing to continue", false);
            }
            String t = nextTag();
            wire.send(t + " STARTTLS");
            Status st = tagged(t, null);
            if (!st.condition().equals("OK")) {
                throw new FetchException("the IMAP server does not offer STARTTLS (" + ImapResponses.shorten(st.text())
                        + "); not logging in without TLS", false);
            }
            wire.startTls(trust);
        }
        if (!gs.condition().equals("PREAUTH")) login(password);
        Set<String> caps = capabilities();
        long uidValidity = select();
        Optional<ImapState> known = state.imapState(source.id());
        long highest = 0;
        if (known.isPresent() && known.get().uidValidity() == uidValidity) {
            highest = known.get().highestUid();
        } else if (known.isPresent()) {
            LOG.log(Level.WARNING, "fetch source " + source.id() + ": UIDVALIDITY of " + source.folder() + " changed ("
                    + known.get().uidValidity() + " → " + uidValidity + "); fetching the folder again");
        }
        if (known.isEmpty() || known.get().uidValidity() != uidValidity) {
            state.setImapState(source.id(), new ImapState(uidValidity, 0));
        }
        TreeMap<Long, Long> sizes = newMessages(highest);
        List<String> notes = new ArrayList<>();
        List<Long> batch = new ArrayList<>();
        boolean deferred = false;
        for (Map.Entry<Long, Long> e : sizes.entrySet()) {
            long uid = e.getKey();
            if (e.getValue() > intake.maxSize()) {
                // the batch before it first, so the seen state only ever passes messages in order
                deferred = fetchBatch(batch, uidValidity, notes);
                batch.clear();
                if (deferred) break;
                LOG.log(Level.ERROR, "fetch source " + source.id() + ": UID " + uid + " has " + e.getValue()
                        + " bytes, over the message size limit; skipped");
                notes.add("skipped UID " + uid + " (" + e.getValue() + " bytes, over the size limit)");
                state.setImapState(source.id(), new ImapState(uidValidity, uid));
                continue;
            }
            batch.add(uid);
            if (batch.size() == BATCH) {
                deferred = fetchBatch(batch, uidValidity, notes);
                batch.clear();
                if (deferred) break;
            }
        }
        if (!deferred) fetchBatch(batch, uidValidity, notes);
        finish(caps);
        return String.join("; ", notes);
    }

    private void finish(Set<String> caps) throws IOException, FetchProtocolException, FetchException {
        if (!delete.isEmpty()) {
            // RFC 4315 §2.1: UID EXPUNGE removes only these, not other messages the user flagged \Deleted
            if (caps.contains("UIDPLUS")) {
                StringBuilder set = new StringBuilder();
                for (long u : delete) set.append(set.isEmpty() ? "" : ",").append(u);
                command("UID EXPUNGE " + set);
            } else {
                command("EXPUNGE");
            }
        }
        loggingOut = true;
        command("LOGOUT");
    }

    private void login(String password) throws IOException, FetchProtocolException, FetchException {
        String t = nextTag();
        Optional<String> user = ImapResponses.quoted(source.username());
        Optional<String> pass = ImapResponses.quoted(password);
        StringBuilder line = new StringBuilder(t).append(" LOGIN ");
        // RFC 9051 §4.3: a string that cannot be quoted goes as a literal, after the server's continuation
        if (user.isPresent()) {
            line.append(user.get()).append(' ');
        } else {
            literal(line, source.username());
            line.setLength(0);
            line.append(' ');
        }
        if (pass.isPresent()) {
            line.append(pass.get());
            wire.send(line.toString());
        } else {
            literal(line, password);
            wire.send("");
        }
        Status s = tagged(t, null);
        if (!s.condition().equals("OK")) {
            throw new FetchException("the IMAP server refused the login" + (s.code().isPresent() ? " [" + s.code().get() + "]" : "")
                    + ": " + ImapResponses.shorten(s.text()), !s.code().map(c -> c.startsWith("UNAVAILABLE")).orElse(false));
        }
    }

    private void literal(StringBuilder before, String value) throws IOException, FetchProtocolException, FetchException {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        wire.send(before + "{" + b.length + "}");
        String cont = wire.readLine();
        if (ImapResponses.line(cont).kind() != ImapResponses.Kind.CONTINUATION) {
            throw new FetchException("the IMAP server refused the login: " + ImapResponses.shorten(cont), true);
        }
        wire.sendRaw(b);
    }

    private Set<String> capabilities() throws IOException, FetchProtocolException, FetchException {
        Set<String> caps = new java.util.HashSet<>();
        String t = nextTag();
        wire.send(t + " CAPABILITY");
        tagged(t, rest -> ImapResponses.capabilities(rest).ifPresent(caps::addAll));
        return caps;
    }

    private long select() throws IOException, FetchProtocolException, FetchException {
        String folder = ImapResponses.quoted(source.folder())
                .orElseThrow(() -> new FetchException("the folder name must be printable ASCII", false));
        String t = nextTag();
        wire.send(t + " SELECT " + folder);
        long[] uv = {0};
        Status s = tagged(t, rest -> {
            ImapResponses.uidValidity(rest).ifPresent(v -> uv[0] = v);
            if (rest.length() < 32 && rest.matches("(?i)[0-9]{1,10} EXISTS")) {
                exists = ImapResponses.number(rest.substring(0, rest.indexOf(' ')));
            }
        });
        if (!s.condition().equals("OK")) {
            throw new FetchException("cannot select " + source.folder() + ": " + ImapResponses.shorten(s.text()), false);
        }
        if (uv[0] == 0) throw new FetchException("the IMAP server sent no UIDVALIDITY for " + source.folder(), false);
        return uv[0];
    }

    /** UID → size of the messages above {@code highest}. */
    private TreeMap<Long, Long> newMessages(long highest) throws IOException, FetchProtocolException, FetchException {
        TreeMap<Long, Long> out = new TreeMap<>();
        if (exists == 0) return out; // some servers answer "n:*" in an empty mailbox with BAD
        String t = nextTag();
        // RFC 9051 §6.4.8: "n:*" names the last message even when its UID is below n, so the UIDs are checked
        wire.send(t + " UID FETCH " + (highest + 1) + ":* (UID RFC822.SIZE)");
        Status s = tagged(t, rest -> {
            Optional<Map<String, String>> items = ImapResponses.fetch(rest);
            if (items.isEmpty() || !items.get().containsKey("UID") || !items.get().containsKey("RFC822.SIZE")) return;
            long uid = ImapResponses.number(items.get().get("UID"));
            if (uid > highest && out.size() < MAX_PER_POLL) out.put(uid, ImapResponses.number(items.get().get("RFC822.SIZE")));
        });
        if (!s.condition().equals("OK")) throw new FetchException("UID FETCH failed: " + ImapResponses.shorten(s.text()), false);
        return out;
    }

    /**
     * Fetches a batch of UIDs with one {@code UID FETCH} (RFC 9051 §6.4.8), each body streamed into the store as it
     * arrives; then advances the seen state over the batch in UID order, up to the first message not stored (or
     * refused for good), and flags the stored ones \Deleted when not keeping. A crash inside a batch refetches it:
     * duplicates, never a loss. Returns whether a message was deferred (the poll stops there).
     */
    private boolean fetchBatch(List<Long> uids, long uidValidity, List<String> notes)
            throws IOException, FetchProtocolException, FetchException {
        if (uids.isEmpty()) return false;
        String t = nextTag();
        StringBuilder set = new StringBuilder();
        for (long u : uids) set.append(set.isEmpty() ? "" : ",").append(u);
        wire.send(t + " UID FETCH " + set + " (UID BODY.PEEK[])");
        Map<Long, MessageIntake.Taken> got = new java.util.HashMap<>();
        boolean dropRest = false;
        int untagged = 0;
        while (true) {
            String line = wire.readLine();
            ImapResponses.Line l = ImapResponses.line(line);
            if (l.kind() == ImapResponses.Kind.TAGGED) {
                if (!l.tag().equals(t)) throw new FetchProtocolException("unexpected tag " + ImapResponses.shorten(l.tag()));
                Status s = ImapResponses.status(l.rest());
                if (!s.condition().equals("OK")) {
                    advance(uids, got, uidValidity, notes);
                    throw new FetchException("UID FETCH failed: " + ImapResponses.shorten(s.text()), false);
                }
                return advance(uids, got, uidValidity, notes);
            }
            if (++untagged > MAX_UNTAGGED) throw new FetchProtocolException("too many untagged responses");
            long size = ImapResponses.literalAtEnd(line);
            if (size < 0) continue;
            String marker = "BODY[] {" + size + "}";
            if (l.kind() != ImapResponses.Kind.UNTAGGED || !l.rest().toUpperCase(java.util.Locale.ROOT).endsWith(marker)) {
                skipLiteral(size);
                drainLiterals();
                continue;
            }
            if (size > intake.maxSize()) throw new FetchProtocolException("a literal of " + size + " bytes is over the size limit");
            String prefix = l.rest().substring(0, l.rest().length() - marker.length()).strip();
            long uid = uidItem(ImapResponses.fetch(prefix + ")"));
            if (dropRest || uid > 0 && (!uids.contains(uid) || got.containsKey(uid))) {
                skipLiteral(size, true);
            } else {
                long u = uid;
                try {
                    MessageIntake.Taken taken = intake.take(source, wire, "IMAPS", "UID " + (u > 0 ? u : "?"),
                            out -> wire.readExactly(size, out));
                    if (uid < 0) uid = -2; // stored before its UID was known: named by the rest of the response
                    if (uid > 0) got.put(uid, taken);
                    if (taken instanceof MessageIntake.Taken.Deferred) dropRest = true;
                    if (uid == -2) pendingTaken = taken;
                } catch (MessageIntake.TooBig e) {
                    // within the limit as sent, over it once stored (bare LFs made CRLF): skipped for good; the
                    // rest of the literal is still on the wire, so the session ends here
                    if (uid > 0) got.put(uid, new MessageIntake.Taken.Refused("over the size limit once stored"));
                    advance(uids, got, uidValidity, notes);
                    throw new FetchException("UID " + (uid > 0 ? uid : "?") + " is over the size limit once stored; skipped", false);
                }
            }
            // RFC 9051 §7.5.2: the items after the literal, e.g. " UID 34)"
            String after = wire.readLine();
            long more = ImapResponses.literalAtEnd(after);
            if (more >= 0) {
                skipLiteral(more);
                drainLiterals();
            } else if (pendingTaken != null) {
                long late = uidItem(ImapResponses.fetch("0 FETCH (" + after.strip()));
                if (late > 0 && uids.contains(late) && !got.containsKey(late)) {
                    got.put(late, pendingTaken);
                    if (pendingTaken instanceof MessageIntake.Taken.Deferred) dropRest = true;
                } else {
                    LOG.log(Level.WARNING, "fetch source " + source.id() + ": a body came without a UID asked for");
                }
            }
            pendingTaken = null;
        }
    }

    /** A body stored before the response said which UID it was. */
    private MessageIntake.Taken pendingTaken;

    /** The UID item of a FETCH response, or -1. */
    private static long uidItem(Optional<Map<String, String>> items) throws FetchProtocolException {
        if (items.isEmpty() || !items.get().containsKey("UID")) return -1;
        long uid = ImapResponses.number(items.get().get("UID"));
        return uid > 0 ? uid : -1;
    }

    /**
     * Moves the seen state over the batch in UID order while each message was stored or refused for good; stops at
     * a deferred one (returns true) or one the server sent nothing for (it is asked for again next poll).
     */
    private boolean advance(List<Long> uids, Map<Long, MessageIntake.Taken> got, long uidValidity, List<String> notes)
            throws IOException, FetchProtocolException, FetchException {
        long passed = -1;
        List<Long> stored = new ArrayList<>();
        boolean deferred = false;
        for (long uid : uids) {
            MessageIntake.Taken t = got.get(uid);
            if (t == null) break;
            if (t instanceof MessageIntake.Taken.Deferred d) {
                notes.add("deferred UID " + uid + ": " + d.reason());
                deferred = true;
                break;
            }
            if (t instanceof MessageIntake.Taken.Refused r) notes.add("refused UID " + uid + ": " + r.reason());
            if (t instanceof MessageIntake.Taken.Stored) stored.add(uid);
            passed = uid;
        }
        if (passed < 0) return deferred;
        // the messages are stored (or refused for good): only now does the seen state pass them
        state.setImapState(source.id(), new ImapState(uidValidity, passed));
        if (!source.keep() && !stored.isEmpty()) {
            StringBuilder set = new StringBuilder();
            for (long u : stored) set.append(set.isEmpty() ? "" : ",").append(u);
            command("UID STORE " + set + " +FLAGS.SILENT (\\Deleted)");
            delete.addAll(stored);
        }
        return deferred;
    }

    /** Reads the rest of a response after a literal: more lines, each possibly ending in another literal. */
    private void drainLiterals() throws IOException, FetchProtocolException {
        for (int i = 0; i < 64; i++) {
            String rest = wire.readLine();
            long more = ImapResponses.literalAtEnd(rest);
            if (more < 0) return;
            skipLiteral(more);
        }
        throw new FetchProtocolException("too many literals in one response");
    }

    private void skipLiteral(long size) throws IOException, FetchProtocolException {
        skipLiteral(size, false);
    }

    /** Reads a literal and drops it; one that is not a message body is held to a line's length. */
    private void skipLiteral(long size, boolean body) throws IOException, FetchProtocolException {
        if (size > (body ? intake.maxSize() : Wire.MAX_LINE)) {
            throw new FetchProtocolException("an unexpected literal of " + size + " bytes");
        }
        wire.readExactly(size, OutputStream.nullOutputStream());
    }

    private void command(String cmd) throws IOException, FetchProtocolException, FetchException {
        String t = nextTag();
        wire.send(t + " " + cmd);
        Status s = tagged(t, null);
        if (!s.condition().equals("OK")) throw new FetchException(cmd.split(" ")[0] + " failed: " + ImapResponses.shorten(s.text()), false);
    }

    @FunctionalInterface
    private interface Untagged {
        void accept(String rest) throws FetchProtocolException;
    }

    /** Reads up to the tagged response, giving untagged ones to {@code untagged}; literals in them are skipped. */
    private Status tagged(String t, Untagged untagged) throws IOException, FetchProtocolException, FetchException {
        for (int n = 0; n <= MAX_UNTAGGED; n++) {
            String line = wire.readLine();
            ImapResponses.Line l = ImapResponses.line(line);
            switch (l.kind()) {
                case TAGGED -> {
                    if (!l.tag().equals(t)) throw new FetchProtocolException("unexpected tag " + ImapResponses.shorten(l.tag()));
                    return ImapResponses.status(l.rest());
                }
                case CONTINUATION -> throw new FetchProtocolException("unexpected continuation request");
                case UNTAGGED -> {
                    long lit = ImapResponses.literalAtEnd(line);
                    if (lit >= 0) {
                        skipLiteral(lit);
                        drainLiterals();
                        continue;
                    }
                    if (l.rest().regionMatches(true, 0, "BYE", 0, 3)) {
                        // RFC 9051 §7.1.5: BYE before LOGOUT's tagged OK is normal; otherwise the server is going away
                        if (!loggingOut) throw new FetchException("the IMAP server closed the session: "
                                + ImapResponses.shorten(l.rest()), false);
                        continue;
                    }
                    if (untagged != null) untagged.accept(l.rest());
                }
            }
        }
        throw new FetchProtocolException("too many untagged responses");
    }

    private boolean loggingOut;
    /** UIDs stored and flagged \Deleted this poll (when not keeping), expunged at the end. */
    private final List<Long> delete = new ArrayList<>();
    /** The folder's message count from SELECT (RFC 9051 §7.4.1); -1 when the server did not say. */
    private long exists = -1;

    private String nextTag() {
        return "f" + (++tag);
    }

    @Override
    public String toString() {
        return "ImapFetch[source " + source.id() + "]";
    }
}
