package org.tegami.imap.proto;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * SEARCH (RFC 9051 §6.4.4) with ESEARCH return options (RFC 4731 §3.1), SEARCHRES (RFC 5182), MODSEQ (RFC 7162)
 * and the context options UPDATE and CONTEXT (RFC 5267 §4).
 */
final class SearchParser {
    private static final Set<String> RETURN = Set.of("MIN", "MAX", "ALL", "COUNT", "SAVE", "PARTIAL", "UPDATE", "CONTEXT");
    /** The options that ask for result data; UPDATE and CONTEXT only modify how the search is kept. */
    private static final Set<String> RESULT = Set.of("MIN", "MAX", "ALL", "COUNT", "SAVE", "PARTIAL");

    private SearchParser() {}

    static ImapCommand search(ImapLexer lx, boolean uid) throws IOException, ImapSyntaxException {
        lx.sp();
        List<String> returns = List.of();
        List<ImapCommand.PartialRange> partial = new ArrayList<>(1);
        Optional<String> charset = Optional.empty();
        String first = peekKeyword(lx);
        if (first.equals("RETURN")) {
            lx.atom();
            lx.sp();
            returns = returnOptions(lx, partial);
            lx.sp();
            first = peekKeyword(lx);
        }
        if (first.equals("CHARSET")) {
            lx.atom();
            lx.sp();
            charset = Optional.of(lx.astring().toUpperCase(Locale.ROOT));
            lx.sp();
        }
        List<SearchKey> keys = new ArrayList<>();
        do {
            keys.add(key(lx));
        } while (lx.tryChar(' '));
        lx.end();
        SearchKey key = keys.size() == 1 ? keys.getFirst() : new SearchKey.And(keys);
        return new ImapCommand.Search(uid, charset, key, returns, partial.stream().findFirst());
    }

    private static final Set<String> FILTERS = Set.of("selected", "selected-delayed", "inboxes", "personal", "subscribed",
            "subtree", "subtree-one", "mailboxes");

    /** RFC 7377 §2: ESEARCH [SP "IN" SP "(" filters ")"] search-return and keys as for UID SEARCH. */
    static ImapCommand multiSearch(ImapLexer lx) throws IOException, ImapSyntaxException {
        List<ImapCommand.SearchSource> sources = new ArrayList<>();
        if (lx.peek() == ' ' && (lx.peekAt(1) == 'I' || lx.peekAt(1) == 'i') && (lx.peekAt(2) == 'N' || lx.peekAt(2) == 'n')
                && lx.peekAt(3) == ' ') {
            lx.sp();
            lx.atom();
            lx.sp();
            lx.open();
            do {
                String f = lx.atom().toLowerCase(Locale.ROOT);
                if (!FILTERS.contains(f)) throw lx.error("Unknown ESEARCH source");
                List<String> boxes = List.of();
                if (f.equals("subtree") || f.equals("subtree-one") || f.equals("mailboxes")) {
                    lx.sp();
                    boxes = lx.oneOrMoreMailboxes();
                }
                sources.add(new ImapCommand.SearchSource(f, boxes));
            } while (lx.tryChar(' '));
            lx.close();
        } else {
            sources.add(new ImapCommand.SearchSource("selected", List.of()));
        }
        ImapCommand.Search search = (ImapCommand.Search) search(lx, true);
        if (search.returnOptions().contains("SAVE")) throw lx.error("SAVE cannot be used with ESEARCH"); // RFC 7377 §2
        // RFC 5267 §4.3 keeps a search of the selected mailbox up to date; RFC 7377 defines no such context
        if (search.returnOptions().contains("UPDATE")) throw lx.error("UPDATE cannot be used with ESEARCH");
        return new ImapCommand.MultiSearch(sources, search);
    }

    private static final Set<String> SORT_KEYS = Set.of("ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO",
            "DISPLAYFROM", "DISPLAYTO");

    /** RFC 5256 §5: SORT SP sort-criteria SP charset 1*(SP search-key). */
    static ImapCommand sort(ImapLexer lx, boolean uid) throws IOException, ImapSyntaxException {
        lx.sp();
        List<String> returns = List.of();
        List<ImapCommand.PartialRange> partial = new ArrayList<>(1);
        if (peekKeyword(lx).equals("RETURN")) { // RFC 5267 §3.2 ESORT; PARTIAL, UPDATE and CONTEXT from §4
            lx.atom();
            lx.sp();
            returns = returnOptions(lx, partial);
            if (returns.contains("SAVE")) throw lx.error("SAVE is not a SORT return option");
            lx.sp();
        }
        List<ImapCommand.SortCriterion> criteria = new ArrayList<>();
        lx.open();
        do {
            String k = lx.atom().toUpperCase(Locale.ROOT);
            boolean reverse = k.equals("REVERSE");
            if (reverse) {
                lx.sp();
                k = lx.atom().toUpperCase(Locale.ROOT);
            }
            if (!SORT_KEYS.contains(k)) throw lx.error("Unknown sort criterion");
            criteria.add(new ImapCommand.SortCriterion(reverse, k));
        } while (lx.tryChar(' '));
        lx.close();
        lx.sp();
        String charset = lx.astring().toUpperCase(Locale.ROOT);
        return new ImapCommand.Sort(uid, criteria, charset, criteria(lx), returns, partial.stream().findFirst());
    }

    /** RFC 5256 §5: THREAD SP thread-alg SP charset 1*(SP search-key). */
    static ImapCommand thread(ImapLexer lx, boolean uid) throws IOException, ImapSyntaxException {
        lx.sp();
        String algorithm = lx.atom().toUpperCase(Locale.ROOT);
        if (!algorithm.equals("ORDEREDSUBJECT") && !algorithm.equals("REFERENCES")) throw lx.error("Unknown thread algorithm");
        lx.sp();
        String charset = lx.astring().toUpperCase(Locale.ROOT);
        return new ImapCommand.Thread(uid, algorithm, charset, criteria(lx));
    }

    /** 1*(SP search-key) to the end of the command, as one key. */
    private static SearchKey criteria(ImapLexer lx) throws IOException, ImapSyntaxException {
        List<SearchKey> keys = new ArrayList<>();
        do {
            lx.sp();
            keys.add(key(lx));
        } while (lx.peek() == ' ');
        lx.end();
        return keys.size() == 1 ? keys.getFirst() : new SearchKey.And(keys);
    }

    private static String peekKeyword(ImapLexer lx) {
        // a look-ahead that does not consume: RETURN and CHARSET are not search keys
        StringBuilder sb = new StringBuilder();
        for (int i = 0; ; i++) {
            int c = lx.peekAt(i);
            if (!ImapLexer.atomChar(c)) break;
            sb.append((char) c);
        }
        return sb.toString().toUpperCase(Locale.ROOT);
    }

    /** RFC 9394 §3: partial-range = nz-number ":" nz-number / "-" nz-number ":" "-" nz-number. */
    static ImapCommand.PartialRange partialRange(ImapLexer lx) throws ImapSyntaxException {
        boolean negative = lx.tryChar('-');
        long first = lx.number();
        if (!lx.tryChar(':')) throw lx.error("Expected a partial range such as 1:100 or -1:-100");
        if (negative != lx.tryChar('-')) throw lx.error("Both ends of a partial range have the same sign");
        long last = lx.number();
        if (first < 1 || last < 1 || first > SequenceSet.MAX_NUMBER || last > SequenceSet.MAX_NUMBER) {
            throw lx.error("Invalid partial range");
        }
        return negative ? new ImapCommand.PartialRange(-first, -last) : new ImapCommand.PartialRange(first, last);
    }

    /** The RETURN options; a PARTIAL range goes into {@code partial}. */
    private static List<String> returnOptions(ImapLexer lx, List<ImapCommand.PartialRange> partial)
            throws ImapSyntaxException {
        List<String> opts = new ArrayList<>();
        lx.open();
        if (!lx.tryClose()) {
            do {
                String o = lx.atom().toUpperCase(Locale.ROOT);
                if (!RETURN.contains(o)) throw lx.error("Unknown SEARCH return option");
                if (o.equals("PARTIAL")) {
                    lx.sp();
                    partial.clear();
                    partial.add(partialRange(lx));
                }
                if (!opts.contains(o)) opts.add(o);
            } while (lx.tryChar(' '));
            lx.close();
        }
        // RFC 4731 §3.1: RETURN () is the same as RETURN (ALL); so is a RETURN with only UPDATE or CONTEXT, which
        // ask for no data themselves (RFC 5267 §4.2, §4.3)
        if (opts.stream().noneMatch(RESULT::contains)) opts.add("ALL");
        return opts;
    }

    private static SearchKey key(ImapLexer lx) throws IOException, ImapSyntaxException {
        int c = lx.peek();
        if (c == '(') {
            lx.open();
            List<SearchKey> keys = new ArrayList<>();
            do {
                keys.add(key(lx));
            } while (lx.tryChar(' '));
            lx.close();
            return keys.size() == 1 ? keys.getFirst() : new SearchKey.And(keys);
        }
        if ((c >= '0' && c <= '9') || c == '*' || c == '$') return new SearchKey.SeqSet(lx.sequenceSet());
        String k = lx.atom().toUpperCase(Locale.ROOT);
        return switch (k) {
            case "ALL" -> new SearchKey.All();
            case "ANSWERED" -> new SearchKey.Answered();
            case "DELETED" -> new SearchKey.Deleted();
            case "DRAFT" -> new SearchKey.Draft();
            case "FLAGGED" -> new SearchKey.Flagged();
            case "SEEN" -> new SearchKey.Seen();
            case "NEW" -> new SearchKey.New();
            case "OLD" -> new SearchKey.Old();
            case "RECENT" -> new SearchKey.Recent();
            case "UNANSWERED" -> new SearchKey.Unanswered();
            case "UNDELETED" -> new SearchKey.Undeleted();
            case "UNDRAFT" -> new SearchKey.Undraft();
            case "UNFLAGGED" -> new SearchKey.Unflagged();
            case "UNSEEN" -> new SearchKey.Unseen();
            case "KEYWORD" -> new SearchKey.Keyword(arg(lx, () -> ImapParser.flag(lx)));
            case "UNKEYWORD" -> new SearchKey.Unkeyword(arg(lx, () -> ImapParser.flag(lx)));
            case "FROM" -> new SearchKey.Header("From", arg(lx, lx::astring));
            case "TO" -> new SearchKey.Header("To", arg(lx, lx::astring));
            case "CC" -> new SearchKey.Header("Cc", arg(lx, lx::astring));
            case "BCC" -> new SearchKey.Header("Bcc", arg(lx, lx::astring));
            case "SUBJECT" -> new SearchKey.Header("Subject", arg(lx, lx::astring));
            case "HEADER" -> {
                String field = arg(lx, lx::astring);
                yield new SearchKey.Header(field, arg(lx, lx::astring));
            }
            case "BODY" -> new SearchKey.Body(arg(lx, lx::astring));
            case "TEXT" -> new SearchKey.Text(arg(lx, lx::astring));
            case "BEFORE" -> new SearchKey.Before(arg(lx, () -> ImapParser.date(lx)));
            case "ON" -> new SearchKey.On(arg(lx, () -> ImapParser.date(lx)));
            case "SINCE" -> new SearchKey.Since(arg(lx, () -> ImapParser.date(lx)));
            case "SENTBEFORE" -> new SearchKey.SentBefore(arg(lx, () -> ImapParser.date(lx)));
            case "SENTON" -> new SearchKey.SentOn(arg(lx, () -> ImapParser.date(lx)));
            case "SENTSINCE" -> new SearchKey.SentSince(arg(lx, () -> ImapParser.date(lx)));
            case "LARGER" -> new SearchKey.Larger(arg(lx, lx::number));
            case "SMALLER" -> new SearchKey.Smaller(arg(lx, lx::number));
            case "UID" -> new SearchKey.UidSet(arg(lx, lx::sequenceSet));
            case "NOT" -> new SearchKey.Not(arg(lx, () -> nested(lx)));
            case "OR" -> {
                SearchKey a = arg(lx, () -> nested(lx));
                yield new SearchKey.Or(a, arg(lx, () -> nested(lx)));
            }
            case "MODSEQ" -> modSeq(lx);
            case "EMAILID" -> new SearchKey.EmailId(arg(lx, lx::atom));
            case "SAVEDBEFORE" -> new SearchKey.SavedBefore(arg(lx, () -> ImapParser.date(lx)));
            case "SAVEDON" -> new SearchKey.SavedOn(arg(lx, () -> ImapParser.date(lx)));
            case "SAVEDSINCE" -> new SearchKey.SavedSince(arg(lx, () -> ImapParser.date(lx)));
            case "SAVEDATESUPPORTED" -> new SearchKey.SaveDateSupported();
            case "THREADID" -> new SearchKey.ThreadId(arg(lx, lx::atom));
            case "OLDER" -> new SearchKey.Older(arg(lx, () -> positive(lx)));
            case "YOUNGER" -> new SearchKey.Younger(arg(lx, () -> positive(lx)));
            default -> throw lx.error("Unknown search key");
        };
    }

    /** RFC 5032 §4: an interval in seconds, nz-number. */
    private static long positive(ImapLexer lx) throws ImapSyntaxException {
        long n = lx.number();
        if (n < 1) throw lx.error("Interval must be at least 1 second");
        return n;
    }

    /** NOT and OR nest without parentheses, so they count toward the depth limit too. */
    private static SearchKey nested(ImapLexer lx) throws IOException, ImapSyntaxException {
        lx.enter();
        SearchKey k = key(lx);
        lx.leave();
        return k;
    }

    // RFC 7162 §3.1.5: "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer
    private static SearchKey modSeq(ImapLexer lx) throws IOException, ImapSyntaxException {
        lx.sp();
        if (lx.peek() == '"') {
            lx.string();
            lx.sp();
            String type = lx.atom().toLowerCase(Locale.ROOT);
            if (!type.equals("priv") && !type.equals("shared") && !type.equals("all")) throw lx.error("Invalid MODSEQ entry type");
            lx.sp();
        }
        return new SearchKey.ModSeq(lx.number());
    }

    @FunctionalInterface
    private interface Part<T> {
        T read() throws IOException, ImapSyntaxException;
    }

    private static <T> T arg(ImapLexer lx, Part<T> part) throws IOException, ImapSyntaxException {
        lx.sp();
        return part.read();
    }
}
