package org.tegami.imap.server;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tegami.imap.proto.FetchItem;
import org.tegami.imap.proto.ImapCommand;
import org.tegami.imap.proto.ImapResponse;
import org.tegami.imap.proto.ImapSyntaxException;
import org.tegami.imap.proto.ResponseEncoder;
import org.tegami.imap.proto.ResponseCode;
import org.tegami.imap.server.Access.Listed;
import org.tegami.store.ChangeFeed;
import org.tegami.store.Mailbox;
import org.tegami.store.MailboxId;

/**
 * NOTIFY (RFC 5465): after {@code NOTIFY SET} the session reports events as they happen, between commands too, from
 * a notifier virtual thread that takes the session's lock (so it never writes in the middle of a command's
 * responses). Events on the selected mailbox are its usual untagged EXISTS/EXPUNGE/FETCH (§5.1-§5.3); on other
 * mailboxes STATUS responses; mailbox events LIST responses (§5.4, §5.5) and METADATA (§5.6, §5.7).
 *
 * <p>Mailbox events are found by comparing a snapshot of what the user can list with the new state whenever the
 * store says the account's mailboxes changed; message events on other mailboxes by comparing their STATUS values.
 * A mailbox the user cannot list is ignored, one they can list but not read is answered {@code \NoAccess} (§3.1).
 */
final class NotifyCommand implements AutoCloseable {
    private static final Logger LOG = System.getLogger(NotifyCommand.class.getName());
    /** Events Tegami reports (RFC 5465 §5); AnnotationChange needs ANNOTATE (RFC 5257), which is not offered. */
    static final List<String> SUPPORTED = List.of("MessageNew", "MessageExpunge", "FlagChange", "MailboxName",
            "SubscriptionChange", "MailboxMetadataChange", "ServerMetadataChange");
    /** Most mailboxes watched for message events at once (§5.8: beyond, NO [NOTIFICATIONOVERFLOW]). */
    static final int MAX_WATCHED = 1000;

    private final ImapSession s;
    private ImapCommand.Notify spec;
    private Optional<ImapCommand.EventGroup> selectedGroup = Optional.empty();
    /** Other mailboxes watched for message events: their last STATUS values, and the feed subscriptions. */
    private final Map<MailboxId, Watched> watched = new HashMap<>();
    private ChangeFeed.Subscription accountFeed;
    private ChangeFeed.Subscription selectedFeed;
    private MailboxId selectedId;
    /** What the user could list at the last look, for MailboxName and SubscriptionChange. */
    private Map<MailboxId, Listed> listed = Map.of();
    /** The user's subscribed names of their own that no mailbox has, at the last look (RFC 5258 §3.1). */
    private Set<String> bare = Set.of();
    /** Annotations at the last look: by mailbox, and the server's under the key {@code null}. */
    private final Map<MailboxId, SortedMap<String, String>> metadata = new HashMap<>();
    private volatile boolean accountChanged;
    /** The running notifier thread's wake-up signal and run flag; each NOTIFY SET starts a new one. */
    private volatile Semaphore wake = new Semaphore(0);
    private AtomicBoolean running = new AtomicBoolean();

    private record Watched(String name, Set<String> events, ChangeFeed.Subscription feed, List<Long> last) {}


    NotifyCommand(ImapSession session) {
        this.s = session;
    }

    /** Whether NOTIFY asked for message events on the selected mailbox (SELECTED or SELECTED-DELAYED). */
    boolean watchesSelected() {
        return selectedGroup.isPresent();
    }

    // --- NOTIFY SET / NONE ------------------------------------------------------------------------------------

    void command(String tag, ImapCommand.Notify c) throws IOException, ImapSyntaxException {
        Set<String> unknown = new LinkedHashSet<>();
        for (ImapCommand.EventGroup g : c.groups()) {
            for (String e : g.events()) if (!SUPPORTED.contains(e)) unknown.add(e);
        }
        if (!unknown.isEmpty()) { // §3.1: NO, not BAD, naming every supported event
            s.out().no(tag, new ResponseCode.BadEvent(List.copyOf(SUPPORTED)), "Not supported: " + String.join(" ", unknown));
            return;
        }
        stop();
        if (c.groups().isEmpty()) {
            s.out().ok(tag, "NOTIFY completed");
            return;
        }
        spec = c;
        accountChanged = false;
        selectedGroup = c.groups().stream().filter(ImapCommand.EventGroup::selected).findFirst();
        s.sync(true); // §3.1: NOTIFY SET implies a NOOP
        AtomicBoolean run = new AtomicBoolean(true);
        Semaphore signal = new Semaphore(0);
        running = run;
        wake = signal;
        Thread.ofVirtual().name("imap-notify").start(() -> loop(run, signal));
        listed = listable();
        bare = bare(listed);
        if (!rewatch(c.status())) {
            stop();
            s.out().no(tag, ResponseCode.Atom.NOTIFICATIONOVERFLOW, "More than " + MAX_WATCHED + " mailboxes to watch");
            return;
        }
        snapshotMetadata();
        accountFeed = s.env.store().mail().changes().subscribeAccount(s.account().id(), () -> {
            accountChanged = true;
            poke();
        });
        selectionChanged();
        s.out().ok(tag, "NOTIFY completed");
    }

    /** NOTIFY NONE, logout and UNAUTHENTICATE: no more events, no more subscriptions. */
    private void stop() {
        running.set(false);
        wake.release();
        spec = null;
        selectedGroup = Optional.empty();
        watched.values().forEach(w -> w.feed().close());
        watched.clear();
        metadata.clear();
        if (accountFeed != null) accountFeed.close();
        if (selectedFeed != null) selectedFeed.close();
        accountFeed = selectedFeed = null;
        selectedId = null;
    }

    @Override
    public void close() {
        stop();
    }

    /** Called by the session (holding its lock) after SELECT, EXAMINE, CLOSE, UNSELECT. */
    void selectionChanged() {
        if (spec == null) return;
        MailboxId now = selectedGroup.isEmpty() ? null : s.selection().map(sel -> sel.mailbox().id()).orElse(null);
        if (Objects.equals(now, selectedId)) return;
        if (selectedFeed != null) selectedFeed.close();
        selectedFeed = now == null ? null : s.env.store().mail().changes().subscribe(now, this::poke);
        selectedId = now;
    }

    // --- the notifier thread ----------------------------------------------------------------------------------

    /** From the store's committing thread: must not block. */
    private void poke() {
        wake.release();
    }

    /** Never interrupted: interrupting a virtual thread blocked in socket I/O would close the socket. */
    private void loop(AtomicBoolean run, Semaphore signal) {
        try {
            while (true) {
                signal.acquire();
                signal.drainPermits();
                s.lock.lock();
                try {
                    if (!run.get() || s.loggedOut()) return;
                    pump();
                    s.flush();
                    if (s.loggedOut()) { // BYE was sent (the selected mailbox was deleted): stop reading too
                        s.conn.close();
                        return;
                    }
                } finally {
                    s.lock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "NOTIFY write failed: " + e.getMessage());
        } catch (RuntimeException | Error e) {
            // an Error too (OutOfMemoryError): a session whose notifier died would never hear of changes again
            LOG.log(Level.ERROR, "NOTIFY notifier failed; closing the connection", e);
            s.conn.close();
        }
    }

    /** Sends whatever happened since the last look. Caller holds the session lock. */
    void pump() throws IOException {
        if (spec == null) return;
        if (selectedGroup.isPresent() && s.selection().isPresent()) {
            SelectedMailbox sel = s.selection().get();
            long before = sel.highestUid();
            // §6.1.2: SELECTED-DELAYED holds expunges back until a command that may report them
            s.sync(!selectedGroup.get().filter().equals("selected-delayed"));
            List<FetchItem> fetch = selectedGroup.get().fetch();
            if (!fetch.isEmpty() && s.isSelected(sel)) { // §5.2: a FETCH with the requested items after EXISTS
                BitSet fresh = new BitSet();
                for (int i = 1; i <= sel.count(); i++) if (sel.get(i).uid().value() > before) fresh.set(i);
                if (!fresh.isEmpty()) s.fetcher().unsolicited(sel, fresh, fetch);
            }
        }
        if (accountChanged) {
            accountChanged = false;
            mailboxEvents(); // refreshes what can be listed, which rewatch then uses
            if (!rewatch(false)) overflow();
        }
        for (Map.Entry<MailboxId, Watched> e : List.copyOf(watched.entrySet())) status(e.getKey(), e.getValue(), false);
    }

    private void overflow() throws IOException {
        s.out().untagged(ImapResponse.Status.OK, ResponseCode.Atom.NOTIFICATIONOVERFLOW, "Too many mailboxes to watch; notifications are off"); // §5.8
        stop();
    }

    // --- message events on other mailboxes (STATUS) -----------------------------------------------------------

    /**
     * Works out again, from what the user can list now ({@link #listed}), which other mailboxes are watched for
     * message events (the filters may match new mailboxes, §6.4), subscribing to the new ones; false when there
     * would be too many.
     */
    private boolean rewatch(boolean sendStatus) throws IOException {
        Map<MailboxId, Watched> next = new LinkedHashMap<>();
        for (Listed l : listed.values()) {
            Set<String> events = new LinkedHashSet<>();
            for (ImapCommand.EventGroup g : spec.groups()) {
                if (!g.selected() && matches(g, l)) {
                    for (String e : g.events()) if (e.startsWith("Message") || e.equals("FlagChange")) events.add(e);
                }
            }
            if (events.isEmpty()) continue;
            if (!l.rights().has('r')) { // §3.1: listable, but the events need r
                if (sendStatus) s.out().list("LIST", List.of("\\NoAccess"), l.name(), null);
                continue;
            }
            MailboxId id = l.mailbox().id();
            Watched w = watched.remove(id);
            if (w == null) {
                if (next.size() >= MAX_WATCHED) return false;
                w = new Watched(l.name(), events, s.env.store().mail().changes().subscribe(id, this::poke), null);
            } else {
                w = new Watched(l.name(), events, w.feed(), w.last());
            }
            next.put(id, w);
        }
        watched.values().forEach(w -> w.feed().close()); // no longer matched or listable (§5.9)
        watched.clear();
        watched.putAll(next);
        for (Map.Entry<MailboxId, Watched> e : next.entrySet()) {
            if (e.getValue().last() == null) status(e.getKey(), e.getValue(), sendStatus);
        }
        return true;
    }

    /**
     * Sends a STATUS for a watched mailbox when what its events cover changed (§5.1-§5.3): MESSAGES and UIDNEXT
     * for new and expunged messages, UNSEEN for flag changes, HIGHESTMODSEQ under CONDSTORE; with {@code initial},
     * the first values too (NOTIFY SET STATUS, §3.1, with UIDVALIDITY).
     */
    private void status(MailboxId id, Watched w, boolean initial) throws IOException {
        if (s.isSelected(id)) return; // SELECTED rules there (§3.1)
        var view = s.env.store().mail().view(id);
        if (view.isEmpty()) return; // deleted: MailboxName tells
        Mailbox mb = view.get().mailbox();
        long unseen = view.get().messages().stream().filter(m -> !m.flags().contains(Flags.SEEN)).count();
        List<ResponseEncoder.StatusItem> items = new ArrayList<>();
        List<Long> values = new ArrayList<>();
        if (initial) item(items, values, "UIDVALIDITY", mb.uidValidity());
        // RFC 5465 §5.1: MessageNew reports MESSAGES and UIDNEXT; §5.2: MessageExpunge reports MESSAGES
        if (w.events().contains("MessageNew") || w.events().contains("MessageExpunge")) {
            item(items, values, "MESSAGES", view.get().messages().size());
        }
        if (w.events().contains("MessageNew")) item(items, values, "UIDNEXT", mb.uidNext());
        if (w.events().contains("FlagChange")) item(items, values, "UNSEEN", unseen);
        if (s.dialect().condstore()) item(items, values, "HIGHESTMODSEQ", mb.highestModSeq().value());
        List<Long> compared = initial ? values.subList(1, values.size()) : values;
        boolean changed = w.last() != null && !w.last().equals(compared);
        boolean expungesOnly = !w.events().contains("MessageNew") && !w.events().contains("FlagChange");
        if (changed && expungesOnly && compared.getFirst() >= w.last().getFirst()) {
            changed = false; // §5.2: MessageExpunge alone was asked for, and nothing was expunged (MESSAGES grew)
        }
        watched.put(id, new Watched(w.name(), w.events(), w.feed(), List.copyOf(compared)));
        if (initial || changed) s.out().status(w.name(), items);
    }

    private static void item(List<ResponseEncoder.StatusItem> items, List<Long> values, String name, long value) {
        items.add(new ResponseEncoder.StatusItem.Number(name, value));
        values.add(value);
    }

    // --- mailbox events (LIST, METADATA) ----------------------------------------------------------------------

    /** §5.4 MailboxName (created, deleted, renamed, l granted or withdrawn), §5.5 SubscriptionChange, §5.6, §5.7. */
    private void mailboxEvents() throws IOException {
        Map<MailboxId, Listed> now = listable();
        Set<String> names = new java.util.HashSet<>();
        now.values().forEach(l -> names.add(l.name()));
        for (Map.Entry<MailboxId, Listed> e : listed.entrySet()) {
            Listed was = e.getValue();
            Listed is = now.get(e.getKey());
            if (is == null && wants("MailboxName", was)) {
                s.out().list("LIST", List.of("\\NonExistent"), was.name(), null);
            } else if (is != null && !is.name().equals(was.name()) && wants("MailboxName", is)) {
                s.out().list("LIST", attributes(is, names), is.name(), "\"OLDNAME\" (" + s.out().mailboxName(was.name()) + ")");
            } else if (is != null && is.subscribed() != was.subscribed() && wants("SubscriptionChange", is)) {
                s.out().list("LIST", attributes(is, names), is.name(), null);
            }
        }
        for (Map.Entry<MailboxId, Listed> e : now.entrySet()) {
            if (!listed.containsKey(e.getKey()) && wants("MailboxName", e.getValue())) {
                s.out().list("LIST", attributes(e.getValue(), names), e.getValue().name(), null);
            }
        }
        // §5.5 SubscriptionChange of a name that is no mailbox, before nor now (RFC 9051 §6.3.7 lets one subscribe
        // to it); a deleted or renamed mailbox was reported by MailboxName above
        Set<String> bareNow = bare(now);
        Set<String> existed = new java.util.HashSet<>();
        listed.values().forEach(l -> existed.add(l.name()));
        Set<String> changed = new java.util.TreeSet<>(bare);
        changed.addAll(bareNow);
        for (String n : changed) {
            boolean on = bareNow.contains(n);
            if (on == bare.contains(n) || existed.contains(n) || names.contains(n)) continue;
            Listed l = new Listed(new Access.Target(null, n, Rights.OWNER), true);
            if (wants("SubscriptionChange", l)) {
                s.out().list("LIST", on ? List.of("\\Subscribed", "\\NonExistent") : List.of("\\NonExistent"), n, null);
            }
        }
        bare = bareNow;
        listed = now;
        metadataEvents();
    }

    private void metadataEvents() throws IOException {
        Map<MailboxId, SortedMap<String, String>> before = new HashMap<>(metadata);
        snapshotMetadata();
        for (Map.Entry<MailboxId, SortedMap<String, String>> e : metadata.entrySet()) {
            SortedMap<String, String> was = before.getOrDefault(e.getKey(), new java.util.TreeMap<>());
            Set<String> changed = new java.util.TreeSet<>();
            for (String k : was.keySet()) if (!Objects.equals(was.get(k), e.getValue().get(k))) changed.add(k);
            for (String k : e.getValue().keySet()) if (!was.containsKey(k)) changed.add(k);
            if (changed.isEmpty()) continue;
            String name = e.getKey() == null ? "\"\"" : s.out().mailboxName(listed.get(e.getKey()).name());
            s.out().data("METADATA " + name + " " + String.join(" ", changed)); // RFC 5464 §4.4.2
        }
    }

    /** The annotations of the user's own mailboxes watched for MailboxMetadataChange, and the server's. */
    private void snapshotMetadata() {
        metadata.clear();
        var store = s.env.store().mail();
        if (spec.groups().stream().anyMatch(g -> g.events().contains("ServerMetadataChange"))) {
            metadata.put(null, store.metadata(s.account().id(), Optional.empty()));
        }
        for (Map.Entry<MailboxId, Listed> e : listed.entrySet()) {
            if (e.getValue().rights() == Rights.OWNER && wants("MailboxMetadataChange", e.getValue())) {
                metadata.put(e.getKey(), store.metadata(s.account().id(), Optional.of(e.getKey())));
            }
        }
    }

    private static List<String> attributes(Listed l, Set<String> names) {
        List<String> a = new ArrayList<>();
        if (l.rights() == Rights.OWNER) l.mailbox().specialUse().ifPresent(a::add); // never another user's (RFC 6154)
        if (l.subscribed()) a.add("\\Subscribed");
        boolean children = names.stream().anyMatch(n -> n.startsWith(l.name() + MailboxCommands.SEPARATOR));
        a.add(children ? "\\HasChildren" : "\\HasNoChildren");
        return a;
    }

    private boolean wants(String event, Listed l) {
        for (ImapCommand.EventGroup g : spec.groups()) {
            if (!g.selected() && g.events().contains(event) && matches(g, l)) return true;
        }
        return false;
    }

    /** RFC 5465 §6.2-§6.6. */
    private boolean matches(ImapCommand.EventGroup g, Listed l) {
        return switch (g.filter()) {
            case "personal" -> l.rights() == Rights.OWNER;
            case "inboxes" -> l.rights() == Rights.OWNER && l.name().equals(Mailbox.INBOX);
            case "subscribed" -> l.subscribed();
            default -> g.mailboxes().stream().map(this::name).anyMatch(n -> l.name().equals(n)
                    || (g.filter().equals("subtree") && l.name().startsWith(n + MailboxCommands.SEPARATOR)));
        };
    }

    private String name(String wire) {
        try {
            return s.mailboxName("*", wire);
        } catch (ImapSyntaxException e) {
            return "";
        }
    }

    /** Every mailbox the user can list (RFC 4314 l): their own and those shared with them. */
    private Set<String> bare(Map<MailboxId, Listed> mailboxes) {
        Set<String> out = new java.util.HashSet<>(s.env.store().mail().subscriptions(s.account().id()));
        mailboxes.values().forEach(l -> out.remove(l.name()));
        return out;
    }

    private Map<MailboxId, Listed> listable() {
        Map<MailboxId, Listed> out = new LinkedHashMap<>();
        for (Listed l : s.access.listable()) out.put(l.mailbox().id(), l);
        return out;
    }
}
