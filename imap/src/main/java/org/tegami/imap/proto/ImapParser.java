package org.tegami.imap.proto;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses one tagged IMAP command (RFC 9051 §9 formal syntax, accepting IMAP4rev1 forms of RFC 3501). Pure: it
 * pulls lines and literals from an {@link ImapReader} and holds no session state; whether a command is allowed
 * in the current state is the server's decision.
 */
public final class ImapParser {
    private static final Set<String> STATUS_ITEMS = Set.of("MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN",
            "DELETED", "SIZE", "RECENT", "HIGHESTMODSEQ", "APPENDLIMIT", "MAILBOXID");
    private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
            "SEP", "OCT", "NOV", "DEC");
    /** RFC 2971 §3.3: at most 30 field-value pairs. */
    private static final int ID_FIELDS = 30;

    private final ImapLimits limits;

    public ImapParser(ImapLimits limits) {
        this.limits = limits;
    }

    /**
     * Reads and parses the next command. For APPEND it returns as soon as the message literal's header is read;
     * the message octets are still unread.
     */
    public ImapRequest parse(ImapReader in, boolean authenticated) throws IOException, ImapSyntaxException {
        byte[] first = in.line();
        ImapLexer lx;
        try {
            lx = new ImapLexer(in, limits, authenticated, first);
        } catch (ImapSyntaxException e) {
            throw e.withTag(leadingTag(first)); // a NUL or bad UTF-8 later in the line still gets a tagged BAD
        }
        String tag = tag(lx);
        lx.tag = tag;
        lx.sp();
        String name = lx.atom().toUpperCase(Locale.ROOT);
        ImapCommand command = command(lx, name);
        return new ImapRequest(tag, command);
    }

    /**
     * Reads the rest of an APPEND line after the server consumed the message literal: empty when the command is
     * complete, otherwise the next message of a MULTIAPPEND (RFC 3502 §6.3.11) to the same mailbox.
     */
    public Optional<ImapCommand.Append> appendEnd(ImapReader in, String tag, String mailbox, boolean authenticated)
            throws IOException, ImapSyntaxException {
        return appendEnd(in, tag, mailbox, authenticated, false);
    }

    /** As above, after a message sent as {@code UTF8 (~{n})}: its closing parenthesis comes first (RFC 6855 §4). */
    public Optional<ImapCommand.Append> appendEnd(ImapReader in, String tag, String mailbox, boolean authenticated,
            boolean utf8) throws IOException, ImapSyntaxException {
        ImapLexer lx = afterMessage(in, tag, authenticated, utf8);
        return lx == null ? Optional.empty() : Optional.of(appendMessage(lx, mailbox));
    }

    /**
     * As {@link #appendEnd}, for APPEND itself: the next message may also be a CATENATE one (RFC 4469 §5 extends
     * RFC 3502's append-message, so a MULTIAPPEND mixes plain and CATENATE messages). Empty when the command is
     * complete, otherwise an {@link ImapCommand.Append} or an {@link ImapCommand.Catenate}.
     */
    public Optional<ImapCommand> appendNext(ImapReader in, String tag, String mailbox, boolean authenticated,
            boolean utf8) throws IOException, ImapSyntaxException {
        ImapLexer lx = afterMessage(in, tag, authenticated, utf8);
        return lx == null ? Optional.empty() : Optional.of(catenateOrAppend(lx, mailbox));
    }

    /** The rest of an APPEND line after a message: null when the command ends there, else placed at the next one. */
    private ImapLexer afterMessage(ImapReader in, String tag, boolean authenticated, boolean utf8)
            throws IOException, ImapSyntaxException {
        ImapLexer lx = new ImapLexer(in, limits, authenticated, in.line());
        lx.tag = tag;
        if (utf8) lx.close();
        if (lx.atEnd()) return null;
        lx.sp();
        return lx;
    }

    /** The tag at the start of a raw line, or {@code *} when there is no valid one. */
    private String leadingTag(byte[] line) {
        int n = 0;
        while (n < line.length && n <= limits.tag() && line[n] != ' ') {
            if (!ImapLexer.astringChar(line[n] & 0xff) || line[n] == '+' || line[n] < 0) return ImapResponse.UNTAGGED;
            n++;
        }
        return n == 0 || n > limits.tag() || n == line.length ? ImapResponse.UNTAGGED
                : new String(line, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private String tag(ImapLexer lx) throws ImapSyntaxException {
        // RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">
        StringBuilder sb = new StringBuilder();
        while (!lx.atEnd() && ImapLexer.astringChar(lx.peek()) && lx.peek() != '+') {
            sb.append((char) lx.peek());
            lx.tryChar((char) lx.peek());
        }
        if (sb.isEmpty()) throw lx.error("Missing or invalid tag");
        if (sb.length() > limits.tag()) throw lx.error("Tag too long");
        return sb.toString();
    }

    private ImapCommand command(ImapLexer lx, String name) throws IOException, ImapSyntaxException {
        return switch (name) {
            case "CAPABILITY" -> none(lx, new ImapCommand.Capability());
            case "NOOP" -> none(lx, new ImapCommand.Noop());
            case "LOGOUT" -> none(lx, new ImapCommand.Logout());
            case "STARTTLS" -> none(lx, new ImapCommand.StartTls());
            case "NAMESPACE" -> none(lx, new ImapCommand.Namespace());
            case "IDLE" -> none(lx, new ImapCommand.Idle());
            case "CHECK" -> none(lx, new ImapCommand.Check());
            case "CLOSE" -> none(lx, new ImapCommand.Close());
            case "UNSELECT" -> none(lx, new ImapCommand.Unselect());
            case "UNAUTHENTICATE" -> none(lx, new ImapCommand.Unauthenticate());
            case "GETQUOTA" -> {
                lx.sp();
                String root = lx.astring();
                yield end(lx, new ImapCommand.GetQuota(root));
            }
            case "GETQUOTAROOT" -> new ImapCommand.GetQuotaRoot(oneMailbox(lx));
            case "NOTIFY" -> NotifyParser.notify(lx);
            case "GETACL" -> new ImapCommand.GetAcl(oneMailbox(lx)); // RFC 4314 §3
            case "MYRIGHTS" -> new ImapCommand.MyRights(oneMailbox(lx));
            case "SETACL", "DELETEACL", "LISTRIGHTS" -> acl(lx, name);
            case "SETMETADATA" -> setMetadata(lx);
            case "ESEARCH" -> SearchParser.multiSearch(lx);
            case "GETMETADATA" -> getMetadata(lx);
            case "SETQUOTA" -> {
                // RFC 9208 §4.1: SETQUOTA SP quota-root SP "(" [setquota-resource *(SP setquota-resource)] ")"
                lx.sp();
                String root = lx.astring();
                lx.sp();
                lx.open();
                Map<String, Long> limits = new LinkedHashMap<>();
                if (!lx.tryClose()) {
                    do {
                        String resource = lx.atom().toUpperCase(Locale.ROOT);
                        lx.sp();
                        limits.put(resource, lx.number());
                    } while (lx.tryChar(' '));
                    lx.close();
                }
                yield end(lx, new ImapCommand.SetQuota(root, limits));
            }
            case "COMPRESS" -> {
                lx.sp();
                String mechanism = lx.atom().toUpperCase(Locale.ROOT);
                yield end(lx, new ImapCommand.Compress(mechanism));
            }
            case "EXPUNGE" -> none(lx, new ImapCommand.Expunge());
            case "AUTHENTICATE" -> authenticate(lx);
            case "LOGIN" -> {
                lx.sp();
                String user = lx.astring();
                lx.sp();
                String password = lx.astring();
                yield end(lx, new ImapCommand.Login(user, password));
            }
            case "ENABLE" -> {
                List<String> caps = new ArrayList<>();
                do {
                    lx.sp();
                    caps.add(lx.atom().toUpperCase(Locale.ROOT));
                } while (!lx.atEnd());
                yield new ImapCommand.Enable(caps);
            }
            case "SELECT", "EXAMINE" -> select(lx, name.equals("SELECT"));
            case "CREATE" -> create(lx);
            case "DELETE" -> new ImapCommand.Delete(oneMailbox(lx));
            case "SUBSCRIBE" -> new ImapCommand.Subscribe(oneMailbox(lx));
            case "UNSUBSCRIBE" -> new ImapCommand.Unsubscribe(oneMailbox(lx));
            case "RENAME" -> {
                lx.sp();
                String from = lx.mailbox();
                lx.sp();
                String to = lx.mailbox();
                yield end(lx, new ImapCommand.Rename(from, to));
            }
            case "LIST" -> ListParser.list(lx);
            case "LSUB" -> {
                lx.sp();
                String ref = lx.astring();
                lx.sp();
                String pattern = lx.listMailbox();
                yield end(lx, new ImapCommand.Lsub(ref, pattern));
            }
            case "STATUS" -> status(lx);
            case "APPEND" -> {
                lx.sp();
                String mailbox = lx.mailbox();
                lx.sp();
                yield catenateOrAppend(lx, mailbox);
            }
            case "UID" -> {
                lx.sp();
                String sub = lx.atom().toUpperCase(Locale.ROOT);
                yield switch (sub) {
                    case "FETCH" -> FetchParser.fetch(lx, true);
                    case "STORE" -> store(lx, true);
                    case "SEARCH" -> SearchParser.search(lx, true);
                    case "SORT" -> SearchParser.sort(lx, true);
                    case "THREAD" -> SearchParser.thread(lx, true);
                    case "REPLACE" -> replace(lx, true);
                    case "COPY" -> copyOrMove(lx, true, false);
                    case "MOVE" -> copyOrMove(lx, true, true);
                    case "EXPUNGE" -> {
                        lx.sp();
                        yield end(lx, new ImapCommand.UidExpunge(lx.sequenceSet()));
                    }
                    default -> throw lx.error("Unknown UID command");
                };
            }
            case "FETCH" -> FetchParser.fetch(lx, false);
            case "STORE" -> store(lx, false);
            case "SEARCH" -> SearchParser.search(lx, false);
            case "SORT" -> SearchParser.sort(lx, false);
            case "THREAD" -> SearchParser.thread(lx, false);
            case "REPLACE" -> replace(lx, false);
            case "COPY" -> copyOrMove(lx, false, false);
            case "MOVE" -> copyOrMove(lx, false, true);
            case "ID" -> id(lx);
            case "CANCELUPDATE" -> cancelUpdate(lx);
            default -> throw lx.error("Unknown command");
        };
    }

    static <T extends ImapCommand> T end(ImapLexer lx, T command) throws ImapSyntaxException {
        lx.end();
        return command;
    }

    /** RFC 4314 §7: SETACL mailbox identifier mod-rights, DELETEACL and LISTRIGHTS mailbox identifier. */
    private static ImapCommand acl(ImapLexer lx, String name) throws ImapSyntaxException, IOException {
        lx.sp();
        String mailbox = lx.mailbox();
        lx.sp();
        String identifier = lx.astring();
        if (name.equals("SETACL")) {
            lx.sp();
            return end(lx, new ImapCommand.SetAcl(mailbox, identifier, lx.astring()));
        }
        return end(lx, name.equals("DELETEACL") ? new ImapCommand.DeleteAcl(mailbox, identifier)
                : new ImapCommand.ListRights(mailbox, identifier));
    }

    private static ImapCommand none(ImapLexer lx, ImapCommand command) throws ImapSyntaxException {
        return end(lx, command);
    }

    private static String oneMailbox(ImapLexer lx) throws IOException, ImapSyntaxException {
        lx.sp();
        String mailbox = lx.mailbox();
        lx.end();
        return mailbox;
    }

    private static ImapCommand authenticate(ImapLexer lx) throws ImapSyntaxException {
        lx.sp();
        String mechanism = lx.atom().toUpperCase(Locale.ROOT);
        Optional<String> initial = Optional.empty();
        if (lx.tryChar(' ')) {
            // RFC 4959 §3: base64 initial response, "=" for an empty one
            String ir = lx.atom();
            if (!ir.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 0x80 || c == '+' || c == '/' || c == '=')) {
                throw lx.error("Invalid initial response");
            }
            initial = Optional.of(ir);
        }
        return end(lx, new ImapCommand.Authenticate(mechanism, initial));
    }

    private static ImapCommand select(ImapLexer lx, boolean select) throws IOException, ImapSyntaxException {
        lx.sp();
        String mailbox = lx.mailbox();
        boolean condstore = false;
        Optional<ImapCommand.Qresync> qresync = Optional.empty();
        if (lx.tryChar(' ')) {
            lx.open();
            do {
                String p = lx.atom().toUpperCase(Locale.ROOT);
                switch (p) {
                    case "CONDSTORE" -> condstore = true;
                    case "QRESYNC" -> {
                        lx.sp();
                        qresync = Optional.of(qresync(lx));
                    }
                    default -> throw lx.error("Unknown SELECT parameter");
                }
            } while (lx.tryChar(' '));
            lx.close();
        }
        lx.end();
        return select ? new ImapCommand.Select(mailbox, condstore, qresync)
                : new ImapCommand.Examine(mailbox, condstore, qresync);
    }

    // RFC 7162 §3.2.5: "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
    private static ImapCommand.Qresync qresync(ImapLexer lx) throws ImapSyntaxException {
        lx.open();
        long uidValidity = lx.nzNumber();
        if (uidValidity > SequenceSet.MAX_NUMBER) throw lx.error("Invalid UIDVALIDITY");
        lx.sp();
        long modSeq = lx.nzNumber();
        Optional<SequenceSet> knownUids = Optional.empty();
        Optional<SequenceSet> seqs = Optional.empty();
        Optional<SequenceSet> uids = Optional.empty();
        if (lx.tryChar(' ')) {
            if (lx.peek() != '(') knownUids = Optional.of(lx.sequenceSet());
            if (knownUids.isEmpty() || lx.tryChar(' ')) {
                lx.open();
                seqs = Optional.of(lx.sequenceSet());
                lx.sp();
                uids = Optional.of(lx.sequenceSet());
                lx.close();
            }
        }
        lx.close();
        return new ImapCommand.Qresync(uidValidity, modSeq, knownUids, seqs, uids);
    }

    private static ImapCommand create(ImapLexer lx) throws IOException, ImapSyntaxException {
        lx.sp();
        String mailbox = lx.mailbox();
        List<String> use = new ArrayList<>();
        if (lx.tryChar(' ')) {
            // RFC 6154 §5.3: create-param = "USE" SP "(" [use-attr *(SP use-attr)] ")"
            lx.open();
            if (!lx.atom().equalsIgnoreCase("USE")) throw lx.error("Unknown CREATE parameter");
            lx.sp();
            lx.open();
            if (!lx.tryClose()) {
                do {
                    lx.expect('\\');
                    use.add("\\" + capitalize(lx.atom()));
                } while (lx.tryChar(' '));
                lx.close();
            }
            lx.close();
        }
        return end(lx, new ImapCommand.Create(mailbox, use));
    }

    private static ImapCommand status(ImapLexer lx) throws IOException, ImapSyntaxException {
        lx.sp();
        String mailbox = lx.mailbox();
        lx.sp();
        List<String> items = statusItems(lx);
        return end(lx, new ImapCommand.Status(mailbox, items));
    }

    static List<String> statusItems(ImapLexer lx) throws ImapSyntaxException {
        lx.open();
        List<String> items = new ArrayList<>();
        do {
            String item = lx.atom().toUpperCase(Locale.ROOT);
            if (!STATUS_ITEMS.contains(item)) throw lx.error("Unknown STATUS item");
            items.add(item);
        } while (lx.tryChar(' '));
        lx.close();
        return items;
    }

    // RFC 9051 §6.3.12: [SP flag-list] [SP date-time] SP literal; RFC 3516 §4.4 allows literal8 ("~{n}")
    /** RFC 5464 §5: a mailbox or {@code ""} for the server. */
    private static String metadataMailbox(ImapLexer lx) throws ImapSyntaxException, IOException {
        String name = lx.astring();
        if (name.isEmpty()) return name;
        if (!MailboxName.isValid(name)) throw lx.error("Invalid mailbox name");
        return MailboxName.normalize(name);
    }

    /** RFC 5464 §3.2: an entry name, lower-cased: /private/... or /shared/..., no wildcards, no empty levels. */
    private static String entry(ImapLexer lx) throws ImapSyntaxException, IOException {
        String e = lx.astring().toLowerCase(Locale.ROOT);
        boolean ok = (e.startsWith("/private/") || e.startsWith("/shared/")) && !e.endsWith("/") && !e.contains("//")
                && e.indexOf('*') < 0 && e.indexOf('%') < 0 && e.chars().allMatch(c -> c > 0x19 && c != 0x7f);
        if (!ok) throw lx.error("Invalid metadata entry name");
        return e;
    }

    private static ImapCommand setMetadata(ImapLexer lx) throws ImapSyntaxException, IOException {
        lx.sp();
        String mailbox = metadataMailbox(lx);
        lx.sp();
        lx.open();
        Map<String, Optional<String>> entries = new LinkedHashMap<>();
        do {
            String e = entry(lx);
            lx.sp();
            entries.put(e, Optional.ofNullable(lx.nstringWithin(ImapLimits.METADATA_VALUE,
                    "[METADATA MAXSIZE " + ImapLimits.METADATA_VALUE + "] Value too large")));
        } while (lx.tryChar(' '));
        lx.close();
        return end(lx, new ImapCommand.SetMetadata(mailbox, entries));
    }

    private static ImapCommand getMetadata(ImapLexer lx) throws ImapSyntaxException, IOException {
        lx.sp();
        int depth = 0;
        Optional<Long> maxSize = Optional.empty();
        if (lx.peek() == '(') {
            lx.open();
            do {
                String o = lx.atom().toUpperCase(Locale.ROOT);
                lx.sp();
                switch (o) {
                    case "MAXSIZE" -> maxSize = Optional.of(lx.number());
                    case "DEPTH" -> {
                        String d = lx.atom().toLowerCase(Locale.ROOT);
                        depth = switch (d) {
                            case "0" -> 0;
                            case "1" -> 1;
                            case "infinity" -> -1;
                            default -> throw lx.error("DEPTH is 0, 1 or infinity");
                        };
                    }
                    default -> throw lx.error("Unknown GETMETADATA option");
                }
            } while (lx.tryChar(' '));
            lx.close();
            lx.sp();
        }
        String mailbox = metadataMailbox(lx);
        lx.sp();
        List<String> entries = new ArrayList<>();
        if (lx.peek() == '(') {
            lx.open();
            do {
                entries.add(entry(lx));
            } while (lx.tryChar(' '));
            lx.close();
        } else {
            entries.add(entry(lx));
        }
        return end(lx, new ImapCommand.GetMetadata(mailbox, entries, depth, maxSize));
    }

    /** RFC 8508 §6: REPLACE SP seq-number SP mailbox SP append-message (the literal is left to the server). */
    private static ImapCommand replace(ImapLexer lx, boolean uid) throws IOException, ImapSyntaxException {
        lx.sp();
        long number = lx.number();
        if (number < 1 || number > SequenceSet.MAX_NUMBER) throw lx.error("Invalid message number");
        lx.sp();
        String mailbox = lx.mailbox();
        lx.sp();
        return new ImapCommand.Replace(uid, number, appendMessage(lx, mailbox));
    }

    /**
     * RFC 4469 §5: append-opts SP "CATENATE" SP "(" cat-part *(SP cat-part) ")", else a plain APPEND message. The
     * parts are left to the server to read ({@link CatenateParts}), so that TEXT literals are streamed, not held.
     */
    ImapCommand catenateOrAppend(ImapLexer lx, String mailbox) throws ImapSyntaxException {
        AppendOpts opts = appendOpts(lx);
        if (lx.peek() != 'C' && lx.peek() != 'c') return appendData(lx, mailbox, opts);
        if (!lx.atom().equalsIgnoreCase("CATENATE")) throw lx.error("Expected a literal or CATENATE");
        lx.sp();
        lx.open();
        return new ImapCommand.Catenate(mailbox, opts.flags(), opts.date(), new CatenateParts(this, lx, lx.reader(), limits, mailbox));
    }

    /** RFC 9051 §9 append-opts: [SP flag-list] [SP date-time], each followed by its SP here. */
    private record AppendOpts(List<String> flags, Optional<OffsetDateTime> date) {}

    private static AppendOpts appendOpts(ImapLexer lx) throws ImapSyntaxException {
        List<String> flags = List.of();
        if (lx.peek() == '(') {
            flags = flagList(lx);
            lx.sp();
        }
        Optional<OffsetDateTime> date = Optional.empty();
        if (lx.peek() == '"') {
            date = Optional.of(dateTime(lx));
            lx.sp();
        }
        return new AppendOpts(flags, date);
    }

    private static ImapCommand.Append appendMessage(ImapLexer lx, String mailbox) throws ImapSyntaxException {
        return appendData(lx, mailbox, appendOpts(lx));
    }

    /** The message literal of an APPEND, plain, binary ({@code ~{n}}) or wrapped as {@code UTF8 (~{n})}. */
    private static ImapCommand.Append appendData(ImapLexer lx, String mailbox, AppendOpts opts) throws ImapSyntaxException {
        List<String> flags = opts.flags();
        Optional<OffsetDateTime> date = opts.date();
        boolean utf8 = false;
        if (lx.peek() == 'U' || lx.peek() == 'u') { // RFC 6855 §4: append-data = "UTF8" SP "(" literal8 ")"
            if (!lx.atom().equalsIgnoreCase("UTF8")) throw lx.error("Expected a literal or UTF8");
            lx.sp();
            lx.open();
            if (lx.peek() != '~') throw lx.error("UTF8 takes a literal8 (~{n})");
            utf8 = true;
        }
        boolean binary = lx.tryChar('~');
        ImapLexer.LiteralHeader h = lx.literalHeader();
        return new ImapCommand.Append(mailbox, flags, date, h.size(), h.nonSync(), binary, utf8);
    }

    static List<String> flagList(ImapLexer lx) throws ImapSyntaxException {
        lx.open();
        List<String> flags = new ArrayList<>();
        if (lx.tryClose()) return flags;
        do {
            flags.add(flag(lx));
        } while (lx.tryChar(' '));
        lx.close();
        return flags;
    }

    /** RFC 9051 §9 {@code flag}: system flags in canonical case; \Recent cannot be set by a client. */
    static String flag(ImapLexer lx) throws ImapSyntaxException {
        if (!lx.tryChar('\\')) {
            String keyword = lx.atom();
            // RFC 9051 §4.5: NIL is the absence of a value, not a keyword; BAD as Dovecot answers ("Flags list
            // contains non-atoms"), so no message ever gets a keyword "NIL"
            if (keyword.equalsIgnoreCase("NIL")) throw lx.error("NIL is not a flag");
            return keyword;
        }
        String f = "\\" + capitalize(lx.atom());
        if (f.equals("\\Recent")) throw lx.error("\\Recent cannot be set");
        return f;
    }

    private static String capitalize(String s) {
        return s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
    }

    private static ImapCommand store(ImapLexer lx, boolean uid) throws ImapSyntaxException {
        lx.sp();
        SequenceSet set = lx.sequenceSet();
        lx.sp();
        Optional<Long> unchangedSince = Optional.empty();
        if (lx.peek() == '(') {
            // RFC 7162 §3.1.3: STORE modifier UNCHANGEDSINCE mod-sequence-valzer
            lx.open();
            if (!lx.atom().equalsIgnoreCase("UNCHANGEDSINCE")) throw lx.error("Unknown STORE modifier");
            lx.sp();
            unchangedSince = Optional.of(lx.number());
            lx.close();
            lx.sp();
        }
        ImapCommand.StoreMode mode = lx.tryChar('+') ? ImapCommand.StoreMode.ADD
                : lx.tryChar('-') ? ImapCommand.StoreMode.REMOVE : ImapCommand.StoreMode.REPLACE;
        String item = lx.atom().toUpperCase(Locale.ROOT);
        boolean silent = item.equals("FLAGS.SILENT");
        if (!silent && !item.equals("FLAGS")) throw lx.error("Expected FLAGS or FLAGS.SILENT");
        lx.sp();
        List<String> flags;
        if (lx.peek() == '(') {
            flags = flagList(lx);
        } else {
            flags = new ArrayList<>();
            do {
                flags.add(flag(lx));
            } while (lx.tryChar(' '));
        }
        return end(lx, new ImapCommand.Store(uid, set, mode, silent, flags, unchangedSince));
    }

    private static ImapCommand copyOrMove(ImapLexer lx, boolean uid, boolean move) throws IOException, ImapSyntaxException {
        lx.sp();
        SequenceSet set = lx.sequenceSet();
        lx.sp();
        String mailbox = lx.mailbox();
        lx.end();
        return move ? new ImapCommand.Move(uid, set, mailbox) : new ImapCommand.Copy(uid, set, mailbox);
    }

    /** RFC 5267 §5: "CANCELUPDATE" 1*(SP quoted), each the tag of a search with RETURN (UPDATE). */
    private static ImapCommand cancelUpdate(ImapLexer lx) throws IOException, ImapSyntaxException {
        List<String> tags = new ArrayList<>();
        do {
            lx.sp();
            if (lx.peek() != '"') throw lx.error("CANCELUPDATE takes quoted tags");
            tags.add(lx.string());
        } while (!lx.atEnd());
        return new ImapCommand.CancelUpdate(tags);
    }

    private static ImapCommand id(ImapLexer lx) throws IOException, ImapSyntaxException {
        lx.sp();
        if (lx.peek() != '(') {
            if (!lx.atom().equalsIgnoreCase("NIL")) throw lx.error("Expected ( or NIL");
            return end(lx, new ImapCommand.Id(Optional.empty()));
        }
        lx.open();
        Map<String, String> fields = new LinkedHashMap<>();
        // RFC 2971 §4: id-params-list = "(" *(string SP nstring) ")", tolerated empty as Outlook sends "()"
        if (!lx.tryClose()) {
            do {
                if (fields.size() == ID_FIELDS) throw lx.error("Too many ID fields");
                String key = lx.string();
                lx.sp();
                String value = lx.nstring();
                if (value != null) fields.put(key, value);
            } while (lx.tryChar(' '));
            lx.close();
        }
        return end(lx, new ImapCommand.Id(Optional.of(java.util.Collections.unmodifiableMap(fields))));
    }

    /** RFC 9051 §9 {@code date}: date-text or quoted date-text, e.g. {@code 1-Feb-2024}. */
    static LocalDate date(ImapLexer lx) throws ImapSyntaxException {
        boolean quoted = lx.tryChar('"');
        int day = (int) lx.number();
        lx.expect('-');
        int month = month(lx);
        lx.expect('-');
        int year = (int) lx.number();
        if (quoted) lx.expect('"');
        try {
            if (year < 1000 || year > 9999) throw new DateTimeException("year");
            return LocalDate.of(year, month, day);
        } catch (DateTimeException e) {
            throw lx.error("Invalid date");
        }
    }

    private static int month(ImapLexer lx) throws ImapSyntaxException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3 && Character.isLetter(lx.peek()); i++) {
            sb.append((char) lx.peek());
            lx.tryChar((char) lx.peek());
        }
        int m = MONTHS.indexOf(sb.toString().toUpperCase(Locale.ROOT));
        if (m < 0) throw lx.error("Invalid date");
        return m + 1;
    }

    // RFC 9051 §9: date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
    private static OffsetDateTime dateTime(ImapLexer lx) throws ImapSyntaxException {
        lx.expect('"');
        lx.tryChar(' ');
        // date-day-fixed is " 1" or "01"; "1" alone is accepted too, as Dovecot does
        int day = (int) lx.number();
        lx.expect('-');
        int month = month(lx);
        lx.expect('-');
        int year = (int) lx.number();
        lx.sp();
        int h = twoDigits(lx);
        lx.expect(':');
        int mi = twoDigits(lx);
        lx.expect(':');
        int s = twoDigits(lx);
        lx.sp();
        int sign = lx.tryChar('+') ? 1 : lx.tryChar('-') ? -1 : 0;
        if (sign == 0) throw lx.error("Invalid date-time");
        int zh = twoDigits(lx);
        int zm = twoDigits(lx);
        lx.expect('"');
        try {
            if (year < 1000 || year > 9999 || zm > 59) throw new DateTimeException("range");
            return OffsetDateTime.of(LocalDateTime.of(year, month, day, h, mi, s),
                    ZoneOffset.ofHoursMinutes(sign * zh, sign * zm));
        } catch (DateTimeException e) {
            throw lx.error("Invalid date-time");
        }
    }

    private static int twoDigits(ImapLexer lx) throws ImapSyntaxException {
        int v = 0;
        for (int i = 0; i < 2; i++) {
            int c = lx.peek();
            if (c < '0' || c > '9') throw lx.error("Invalid date-time");
            lx.tryChar((char) c);
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
