package org.tegami.store;

import java.util.List;
import java.util.Optional;

/** The durable outbound queue; entries are added by {@link MailStore#deliver}. Thread-safe. */
public interface QueueStore {

    List<QueueEntry> list();

    Optional<QueueEntry> get(QueueId id);

    /** @return false when absent */
    boolean remove(QueueId id);
}
