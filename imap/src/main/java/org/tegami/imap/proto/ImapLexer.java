package org.tegami.imap.proto;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.tegami.core.Utf8;

/**
 * Cursor over one command: the current line as text plus the literals and continuation lines pulled from the
 * {@link ImapReader} on demand. Every literal is checked against the limits before the reader is asked for it.
 */
final class ImapLexer {
    private final ImapReader reader;
    private final ImapLimits limits;
    private final boolean authenticated;
    private String line;
    private int pos;
    private int depth;
    private long literalTotal;
    String tag = "*";

    ImapLexer(ImapReader reader, ImapLimits limits, boolean authenticated, byte[] first) throws ImapSyntaxException {
        this.reader = reader;
        this.limits = limits;
        this.authenticated = authenticated;
        setLine(first);
    }

    private void setLine(byte[] bytes) throws ImapSyntaxException {
        // decode before validating so that a bad line still tells error() whether a non-sync literal follows
        String text = Utf8.decode(bytes).orElse(null);
        line = text == null ? new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1) : text;
        pos = 0;
        if (text == null) throw error("Invalid UTF-8 in command");
        if (line.indexOf('\0') >= 0) throw error("NUL in command");
    }

    /** A syntax error; closing when the client will send a non-synchronizing literal we will not read. */
    ImapSyntaxException error(String text) {
        return new ImapSyntaxException(tag, text, endsWithNonSyncLiteral());
    }

    private static final java.util.regex.Pattern NON_SYNC_AT_END = java.util.regex.Pattern.compile("\\{[0-9]+\\+}$");

    private boolean endsWithNonSyncLiteral() {
        return line.endsWith("+}") && NON_SYNC_AT_END.matcher(line).find();
    }

    int peekAt(int offset) {
        return pos + offset < line.length() ? line.charAt(pos + offset) : -1;
    }

    /** Nesting without parentheses (NOT, OR) that still counts toward the depth limit. */
    void enter() throws ImapSyntaxException {
        if (++depth > limits.depth()) throw error("Too deeply nested");
    }

    void leave() {
        depth--;
    }

    boolean atEnd() {
        return pos == line.length();
    }

    int peek() {
        return atEnd() ? -1 : line.charAt(pos);
    }

    boolean tryChar(char c) {
        if (peek() == c) {
            pos++;
            return true;
        }
        return false;
    }

    void expect(char c) throws ImapSyntaxException {
        if (!tryChar(c)) throw error(c == ' ' ? "Expected SP" : "Expected " + c);
    }

    void sp() throws ImapSyntaxException {
        expect(' ');
    }

    void end() throws ImapSyntaxException {
        if (!atEnd()) throw error("Unexpected characters at end of command");
    }

    void open() throws ImapSyntaxException {
        expect('(');
        if (++depth > limits.depth()) throw error("Too deeply nested");
    }

    boolean tryOpen() throws ImapSyntaxException {
        if (peek() != '(') return false;
        open();
        return true;
    }

    void close() throws ImapSyntaxException {
        expect(')');
        depth--;
    }

    boolean tryClose() {
        if (tryChar(')')) {
            depth--;
            return true;
        }
        return false;
    }

    /** RFC 9051 §9 ATOM-CHAR: any CHAR except atom-specials. */
    static boolean atomChar(int c) {
        return c > 0x20 && c < 0x7f && "(){%*\"\\]".indexOf(c) < 0;
    }

    static boolean astringChar(int c) {
        return atomChar(c) || c == ']';
    }

    private String scan(java.util.function.IntPredicate ok, String what) throws ImapSyntaxException {
        int start = pos;
        while (!atEnd() && ok.test(line.charAt(pos))) pos++;
        if (pos == start) throw error("Expected " + what);
        return line.substring(start, pos);
    }

    String atom() throws ImapSyntaxException {
        return scan(ImapLexer::atomChar, "atom");
    }

    /** Letters, digits, dots and dashes: FETCH item names, which end at {@code [}. */
    String word() throws ImapSyntaxException {
        return scan(c -> (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-', "keyword");
    }

    String astring() throws ImapSyntaxException, IOException {
        int c = peek();
        if (c == '"' || c == '{') return string();
        return scan(ImapLexer::astringChar, "astring");
    }

    String string() throws ImapSyntaxException, IOException {
        int c = peek();
        if (c == '"') return quoted();
        if (c == '{') return literal();
        throw error("Expected string");
    }

    /** {@code NIL} as null. */
    String nstring() throws ImapSyntaxException, IOException {
        if (peek() == '"' || peek() == '{') return string();
        String a = atom();
        if (!a.equalsIgnoreCase("NIL")) throw error("Expected string or NIL");
        return null;
    }

    private String quoted() throws ImapSyntaxException {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (atEnd()) throw error("Unterminated quoted string");
            char c = line.charAt(pos++);
            if (c == '"') return sb.toString();
            if (c == '\\') {
                // RFC 9051 §9 QUOTED-CHAR: only quoted-specials may be escaped
                if (atEnd() || (line.charAt(pos) != '"' && line.charAt(pos) != '\\')) throw error("Invalid escape in quoted string");
                c = line.charAt(pos++);
            }
            sb.append(c);
        }
    }

    /** The header {@code {n}} or {@code {n+}} at the end of the line: its size and whether it is non-synchronizing. */
    record LiteralHeader(long size, boolean nonSync) {}

    LiteralHeader literalHeader() throws ImapSyntaxException {
        expect('{');
        int start = pos;
        while (!atEnd() && Character.isDigit(line.charAt(pos)) && line.charAt(pos) < 0x80) pos++;
        // RFC 9051 §9: number64, so {10737418240} is a valid header (refused later by size, with TOOBIG)
        if (pos == start || pos - start > 19) throw error("Invalid literal size");
        long size;
        try {
            size = Long.parseLong(line, start, pos, 10);
        } catch (NumberFormatException e) {
            throw error("Invalid literal size");
        }
        boolean nonSync = tryChar('+');
        expect('}');
        // RFC 9051 §4.3: the literal header is followed immediately by CRLF
        if (!atEnd()) throw error("Literal header must end the line");
        return new LiteralHeader(size, nonSync);
    }

    /** Where the command's lines and literals come from (CATENATE hands it on to the server with the lexer). */
    ImapReader reader() {
        return reader;
    }

    /** The size the next literal may have, and the NO it gets beyond that; -1 when only the limits apply. */
    private long literalCap = -1;
    private String literalCapText;

    /**
     * An nstring whose literal, if it is one, may hold at most {@code cap} octets: a larger one is refused with a
     * tagged NO {@code text} before "+", so the client never sends it (RFC 5464 §4.3 for METADATA values).
     */
    String nstringWithin(long cap, String text) throws ImapSyntaxException, IOException {
        literalCap = cap;
        literalCapText = text;
        try {
            return nstring();
        } finally {
            literalCap = -1;
        }
    }

    static final String LITERAL_BUDGET_TEXT = "[LIMIT] Too much literal data held at once; try again later";

    private byte[] readLiteral() throws ImapSyntaxException, IOException {
        LiteralHeader h = literalHeader();
        if (literalCap >= 0 && h.size() > literalCap) throw ImapSyntaxException.no(tag, literalCapText, h.nonSync());
        long max = limits.literal(authenticated);
        // RFC 7888 §4: a rejected non-synchronizing literal is already on its way, so the connection must close
        if (h.size() > max || literalTotal + h.size() > max || (h.nonSync() && h.size() > limits.nonSyncLiteral())) {
            throw new ImapSyntaxException(tag, "[TOOBIG] Literal too large", h.nonSync());
        }
        // before "+": a client refused here sends nothing, so the command simply ends (RFC 5530 §3 LIMIT)
        if (!reader.reserve(h.size())) throw ImapSyntaxException.no(tag, LITERAL_BUDGET_TEXT, h.nonSync());
        literalTotal += h.size();
        byte[] bytes = reader.literal((int) h.size(), h.nonSync());
        nextLine(); // read the rest of the command first, so that an error below leaves the connection framed
        return bytes;
    }

    private String literal() throws ImapSyntaxException, IOException {
        byte[] bytes = readLiteral();
        // RFC 9051 §9: literal = "{" number64 ["+"] "}" CRLF *CHAR8, and CHAR8 excludes NUL
        for (byte b : bytes) if (b == 0) throw error("NUL in literal");
        return Utf8.decode(bytes).orElseThrow(() -> error("Invalid UTF-8 in literal"));
    }

    private void nextLine() throws ImapSyntaxException, IOException {
        try {
            setLine(reader.line());
        } catch (ImapSyntaxException e) {
            throw e.tag().equals(tag) ? e : e.withTag(tag);
        }
    }

    long number() throws ImapSyntaxException {
        int start = pos;
        while (!atEnd() && line.charAt(pos) >= '0' && line.charAt(pos) <= '9') pos++;
        // number64 is at most 2^63-1: 19 digits
        if (pos == start || pos - start > 19) throw error("Expected number");
        try {
            return Long.parseLong(line, start, pos, 10);
        } catch (NumberFormatException e) {
            throw error("Number too large");
        }
    }

    long nzNumber() throws ImapSyntaxException {
        long n = number();
        if (n == 0) throw error("Expected non-zero number");
        return n;
    }

    String mailbox() throws ImapSyntaxException, IOException {
        String name = astring();
        if (!MailboxName.isValid(name)) throw error("Invalid mailbox name");
        return MailboxName.normalize(name);
    }

    /** A mailbox or a parenthesized list of them (RFC 7377 and RFC 5465 {@code one-or-more-mailbox}). */
    java.util.List<String> oneOrMoreMailboxes() throws ImapSyntaxException, IOException {
        if (!tryOpen()) return java.util.List.of(mailbox());
        java.util.List<String> boxes = new java.util.ArrayList<>();
        do {
            boxes.add(mailbox());
        } while (tryChar(' '));
        close();
        return boxes;
    }

    /** RFC 9051 §9 {@code list-mailbox}: like astring but also allowing the wildcards {@code %} and {@code *}. */
    String listMailbox() throws ImapSyntaxException, IOException {
        int c = peek();
        if (c == '"' || c == '{') return string();
        return scan(ch -> astringChar(ch) || ch == '%' || ch == '*', "mailbox pattern");
    }

    /** RFC 9051 §9 {@code sequence-set}, plus {@code $} (RFC 5182 §2.1). */
    SequenceSet sequenceSet() throws ImapSyntaxException {
        if (tryChar('$')) return SequenceSet.SAVED;
        List<SequenceSet.Range> ranges = new ArrayList<>();
        do {
            if (ranges.size() == limits.ranges()) throw error("Too many ranges in sequence set");
            long first = seqNumber();
            long last = tryChar(':') ? seqNumber() : first;
            ranges.add(new SequenceSet.Range(first, last));
        } while (tryChar(','));
        return new SequenceSet(ranges, false);
    }

    private long seqNumber() throws ImapSyntaxException {
        if (tryChar('*')) return SequenceSet.STAR;
        if (peek() < '0' || peek() > '9') throw error("Invalid sequence set");
        long n = number();
        if (n == 0 || n > SequenceSet.MAX_NUMBER) throw error("Invalid sequence set");
        return n;
    }
}
