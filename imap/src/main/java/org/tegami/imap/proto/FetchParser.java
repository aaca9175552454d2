package org.tegami.imap.proto;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** FETCH (RFC 9051 §6.4.5) with BINARY (RFC 3516 §4.2) and CHANGEDSINCE/VANISHED (RFC 7162 §3.1.4, §3.2.6). */
final class FetchParser {
    private FetchParser() {}

    static ImapCommand fetch(ImapLexer lx, boolean uid) throws IOException, ImapSyntaxException {
        lx.sp();
        SequenceSet set = lx.sequenceSet();
        lx.sp();
        List<FetchItem> items = new ArrayList<>();
        if (lx.tryOpen()) {
            do {
                items.add(item(lx));
            } while (lx.tryChar(' '));
            lx.close();
        } else {
            String w = lx.peek() >= 'A' ? peekWord(lx) : "";
            switch (w) {
                case "ALL" -> { lx.word(); items.addAll(FetchItem.ALL); }
                case "FAST" -> { lx.word(); items.addAll(FetchItem.FAST); }
                case "FULL" -> { lx.word(); items.addAll(FetchItem.FULL); }
                default -> items.add(item(lx));
            }
        }
        Optional<Long> changedSince = Optional.empty();
        Optional<ImapCommand.PartialRange> partial = Optional.empty();
        boolean vanished = false;
        if (lx.tryChar(' ')) {
            lx.open();
            do {
                String m = lx.atom().toUpperCase(Locale.ROOT);
                switch (m) {
                    case "CHANGEDSINCE" -> {
                        lx.sp();
                        changedSince = Optional.of(lx.number());
                    }
                    case "VANISHED" -> vanished = true;
                    case "PARTIAL" -> { // RFC 9394 §3.2
                        lx.sp();
                        partial = Optional.of(SearchParser.partialRange(lx));
                    }
                    default -> throw lx.error("Unknown FETCH modifier");
                }
            } while (lx.tryChar(' '));
            lx.close();
        }
        // RFC 7162 §3.2.6: VANISHED only in UID FETCH and only together with CHANGEDSINCE
        if (vanished && (!uid || changedSince.isEmpty())) throw lx.error("VANISHED requires UID FETCH with CHANGEDSINCE");
        return ImapParser.end(lx, new ImapCommand.Fetch(uid, set, items, changedSince, vanished, partial));
    }

    /** A parenthesized list of fetch attributes (also NOTIFY's MessageNew list, RFC 5465 §8). */
    static List<FetchItem> items(ImapLexer lx) throws IOException, ImapSyntaxException {
        List<FetchItem> items = new ArrayList<>();
        lx.open();
        do {
            items.add(item(lx));
        } while (lx.tryChar(' '));
        lx.close();
        return items;
    }

    private static String peekWord(ImapLexer lx) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; ; i++) {
            int c = lx.peekAt(i);
            if (!ImapLexer.atomChar(c) || c == '[') break;
            sb.append((char) c);
        }
        return sb.toString().toUpperCase(Locale.ROOT);
    }

    private static FetchItem item(ImapLexer lx) throws IOException, ImapSyntaxException {
        String w = lx.word().toUpperCase(Locale.ROOT);
        return switch (w) {
            case "FLAGS" -> new FetchItem.Flags();
            case "INTERNALDATE" -> new FetchItem.InternalDate();
            case "RFC822.SIZE" -> new FetchItem.Rfc822Size();
            case "ENVELOPE" -> new FetchItem.Envelope();
            case "BODYSTRUCTURE" -> new FetchItem.BodyStructure();
            case "UID" -> new FetchItem.Uid();
            case "MODSEQ" -> new FetchItem.ModSeq();
            case "EMAILID" -> new FetchItem.EmailId();
            case "SAVEDATE" -> new FetchItem.SaveDate();
            case "THREADID" -> new FetchItem.ThreadId();
            case "PREVIEW" -> {
                // RFC 8970 §3: PREVIEW [SP "(" "LAZY" ")"]
                if (lx.peek() == ' ' && lx.peekAt(1) == '(') {
                    lx.sp();
                    lx.open();
                    if (!lx.atom().equalsIgnoreCase("LAZY")) throw lx.error("Unknown PREVIEW modifier");
                    lx.close();
                }
                yield new FetchItem.Preview();
            }
            case "RFC822" -> new FetchItem.Rfc822();
            case "RFC822.HEADER" -> new FetchItem.Rfc822Header();
            case "RFC822.TEXT" -> new FetchItem.Rfc822Text();
            case "BODY", "BODY.PEEK" -> {
                boolean peek = w.equals("BODY.PEEK");
                if (lx.peek() != '[') {
                    if (peek) throw lx.error("Expected [ after BODY.PEEK");
                    yield new FetchItem.Body();
                }
                yield section(lx, peek);
            }
            case "BINARY", "BINARY.PEEK" -> {
                List<Integer> part = binarySection(lx);
                yield new FetchItem.Binary(w.equals("BINARY.PEEK"), part, partial(lx));
            }
            case "BINARY.SIZE" -> new FetchItem.BinarySize(binarySection(lx));
            default -> throw lx.error("Unknown FETCH item");
        };
    }

    // RFC 9051 §9: section = "[" [section-spec] "]"
    private static FetchItem section(ImapLexer lx, boolean peek) throws IOException, ImapSyntaxException {
        lx.expect('[');
        List<Integer> part = new ArrayList<>();
        Optional<FetchItem.SectionText> text = Optional.empty();
        if (lx.peek() != ']') {
            boolean dot = false;
            while (lx.peek() >= '0' && lx.peek() <= '9') {
                part.add(partNumber(lx));
                dot = lx.tryChar('.');
                if (!dot) break;
            }
            if (part.isEmpty() || dot) text = Optional.of(sectionText(lx, !part.isEmpty()));
        }
        lx.expect(']');
        return new FetchItem.BodySection(peek, part, text, partial(lx));
    }

    private static FetchItem.SectionText sectionText(ImapLexer lx, boolean afterPart) throws IOException, ImapSyntaxException {
        String w = lx.word().toUpperCase(Locale.ROOT);
        return switch (w) {
            case "HEADER" -> new FetchItem.SectionText.Header();
            case "TEXT" -> new FetchItem.SectionText.Text();
            case "MIME" -> {
                // RFC 9051 §6.4.5: MIME only follows a part number
                if (!afterPart) throw lx.error("MIME requires a part number");
                yield new FetchItem.SectionText.Mime();
            }
            case "HEADER.FIELDS" -> new FetchItem.SectionText.HeaderFields(headerList(lx));
            case "HEADER.FIELDS.NOT" -> new FetchItem.SectionText.HeaderFieldsNot(headerList(lx));
            default -> throw lx.error("Invalid section");
        };
    }

    private static List<String> headerList(ImapLexer lx) throws IOException, ImapSyntaxException {
        lx.sp();
        lx.open();
        List<String> fields = new ArrayList<>();
        do {
            String f = lx.astring();
            // RFC 5322 §3.6.8: field names are printable ASCII except colon
            if (!f.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ':')) throw lx.error("Invalid header field name");
            fields.add(f);
        } while (lx.tryChar(' '));
        lx.close();
        return fields;
    }

    // RFC 3516 §4.2: section-binary = "[" [section-part] "]"
    private static List<Integer> binarySection(ImapLexer lx) throws ImapSyntaxException {
        lx.expect('[');
        List<Integer> part = new ArrayList<>();
        if (lx.peek() != ']') {
            do {
                part.add(partNumber(lx));
            } while (lx.tryChar('.'));
        }
        lx.expect(']');
        return part;
    }

    private static int partNumber(ImapLexer lx) throws ImapSyntaxException {
        long n = lx.nzNumber();
        if (n > Integer.MAX_VALUE) throw lx.error("Invalid section");
        return (int) n;
    }

    // RFC 9051 §9: partial = "<" number64 "." nz-number64 ">"
    private static Optional<FetchItem.Partial> partial(ImapLexer lx) throws ImapSyntaxException {
        if (!lx.tryChar('<')) return Optional.empty();
        long offset = lx.number();
        lx.expect('.');
        long length = lx.nzNumber();
        lx.expect('>');
        return Optional.of(new FetchItem.Partial(offset, length));
    }
}
