package org.tegami.imap.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.PrimitiveIterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for {@link ImapParser} and the parsers behind it (SEARCH/SORT/THREAD/ESEARCH, FETCH, NOTIFY, LIST,
 * sequence sets), see docs/fuzzing.md. The input is what a client sends: command lines and literal octets. The
 * contract: each command parses or fails with {@link ImapSyntaxException}; the parser asks for no literal larger
 * than {@link ImapLimits} allows; the only other exception is the {@link EOFException} of an input that ends inside
 * a command. Anything else (NPE, IndexOutOfBounds, StackOverflowError, ...) is a finding.
 *
 * <p>The reader here implements the {@link ImapReader} contract directly rather than using
 * {@link StreamImapReader}, so that these targets exercise the parser alone.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ImapParserFuzzTest {
    /** Most commands parsed from one input: the rest would only repeat what a shorter input covers. */
    private static final int MAX_COMMANDS = 32;

    /** Raw client bytes: a sequence of commands, run as an authenticated client and as one before login. */
    @FuzzTest(maxDuration = "5m")
    void commands(byte[] input) throws IOException {
        session(input, ImapLimits.DEFAULTS, true);
        session(input, ImapLimits.LITERAL_MINUS_DEFAULTS, false);
    }

    /** SEARCH keys and the commands sharing them (UID SEARCH, SORT, THREAD, ESEARCH): the first byte picks the command. */
    @FuzzTest(maxDuration = "5m")
    void search(byte[] input) throws IOException {
        String[] commands = {"a SEARCH ", "a UID SEARCH ", "a SORT ", "a UID THREAD ", "a ESEARCH "};
        prefixed(commands, input);
    }

    /** FETCH items, sections and partials. */
    @FuzzTest(maxDuration = "5m")
    void fetch(byte[] input) throws IOException {
        prefixed(new String[] {"a FETCH ", "a UID FETCH "}, input);
    }

    /** NOTIFY event groups (RFC 5465). */
    @FuzzTest(maxDuration = "5m")
    void notify(byte[] input) throws IOException {
        prefixed(new String[] {"a NOTIFY "}, input);
    }

    /** LIST with selection and return options (RFC 5258, 6154, 5819), and LSUB. */
    @FuzzTest(maxDuration = "5m")
    void list(byte[] input) throws IOException {
        prefixed(new String[] {"a LIST ", "a LSUB "}, input);
    }

    /**
     * Sequence sets as the lexer reads them, then resolved against a mailbox size: {@code contains}, {@code highest}
     * and the iterator must agree, and the iterator yields each number of 1..max at most once, ascending.
     */
    @FuzzTest(maxDuration = "5m")
    void sequenceSet(FuzzedDataProvider data) throws IOException {
        long max = data.consumeLong(0, SequenceSet.MAX_NUMBER);
        String set = data.consumeRemainingAsString();
        ImapRequest r;
        try {
            r = new ImapParser(ImapLimits.DEFAULTS).parse(new FuzzReader(("a UID EXPUNGE " + set + "\r\n")
                    .getBytes(StandardCharsets.UTF_8), ImapLimits.DEFAULTS, true), true);
        } catch (ImapSyntaxException | EOFException e) {
            return;
        }
        SequenceSet s = ((ImapCommand.UidExpunge) r.command()).set();
        if (s.saved()) return;
        assertTrue(s.ranges().size() <= ImapLimits.RANGES);
        assertTrue(s.toString().length() <= set.length(), s::toString);
        long highest = s.highest(max);
        PrimitiveIterator.OfLong it = s.iterator(max);
        long prev = 0;
        for (int i = 0; i < 10_000 && it.hasNext(); i++) {
            long n = it.nextLong();
            assertTrue(n > prev && n >= 1 && n <= max && n <= highest, () -> s + " max " + max + " gave " + n);
            assertTrue(s.contains(n, max), () -> s + " iterates " + n + " but does not contain it");
            for (long gap = prev + 1; gap < n && gap < prev + 64; gap++) {
                long g = gap;
                assertFalse(s.contains(g, max), () -> s + " contains " + g + " but the iterator skipped it");
            }
            prev = n;
        }
    }

    private static void prefixed(String[] commands, byte[] input) throws IOException {
        String prefix = commands[input.length == 0 ? 0 : (input[0] & 0xff) % commands.length];
        byte[] rest = input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        byte[] wire = new byte[p.length + rest.length + 2];
        System.arraycopy(p, 0, wire, 0, p.length);
        System.arraycopy(rest, 0, wire, p.length, rest.length);
        wire[wire.length - 2] = '\r';
        wire[wire.length - 1] = '\n';
        session(wire, ImapLimits.DEFAULTS, true);
    }

    /** Parses commands until the input ends or a syntax error closes the connection, like the session loop does. */
    static void session(byte[] input, ImapLimits limits, boolean authenticated) throws IOException {
        ImapParser parser = new ImapParser(limits);
        FuzzReader in = new FuzzReader(input, limits, authenticated);
        for (int i = 0; i < MAX_COMMANDS; i++) {
            int start = in.pos;
            try {
                ImapRequest r = parser.parse(in, authenticated);
                check(r, in.pos - start);
                ImapCommand c = r.command();
                if (c instanceof ImapCommand.Replace rep) c = rep.message();
                // APPEND returns before its message: skip the octets as the server would, then read the rest
                while (c instanceof ImapCommand.Append a) {
                    if (a.literalSize() > in.remaining()) return;
                    in.pos += (int) a.literalSize();
                    var next = parser.appendEnd(in, r.tag(), a.mailbox(), authenticated, a.utf8());
                    if (next.isEmpty()) break;
                    c = next.get();
                }
            } catch (ImapSyntaxException e) {
                assertNotNull(e.tag());
                assertNotNull(e.text());
                String line = e.line();
                assertFalse(line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0, line);
                if (e.close()) return;
            } catch (EOFException e) {
                return;
            }
        }
    }

    /** Nothing parsed may be larger than a small multiple of the octets it came from (FETCH macros expand a little). */
    private static void check(ImapRequest r, int consumed) {
        assertNotNull(r.tag());
        assertFalse(r.tag().isEmpty());
        assertTrue(r.tag().length() <= ImapLimits.TAG);
        String s = r.command().toString();
        assertTrue(s.length() <= 32L * consumed + 1024, () -> "command of " + consumed + " octets renders as " + s.length());
    }

    /** {@link ImapReader} over a byte array: CRLF lines bounded by the line limit, literals checked against the limits. */
    static final class FuzzReader implements ImapReader {
        private final byte[] data;
        private final ImapLimits limits;
        private final boolean authenticated;
        int pos;

        FuzzReader(byte[] data, ImapLimits limits, boolean authenticated) {
            this.data = data;
            this.limits = limits;
            this.authenticated = authenticated;
        }

        int remaining() {
            return data.length - pos;
        }

        @Override
        public byte[] line() throws IOException, ImapSyntaxException {
            for (int i = pos; i < data.length; i++) {
                if (data[i] != '\n') continue;
                if (i == pos || data[i - 1] != '\r') throw new ImapSyntaxException("*", "Line must end with CRLF", false);
                if (i - 1 - pos > limits.line()) throw new ImapSyntaxException("*", "Command line too long", true);
                byte[] line = Arrays.copyOfRange(data, pos, i - 1);
                pos = i + 1;
                return line;
            }
            throw new EOFException("input ends inside a command line");
        }

        @Override
        public byte[] literal(int size, boolean nonSync) throws IOException {
            // the parser must have checked the size against the limits before asking for the octets
            assertTrue(size >= 0 && size <= limits.literal(authenticated), "literal of " + size + " octets admitted");
            if (nonSync) assertTrue(size <= limits.nonSyncLiteral(), "non-synchronizing literal of " + size + " admitted");
            if (size > remaining()) throw new EOFException("input ends inside a literal");
            byte[] out = Arrays.copyOfRange(data, pos, pos + size);
            pos += size;
            return out;
        }
    }

    @org.junit.jupiter.api.Test
    void readerSplitsLinesAndLiterals() throws Exception {
        FuzzReader r = new FuzzReader("a\r\nbc\r\n".getBytes(StandardCharsets.US_ASCII), ImapLimits.DEFAULTS, true);
        assertEquals("a", new String(r.line(), StandardCharsets.US_ASCII));
        assertEquals("b", new String(r.literal(1, false), StandardCharsets.US_ASCII));
        assertEquals("c", new String(r.line(), StandardCharsets.US_ASCII));
    }
}
