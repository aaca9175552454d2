package org.tegami.imap.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.tegami.imap.proto.Dialect;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;

/**
 * The commands valid in any state (RFC 9051 §6.1: CAPABILITY, NOOP, LOGOUT; RFC 2971 ID), and those that change
 * the connection itself once logged in: ENABLE (RFC 5161) and COMPRESS (RFC 4978).
 */
final class ConnectionCommands {
    /** Advertised after login, each complete (docs/imap-compliance.md lists the RFC and the tests of each). */
    private static final List<String> AUTHENTICATED = List.of(
            "IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS",
            "SPECIAL-USE", "CREATE-SPECIAL-USE", "ESEARCH", "SEARCHRES", "CONDSTORE", "QRESYNC", "STATUS=SIZE",
            "UNAUTHENTICATE", "WITHIN", "SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES",
            "OBJECTID", "PREVIEW", "MULTIAPPEND", "BINARY", "REPLACE", "ESORT", "QUOTA", "QUOTA=RES-STORAGE",
            "QUOTA=RES-MESSAGE", "SAVEDATE", "UTF8=ACCEPT", "METADATA", "METADATA-SERVER", "PARTIAL", "MULTISEARCH",
            "UIDONLY", "CATENATE", "ACL", "RIGHTS=texkn", "LIST-MYRIGHTS", "NOTIFY", "CONTEXT=SEARCH", "CONTEXT=SORT",
            "INPROGRESS");

    private final ImapSession s;

    ConnectionCommands(ImapSession session) {
        this.s = session;
    }

    void execute(String tag, ImapCommand cmd) throws IOException {
        switch (cmd) {
            case ImapCommand.Capability c -> {
                s.out().capability(capabilities());
                s.out().ok(tag, "CAPABILITY completed");
            }
            case ImapCommand.Noop c -> {
                s.sync(true);
                s.out().ok(tag, "NOOP completed");
            }
            case ImapCommand.Logout c -> {
                s.release(); // before the OK, so that a client reconnecting at once finds the session gone
                s.out().bye(s.env.hostname() + " logging out");
                s.out().ok(tag, "LOGOUT completed");
                s.endSession();
            }
            case ImapCommand.Id c -> {
                // RFC 2971 §3.1: the server's own fields; the client's are only logged
                s.out().data("ID (\"name\" \"Tegami\" \"vendor\" \"Tegami\" \"support-url\" \"https://github.com/tegami\")");
                s.out().ok(tag, "ID completed");
            }
            default -> throw new IllegalStateException("not an any-state command: " + cmd);
        }
    }

    /** The capabilities for the session's state (RFC 9051 §7.2.2). */
    String capabilities() {
        List<String> caps = new ArrayList<>(List.of("IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ENABLE", "ID"));
        if (s.state() instanceof SessionState.NotAuthenticated) {
            // RFC 9051 §6.2.3 / RFC 8314: no credentials before TLS, so no mechanisms either
            if (s.conn.isTls()) {
                caps.add("AUTH=PLAIN");
                caps.add("AUTH=LOGIN");
            } else {
                caps.add("STARTTLS");
                caps.add("LOGINDISABLED");
            }
            return String.join(" ", caps);
        }
        caps.addAll(AUTHENTICATED);
        caps.add("APPENDLIMIT=" + s.env.maxMessageSize());
        if (!s.conn.isCompressed()) caps.add("COMPRESS=DEFLATE");
        return String.join(" ", caps);
    }

    /** RFC 5161: ENABLE; unknown names are ignored (§3.1), the enabled ones listed once each. */
    void enable(String tag, ImapCommand.Enable c) throws IOException {
        Dialect d = s.dialect();
        boolean rev2 = d.rev2();
        boolean utf8Accept = d.utf8Accept();
        boolean condstore = d.condstore();
        boolean qresync = d.qresync();
        boolean uidOnly = d.uidOnly();
        List<String> enabled = new ArrayList<>();
        for (String cap : c.capabilities()) {
            String name = switch (cap) {
                case "IMAP4REV2" -> {
                    rev2 = true;
                    s.selection().ifPresent(SelectedMailbox::dropRecent); // RFC 9051 has no \Recent
                    yield "IMAP4rev2";
                }
                case "CONDSTORE" -> {
                    condstore = true;
                    yield "CONDSTORE";
                }
                case "UIDONLY" -> {
                    uidOnly = true;
                    yield "UIDONLY";
                }
                case "UTF8=ACCEPT" -> {
                    utf8Accept = true;
                    yield "UTF8=ACCEPT";
                }
                case "QRESYNC" -> { // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE
                    condstore = true;
                    qresync = true;
                    yield "QRESYNC";
                }
                default -> null;
            };
            if (name != null && !enabled.contains(name)) enabled.add(name);
        }
        s.dialect(new Dialect(rev2, utf8Accept, condstore, qresync, uidOnly));
        s.out().enabled(enabled);
        s.out().ok(tag, "ENABLE completed");
    }

    /** RFC 4978 §3: raw DEFLATE both ways from the end of the OK line on. */
    void compress(String tag, String mechanism) throws IOException, ImapSyntaxException {
        if (!mechanism.equals("DEFLATE")) throw new ImapSyntaxException(tag, "Unknown compression mechanism", false);
        if (s.conn.isCompressed()) {
            s.out().no(tag, ResponseCode.Atom.COMPRESSIONACTIVE, "DEFLATE is already active");
            return;
        }
        s.out().ok(tag, "DEFLATE active");
        s.conn.startCompression();
        s.newReader(); // nothing may be pipelined behind COMPRESS: what was is dropped
    }
}
