package org.tegami.imap.proto;

import java.util.List;
import java.util.OptionalLong;

/**
 * The response codes the server sends between brackets in a status response (RFC 9051 §7.1, and the extensions
 * named per code). Each knows its wire form; {@link ResponseEncoder} writes it.
 */
public sealed interface ResponseCode {

    /** Appends the code as it goes between {@code [} and {@code ]}. */
    void appendTo(StringBuilder out);

    /** The code's wire form, for tests and logs. */
    default String wire() {
        StringBuilder sb = new StringBuilder();
        appendTo(sb);
        return sb.toString();
    }

    /** Codes without data. */
    enum Atom implements ResponseCode {
        ALREADYEXISTS, // RFC 5530 §3
        AUTHENTICATIONFAILED,
        AUTHORIZATIONFAILED,
        CANNOT,
        CLOSED, // RFC 7162 §3.2.11
        COMPRESSIONACTIVE, // RFC 4978 §3
        LIMIT,
        NONEXISTENT,
        NOPERM,
        NOTIFICATIONOVERFLOW, // RFC 5465 §5.8
        OVERQUOTA,
        PRIVACYREQUIRED,
        READ_ONLY("READ-ONLY"),
        READ_WRITE("READ-WRITE"),
        SERVERBUG,
        TOOBIG, // RFC 7889 §4
        TRYCREATE,
        UIDREQUIRED, // RFC 9586 §3.2
        UNAVAILABLE,
        UNKNOWN_CTE("UNKNOWN-CTE"), // RFC 3516 §4.3
        USEATTR; // RFC 6154 §3

        private final String wire;

        Atom() {
            this.wire = null;
        }

        Atom(String wire) {
            this.wire = wire;
        }

        @Override
        public void appendTo(StringBuilder out) {
            out.append(wire != null ? wire : name());
        }
    }

    /** RFC 9051 §7.1: the server's capabilities, space-separated. */
    record Capability(String capabilities) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("CAPABILITY ").append(capabilities);
        }
    }

    /** RFC 9051 §7.1: the flags the client can change permanently, {@code \*} included when it may create keywords. */
    record PermanentFlags(List<String> flags) implements ResponseCode {
        public PermanentFlags {
            flags = List.copyOf(flags);
        }

        @Override
        public void appendTo(StringBuilder out) {
            out.append("PERMANENTFLAGS (").append(String.join(" ", flags)).append(')');
        }
    }

    /** RFC 9051 §7.1 UIDVALIDITY. */
    record UidValidity(long value) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("UIDVALIDITY ").append(value);
        }
    }

    /** RFC 9051 §7.1 UIDNEXT. */
    record UidNext(long value) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("UIDNEXT ").append(value);
        }
    }

    /** RFC 3501 §7.1 UNSEEN: the sequence number of the first unseen message (IMAP4rev1 only). */
    record Unseen(long seq) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("UNSEEN ").append(seq);
        }
    }

    /** RFC 7162 §3.1.2.1 HIGHESTMODSEQ. */
    record HighestModSeq(long value) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("HIGHESTMODSEQ ").append(value);
        }
    }

    /** RFC 7162 §3.1.3 MODIFIED: the messages a conditional STORE left alone, as a sequence set. */
    record Modified(String set) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("MODIFIED ").append(set);
        }
    }

    /** RFC 4315 §3 APPENDUID uidvalidity uid-set. */
    record AppendUid(long uidValidity, String uids) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("APPENDUID ").append(uidValidity).append(' ').append(uids);
        }
    }

    /** RFC 4315 §3 COPYUID uidvalidity source-uids destination-uids, in the same order. */
    record CopyUid(long uidValidity, String from, String to) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("COPYUID ").append(uidValidity).append(' ').append(from).append(' ').append(to);
        }
    }

    /** RFC 8474 §4.1 MAILBOXID (id). */
    record MailboxId(String id) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("MAILBOXID (").append(id).append(')');
        }
    }

    /** RFC 9051 §7.1 BADCHARSET with the charsets the server supports. */
    record BadCharset(List<String> supported) implements ResponseCode {
        public BadCharset {
            supported = List.copyOf(supported);
        }

        @Override
        public void appendTo(StringBuilder out) {
            out.append("BADCHARSET");
            if (!supported.isEmpty()) out.append(" (").append(String.join(" ", supported)).append(')');
        }
    }

    /** RFC 4469 §5 BADURL: the URL of a CATENATE part that could not be resolved. */
    record BadUrl(String url) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("BADURL ").append(url);
        }
    }

    /** RFC 5465 §5.9 BADEVENT with the events the server supports. */
    record BadEvent(List<String> supported) implements ResponseCode {
        public BadEvent {
            supported = List.copyOf(supported);
        }

        @Override
        public void appendTo(StringBuilder out) {
            out.append("BADEVENT (").append(String.join(" ", supported)).append(')');
        }
    }

    /** RFC 5267 §4.4 NOUPDATE "tag": the search will not be kept up to date. */
    record NoUpdate(String tag) implements ResponseCode {
        @Override
        public void appendTo(StringBuilder out) {
            out.append("NOUPDATE \"").append(tag).append('"');
        }
    }

    /**
     * RFC 5464 §4.2 / §4.3 METADATA codes: {@code LONGENTRIES n}, {@code MAXSIZE n}, {@code TOOMANY},
     * {@code NOPRIVATE}.
     */
    record Metadata(String detail) implements ResponseCode {
        public static Metadata longEntries(long n) {
            return new Metadata("LONGENTRIES " + n);
        }

        public static Metadata maxSize(long n) {
            return new Metadata("MAXSIZE " + n);
        }

        public static final Metadata TOOMANY = new Metadata("TOOMANY");

        @Override
        public void appendTo(StringBuilder out) {
            out.append("METADATA ").append(detail);
        }
    }

    /**
     * RFC 9585 §5 INPROGRESS ("tag" count goal): a count without a goal is {@code count NIL}, neither is
     * {@code NIL NIL}; a tag holding {@code ]} could end the code early, so it goes as NIL (§4).
     */
    record InProgress(String tag, OptionalLong done, OptionalLong goal) implements ResponseCode {
        public InProgress {
            if (done.isEmpty() && goal.isPresent()) throw new IllegalArgumentException("a goal needs a count");
        }

        @Override
        public void appendTo(StringBuilder out) {
            out.append("INPROGRESS (");
            if (tag.indexOf(']') >= 0) out.append("NIL");
            else out.append('"').append(tag).append('"');
            out.append(' ').append(done.isPresent() ? Long.toString(done.getAsLong()) : "NIL");
            out.append(' ').append(goal.isPresent() ? Long.toString(goal.getAsLong()) : "NIL").append(')');
        }
    }
}
