package org.tegami.store;

import java.util.Set;

/**
 * The mutable part of a message: what an IMAP session keeps for every message of its selected mailbox. Where
 * the bytes are ({@link MessageMeta}) is looked up only for the messages a command needs.
 */
public record MessageState(Uid uid, Set<String> flags, ModSeq modSeq) {
    public MessageState {
        flags = Set.copyOf(flags);
    }

    public static MessageState of(MessageMeta m) {
        return new MessageState(m.uid(), m.flags(), m.modSeq());
    }
}
