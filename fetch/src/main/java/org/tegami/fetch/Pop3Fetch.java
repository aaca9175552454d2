package org.tegami.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tegami.fetch.proto.FetchProtocolException;
import org.tegami.fetch.proto.ImapResponses;
import org.tegami.fetch.proto.Pop3Replies;
import org.tegami.store.FetchSourceStore;
import org.tegami.store.FetchSourceStore.Source;

/**
 * One poll of a POP3 source (RFC 1939): USER/PASS, UIDL and LIST, RETR each message whose unique id was not fetched
 * before, store it, and only then remember its UIDL and, when not keeping, DELE it; QUIT commits the deletions
 * (RFC 1939 §6). UIDLs the server no longer lists are forgotten, so the remembered set stays as small as the
 * maildrop. A poll that dies between DELE and QUIT leaves its messages on the server (RFC 1939 §6), fetched and
 * remembered: they stay there, as with {@code --keep}, rather than risk deleting one that was skipped or refused.
 */
final class Pop3Fetch {
    private static final Logger LOG = System.getLogger(Pop3Fetch.class.getName());
    /** Most listing lines accepted: a maildrop larger than this is read in part. */
    private static final int MAX_LISTING = 100_000;

    private final Wire wire;
    private final FetchSourceStore state;
    private final MessageIntake intake;
    private final Source source;

    private final javax.net.ssl.SSLContext trust;

    Pop3Fetch(Wire wire, FetchSourceStore state, MessageIntake intake, Source source, javax.net.ssl.SSLContext trust) {
        this.trust = trust;
        this.wire = wire;
        this.state = state;
        this.intake = intake;
        this.source = source;
    }

    String run(String password) throws IOException, FetchProtocolException, FetchException {
        String greeting = wire.readLine();
        if (!Pop3Replies.ok(greeting)) {
            throw new FetchException("the POP3 server refused the connection: " + ImapResponses.shorten(greeting), false);
        }
        if (source.startTls()) {
            // RFC 2595 §4: STLS before USER/PASS; a server that refuses it never gets the password
            String stls = ask("STLS");
            if (!Pop3Replies.ok(stls)) {
                throw new FetchException("the POP3 server does not offer STLS (" + ImapResponses.shorten(stls)
                        + "); not logging in without TLS", false);
            }
            wire.startTls(trust);
        }
        // RFC 1939 §7: USER and PASS; a name or password with CR/LF cannot be sent
        if (password.indexOf('\r') >= 0 || password.indexOf('\n') >= 0 || source.username().indexOf('\r') >= 0
                || source.username().indexOf('\n') >= 0) {
            throw new FetchException("the user name or password holds a line break, which POP3 cannot send", true);
        }
        String user = ask("USER " + source.username());
        if (!Pop3Replies.ok(user)) throw authFailure(user);
        String pass = ask("PASS " + password);
        if (!Pop3Replies.ok(pass)) throw authFailure(pass);

        Map<Integer, String> uidls = new LinkedHashMap<>();
        for (String l : listing("UIDL")) {
            Pop3Replies.Entry e = Pop3Replies.uidl(l);
            uidls.put(e.number(), e.value());
        }
        Map<Integer, Long> sizes = new LinkedHashMap<>();
        for (String l : listing("LIST")) {
            Pop3Replies.Entry e = Pop3Replies.list(l);
            sizes.put(e.number(), ImapResponses.number(e.value()));
        }
        state.retainPop3Seen(source.id(), Set.copyOf(uidls.values()));
        Set<String> seen = new HashSet<>(state.pop3Seen(source.id()));
        List<String> notes = new ArrayList<>();
        int taken = 0;
        for (Map.Entry<Integer, String> e : uidls.entrySet()) {
            int n = e.getKey();
            String uidl = e.getValue();
            if (seen.contains(uidl)) continue;
            if (taken++ >= ImapFetch.MAX_PER_POLL) break;
            long size = sizes.getOrDefault(n, -1L);
            if (size > intake.maxSize()) {
                LOG.log(Level.ERROR, "fetch source " + source.id() + ": message " + uidl + " has " + size
                        + " bytes, over the message size limit; skipped");
                notes.add("skipped " + uidl + " (" + size + " bytes, over the size limit)");
                state.addPop3Seen(source.id(), uidl);
                continue;
            }
            String r = ask("RETR " + n);
            if (!Pop3Replies.ok(r)) {
                notes.add("RETR " + uidl + " failed: " + ImapResponses.shorten(r));
                continue;
            }
            MessageIntake.Taken t;
            try {
                t = intake.take(source, wire, "POP3S", uidl, this::readMultiline);
            } catch (MessageIntake.TooBig tooBig) {
                // the listing lied; the rest of the message is still on the wire, so this poll ends here
                state.addPop3Seen(source.id(), uidl);
                throw new FetchException("message " + uidl + " is larger than the server announced and over the size"
                        + " limit; skipped", false);
            }
            switch (t) {
                case MessageIntake.Taken.Stored s -> {
                    state.addPop3Seen(source.id(), uidl);
                    if (!source.keep()) dele(n);
                }
                case MessageIntake.Taken.Refused rf -> {
                    notes.add("refused " + uidl + ": " + rf.reason());
                    state.addPop3Seen(source.id(), uidl);
                }
                case MessageIntake.Taken.Deferred d -> notes.add("deferred " + uidl + ": " + d.reason());
            }
            if (t instanceof MessageIntake.Taken.Deferred) break;
        }
        String quit = ask("QUIT");
        if (!Pop3Replies.ok(quit)) {
            // RFC 1939 §6: the server could not remove the deleted messages; they are fetched already and stay
            notes.add("QUIT failed: " + ImapResponses.shorten(quit));
        }
        return String.join("; ", notes);
    }

    private FetchException authFailure(String reply) {
        // RFC 3206 §4: [SYS/TEMP] and [IN-USE] are not the password's fault
        boolean auth = Pop3Replies.code(reply).map(c -> !c.startsWith("SYS") && !c.equals("IN-USE")).orElse(true);
        return new FetchException("the POP3 server refused the login: " + ImapResponses.shorten(reply), auth);
    }

    private void dele(int n) throws IOException, FetchProtocolException, FetchException {
        String r = ask("DELE " + n);
        if (!Pop3Replies.ok(r)) throw new FetchException("DELE failed: " + ImapResponses.shorten(r), false);
    }

    private String ask(String command) throws IOException, FetchProtocolException {
        wire.send(command);
        return wire.readLine();
    }

    /** The lines of a multi-line listing (RFC 1939 §3), dot-unstuffed. */
    private List<String> listing(String command) throws IOException, FetchProtocolException, FetchException {
        String r = ask(command);
        if (!Pop3Replies.ok(r)) throw new FetchException(command + " failed: " + ImapResponses.shorten(r), false);
        List<String> out = new ArrayList<>();
        while (true) {
            String l = wire.readLine();
            if (l.equals(".")) return out;
            if (out.size() >= MAX_LISTING) throw new FetchProtocolException(command + " lists too many messages");
            out.add(l.startsWith(".") ? l.substring(1) : l);
        }
    }

    /**
     * Copies a multi-line response (RFC 1939 §3) byte by byte, without a line limit: a leading "." of a line is
     * dropped, and a line that is only "." ends it. Lines end in CRLF; a bare LF ends a line too (it is made CRLF
     * on the way into the store).
     */
    private void readMultiline(OutputStream out) throws IOException, FetchProtocolException {
        InputStream in = wire.input();
        boolean lineStart = true;
        while (true) {
            int b = in.read();
            if (b < 0) throw new FetchProtocolException("the server closed the connection inside a message");
            if (lineStart && b == '.') {
                int c = in.read();
                if (c == '\r') {
                    int d = in.read();
                    if (d == '\n') return;
                    out.write('\r'); // ".\r" then something else: a stuffed line starting with CR
                    if (d < 0) throw new FetchProtocolException("the server closed the connection inside a message");
                    out.write(d);
                    lineStart = d == '\n';
                    continue;
                }
                if (c == '\n') return;
                if (c < 0) throw new FetchProtocolException("the server closed the connection inside a message");
                out.write(c);
                lineStart = c == '\n';
                continue;
            }
            out.write(b);
            lineStart = b == '\n';
        }
    }
}
