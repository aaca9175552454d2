package org.tegami.imap.proto;

import java.util.List;
import java.util.Optional;

/** A FETCH data item (RFC 9051 §6.4.5; BINARY from RFC 3516, MODSEQ from RFC 7162 §3.1.4). */
public sealed interface FetchItem {
    record Flags() implements FetchItem {}

    record InternalDate() implements FetchItem {}

    record Rfc822Size() implements FetchItem {}

    record Envelope() implements FetchItem {}

    /** {@code BODY} without a section: the non-extensible body structure. */
    record Body() implements FetchItem {}

    record BodyStructure() implements FetchItem {}

    record Uid() implements FetchItem {}

    record ModSeq() implements FetchItem {}

    /** RFC 8474 §5.1: the message's object id. */
    record EmailId() implements FetchItem {}

    /** RFC 8474 §5.2: the thread's object id. */
    record ThreadId() implements FetchItem {}

    /** RFC 8514: when the message was put in this mailbox. */
    record SaveDate() implements FetchItem {}

    /** RFC 8970: a short plain-text preview of the message; {@code LAZY} may be given and is answered eagerly. */
    record Preview() implements FetchItem {}

    /** {@code RFC822}: like {@code BODY[]} but sets \Seen (RFC 3501 only). */
    record Rfc822() implements FetchItem {}

    /** {@code RFC822.HEADER}: like {@code BODY.PEEK[HEADER]}. */
    record Rfc822Header() implements FetchItem {}

    /** {@code RFC822.TEXT}: like {@code BODY[TEXT]}. */
    record Rfc822Text() implements FetchItem {}

    /** {@code BODY[section]<partial>} or {@code BODY.PEEK[...]}; an empty part list means the whole message. */
    record BodySection(boolean peek, List<Integer> part, Optional<SectionText> text, Optional<Partial> partial)
            implements FetchItem {
        public BodySection {
            part = List.copyOf(part);
        }
    }

    /** RFC 3516 §4.2: {@code BINARY[part]<partial>} or {@code BINARY.PEEK[...]}. */
    record Binary(boolean peek, List<Integer> part, Optional<Partial> partial) implements FetchItem {
        public Binary {
            part = List.copyOf(part);
        }
    }

    /** RFC 3516 §4.2: {@code BINARY.SIZE[part]}. */
    record BinarySize(List<Integer> part) implements FetchItem {
        public BinarySize {
            part = List.copyOf(part);
        }
    }

    /** {@code <offset.length>}: a byte range of the section. */
    record Partial(long offset, long length) {}

    /** The text part of a section specifier (RFC 9051 §9 {@code section-text}). */
    sealed interface SectionText {
        record Header() implements SectionText {}

        record HeaderFields(List<String> fields) implements SectionText {
            public HeaderFields {
                fields = List.copyOf(fields);
            }
        }

        record HeaderFieldsNot(List<String> fields) implements SectionText {
            public HeaderFieldsNot {
                fields = List.copyOf(fields);
            }
        }

        record Text() implements SectionText {}

        /** Only after a part number: the MIME header of that part. */
        record Mime() implements SectionText {}
    }

    /** RFC 9051 §6.4.5: the macro ALL. */
    List<FetchItem> ALL = List.of(new Flags(), new InternalDate(), new Rfc822Size(), new Envelope());

    /** The macro FAST. */
    List<FetchItem> FAST = List.of(new Flags(), new InternalDate(), new Rfc822Size());

    /** The macro FULL. */
    List<FetchItem> FULL = List.of(new Flags(), new InternalDate(), new Rfc822Size(), new Envelope(), new Body());
}
