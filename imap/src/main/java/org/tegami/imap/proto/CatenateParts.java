package org.tegami.imap.proto;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * The parts of an APPEND ... CATENATE (RFC 4469 §5), read one at a time so that the server streams each TEXT
 * literal into the message being built instead of the parser holding it in memory (issue 12). Read once, by the
 * session thread: after a {@link ImapCommand.CatPart.Text} the caller reads exactly its octets from the reader
 * ({@link StreamImapReader#openLiteral}) before asking for the next part.
 */
public final class CatenateParts {
    private final ImapReader in;
    private final ImapLimits limits;
    private final String tag;
    private final ImapParser parser;
    private final String mailbox;
    private Optional<ImapCommand> following = Optional.empty();
    private ImapLexer lx;
    private boolean first = true;
    private boolean afterText;
    private boolean done;

    /** Positioned just after {@code CATENATE (}. */
    CatenateParts(ImapParser parser, ImapLexer lx, ImapReader in, ImapLimits limits, String mailbox) {
        this.parser = parser;
        this.mailbox = mailbox;
        this.lx = lx;
        this.in = in;
        this.limits = limits;
        this.tag = lx.tag;
    }

    /**
     * The next part, or empty once the closing parenthesis ended the command. A TEXT part comes with its literal's
     * size, its octets still unread.
     *
     * @throws ImapSyntaxException for a malformed part; it closes the connection when a non-synchronizing literal
     *         may be on its way
     */
    public Optional<ImapCommand.CatPart> next() throws IOException, ImapSyntaxException {
        if (done) return Optional.empty();
        if (afterText) { // the command goes on on the line after the literal's octets
            lx = new ImapLexer(in, limits, true, in.line());
            lx.tag = tag;
            afterText = false;
        }
        if (!first) {
            if (lx.tryClose()) {
                done = true;
                if (!lx.atEnd()) { // RFC 4469 §5 with RFC 3502: the next message of a MULTIAPPEND
                    lx.sp();
                    following = Optional.of(parser.catenateOrAppend(lx, mailbox));
                }
                return Optional.empty();
            }
            lx.sp();
        }
        first = false;
        String kind = lx.atom().toUpperCase(Locale.ROOT);
        lx.sp();
        return Optional.of(switch (kind) {
            case "TEXT" -> {
                ImapLexer.LiteralHeader h = lx.literalHeader();
                // RFC 7888 §4: under LITERAL- a larger non-synchronizing literal is refused, and it is already sent
                if (h.nonSync() && h.size() > limits.nonSyncLiteral()) {
                    throw new ImapSyntaxException(tag, "[TOOBIG] Literal too large", true);
                }
                afterText = true;
                yield new ImapCommand.CatPart.Text(h.size(), h.nonSync());
            }
            case "URL" -> new ImapCommand.CatPart.Url(lx.astring());
            default -> throw lx.error("CATENATE parts are TEXT or URL");
        });
    }

    /**
     * Once {@link #next} returned empty: the next message of the same APPEND (RFC 3502), an
     * {@link ImapCommand.Append} whose literal is still unread or an {@link ImapCommand.Catenate}; empty when the
     * command ended with this message.
     */
    public Optional<ImapCommand> following() {
        return following;
    }
}
