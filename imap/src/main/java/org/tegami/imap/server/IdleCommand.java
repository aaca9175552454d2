package org.tegami.imap.server;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.LongFunction;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapResponse;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.imap.proto.SequenceSet;
import org.tegami.store.BlobStore;
import org.tegami.store.MailStore;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.MessageState;
import org.tegami.store.ModSeq;
import org.tegami.store.Uid;

/** IDLE (RFC 2177, RFC 9051 §6.3.13). */
final class IdleCommand {
    private final ImapSession s;
    private static final Logger LOG = System.getLogger(IdleCommand.class.getName());

    IdleCommand(ImapSession session) {
        this.s = session;
    }

    private MailStore store() {
        return s.env.store().mail();
    }

    /**
     * RFC 2177 / RFC 9051 §6.3.13: the session thread waits for {@code DONE} while a notifier thread, woken by
     * the store's change feed, sends the untagged updates as they happen.
     */
    void idle(String tag) throws IOException, ImapSyntaxException {
        SelectedMailbox sel = s.selection().orElse(null);
        Thread notifier = null;
        Semaphore wake = new Semaphore(0);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        s.sync(true); // the session lock is held: no notifier writes in between
        s.out().continuation("idling");
        s.flush();
        if (sel != null) {
            // a change between the catch-up and this registration only set the dirty flag: no wake-up is lost
            sel.onChange(wake::release);
            if (sel.dirty()) wake.release();
        }
        if (sel != null) {
            // never interrupted: interrupting a virtual thread blocked in socket I/O would close the socket
            notifier = Thread.ofVirtual().name("imap-idle").start(() -> {
                try {
                    while (true) {
                        wake.acquire();
                        wake.drainPermits();
                        s.lock.lock();
                        try {
                            if (stop.get() || !s.isSelected(sel) || s.loggedOut()) return;
                            s.sync(true);
                            s.flush();
                            if (s.loggedOut()) { // BYE was sent (mailbox deleted, rights withdrawn): stop reading too
                                s.conn.close();
                                return;
                            }
                        } finally {
                            s.lock.unlock();
                        }
                    }
                } catch (InterruptedException e) {
                    // IDLE ended
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, "IDLE notification failed: " + e.getMessage());
                } catch (RuntimeException | Error e) {
                    // without this thread the client would wait for updates forever: it reconnects and resyncs instead
                    LOG.log(Level.ERROR, "IDLE notifier failed; closing the connection", e);
                    s.conn.close();
                }
            });
        }
        byte[] line;
        s.lock.unlock(); // while waiting for DONE, the notifiers (this one, and NOTIFY's) may write
        try {
            line = s.reader().line();
        } finally {
            if (sel != null) {
                sel.onChange(() -> {});
                stop.set(true);
                wake.release();
                try {
                    notifier.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            s.lock.lock(); // after the join: the notifier may be waiting for the lock
        }
        String done = new String(line, java.nio.charset.StandardCharsets.US_ASCII);
        if (!done.toUpperCase(Locale.ROOT).equals("DONE")) {
            throw new ImapSyntaxException(tag, "Expected DONE to end IDLE", false);
        }
        s.sync(true);
        s.out().ok(tag, "IDLE terminated");
    }
}
