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
 * highest one fetched with their sizes, fetch each with {@code BODY.PEEK[]} (the remote \Seen flag is left alone),
 * store it, and only then advance the stored highest UID and, when not keeping, flag it \Deleted; UID EXPUNGE (or
 * EXPUNGE without UIDPLUS) at the end.
 *
 * <p>A changed UIDVALIDITY (RFC 9051 §2.3.1.1) means the old UIDs name nothing: the folder is fetched again from
 * the start (ADR 0014: a duplicate is better than a loss).
 */
final class ImapFetch {
    private static final Logger LOG = System.getLogger(ImapFetch.class.getName());
    /** Most messages one poll takes; the rest come at the next one. */
    static final int MAX_PER_POLL = 1000;
    /** Most untagged lines one command may answer with before the client gives up on the server. */
    private static final int MAX_UNTAGGED = 100_000;

    private final Wire wire;
    private final FetchSourceStore state;
    private final MessageIntake intake;
    private final Source source;
    private int tag;

    ImapFetch(Wire wire, FetchSourceStore state, MessageIntake intake, Source source) {
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
        List<Long> delete = new ArrayList<>();
        int taken = 0;
        for (Map.Entry<Long, Long> e : sizes.entrySet()) {
            if (taken++ >= MAX_PER_POLL) break;
            long uid = e.getKey();
            if (e.getValue() > intake.maxSize()) {
                LOG.log(Level.ERROR, "fetch source " + source.id() + ": UID " + uid + " has " + e.getValue()
                        + " bytes, over the message size limit; skipped");
                notes.add("skipped UID " + uid + " (" + e.getValue() + " bytes, over the size limit)");
            } else {
                MessageIntake.Taken t = fetchOne(uid, uidValidity);
                switch (t) {
                    case MessageIntake.Taken.Stored s -> {
                        if (!source.keep()) delete.add(uid);
                    }
                    case MessageIntake.Taken.Refused r -> notes.add("refused UID " + uid + ": " + r.reason());
                    case MessageIntake.Taken.Deferred d -> {
                        notes.add("deferred UID " + uid + ": " + d.reason());
                        finish(caps, delete);
                        return String.join("; ", notes);
                    }
                }
            }
            // the message is stored (or skipped for good): only now does the seen state pass it
            state.setImapState(source.id(), new ImapState(uidValidity, uid));
            if (!source.keep() && !delete.isEmpty() && delete.getLast() == uid) {
                command("UID STORE " + uid + " +FLAGS.SILENT (\\Deleted)");
            }
        }
        finish(caps, delete);
        return String.join("; ", notes);
    }

    private void finish(Set<String> caps, List<Long> delete) throws IOException, FetchProtocolException, FetchException {
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

    private MessageIntake.Taken fetchOne(long uid, long uidValidity) throws IOException, FetchProtocolException, FetchException {
        String t = nextTag();
        wire.send(t + " UID FETCH " + uid + " (UID BODY.PEEK[])");
        MessageIntake.Taken[] taken = {null};
        int untagged = 0;
        while (true) {
            String line = wire.readLine();
            ImapResponses.Line l = ImapResponses.line(line);
            if (l.kind() == ImapResponses.Kind.TAGGED) {
                if (!l.tag().equals(t)) throw new FetchProtocolException("unexpected tag " + ImapResponses.shorten(l.tag()));
                Status s = ImapResponses.status(l.rest());
                if (!s.condition().equals("OK")) {
                    throw new FetchException("fetching UID " + uid + " failed: " + ImapResponses.shorten(s.text()), false);
                }
                if (taken[0] == null) throw new FetchException("the IMAP server sent no body for UID " + uid, false);
                return taken[0];
            }
            if (++untagged > MAX_UNTAGGED) throw new FetchProtocolException("too many untagged responses");
            long size = ImapResponses.literalAtEnd(line);
            if (size < 0) continue;
            boolean body = l.kind() == ImapResponses.Kind.UNTAGGED && taken[0] == null
                    && line.toUpperCase(java.util.Locale.ROOT).endsWith("BODY[] {" + size + "}");
            if (body) {
                if (size > intake.maxSize()) throw new FetchProtocolException("a literal of " + size + " bytes is over the size limit");
                try {
                    taken[0] = intake.take(source, wire, "IMAPS", "UID " + uid, out -> wire.readExactly(size, out));
                } catch (MessageIntake.TooBig e) {
                    // within the limit as sent, over it once stored (bare LFs made CRLF): skipped for good
                    state.setImapState(source.id(), new ImapState(uidValidity, uid));
                    throw new FetchException("UID " + uid + " is over the size limit once stored; skipped", false);
                }
            } else {
                skipLiteral(size);
            }
            drainLiterals();
        }
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
        if (size > Wire.MAX_LINE) throw new FetchProtocolException("an unexpected literal of " + size + " bytes");
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
