package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tegami.store.FetchSourceStore.ImapState;
import org.tegami.store.FetchSourceStore.NewSource;
import org.tegami.store.FetchSourceStore.Protocol;
import org.tegami.store.FetchSourceStore.Source;

/** What {@code tegami fetch} needs of every backend: sources, their polling state and what was already fetched. */
public interface FetchSourceStoreContract extends StoreContract {

    private static byte[] sealed(long id) {
        return ("sealed-" + id).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    default void sourcesAreAddedListedScheduledAndRemoved() {
        Account a = user(store(), "alice@example.test");
        Account b = user(store(), "bob@example.test");
        FetchSourceStore f = store().fetchSources();
        Source s1 = f.add(new NewSource(a.id(), Protocol.IMAP, "imap.example.org", 993, "alice", "INBOX", true), NOW,
                FetchSourceStoreContract::sealed);
        Source s2 = f.add(new NewSource(b.id(), Protocol.POP3, "pop.example.org", 110, "bob", "", false, true), NOW,
                FetchSourceStoreContract::sealed);
        assertNotEquals(s1.id(), s2.id());
        assertArrayEquals(sealed(s1.id()), s1.password(), "the sealer is given the new id");
        assertEquals(new Source(s1.id(), a.id(), Protocol.IMAP, "imap.example.org", 993, "alice", s1.password(), "INBOX",
                true, true, Optional.empty(), "", 0, 0, NOW, false).toString().replaceAll("\\[B@\\w+", ""),
                s1.toString().replaceAll("\\[B@\\w+", ""));
        assertEquals(List.of(s2.id()), f.sources(Optional.of(b.id())).stream().map(Source::id).toList());
        assertTrue(s2.startTls() && !s2.keep() && s2.port() == 110);
        assertEquals(List.of(s1.id(), s2.id()), second().fetchSources().sources(Optional.empty()).stream().map(Source::id).toList(),
                "seen by another process (the CLI)");
        assertEquals(2, f.due(NOW, 10).size());
        assertEquals(1, f.due(NOW, 1).size(), "bounded");
        assertTrue(f.claim(s2.id(), NOW, NOW.plusSeconds(1800)));
        assertFalse(second().fetchSources().claim(s2.id(), NOW, NOW.plusSeconds(1800)), "claimed once only");
        assertEquals(List.of(s1.id()), f.due(NOW, 10).stream().map(Source::id).toList());
        assertTrue(f.schedule(s2.id(), NOW), "the claim given back");

        f.failed(s1.id(), "login refused", true, NOW.plusSeconds(60), false);
        f.failed(s1.id(), "login refused", true, NOW.plusSeconds(120), false);
        Source failed = f.source(s1.id()).orElseThrow();
        assertEquals(2, failed.failures());
        assertEquals(2, failed.authFailures());
        assertEquals("login refused", failed.lastError());
        assertEquals(List.of(s2.id()), f.due(NOW.plusSeconds(60), 10).stream().map(Source::id).toList(), "backing off");
        f.failed(s1.id(), "connection refused", false, NOW.plusSeconds(240), false);
        assertEquals(0, f.source(s1.id()).orElseThrow().authFailures(), "not in a row any more");
        f.failed(s1.id(), "login refused", true, NOW.plusSeconds(480), true);
        assertFalse(f.source(s1.id()).orElseThrow().enabled());
        assertTrue(f.due(NOW.plus(Duration.ofDays(1)), 10).stream().noneMatch(s -> s.id() == s1.id()), "disabled: never due");
        assertTrue(f.setEnabled(s1.id(), true, NOW));
        Source again = f.source(s1.id()).orElseThrow();
        assertTrue(again.enabled());
        assertEquals(0, again.failures());
        assertEquals(NOW, again.nextAttempt());
        f.succeeded(s1.id(), NOW, NOW.plusSeconds(300), "skipped 1 message");
        Source ok = reopen().fetchSources().source(s1.id()).orElseThrow();
        f = store().fetchSources();
        assertEquals(Optional.of(NOW), ok.lastSuccess());
        assertEquals("skipped 1 message", ok.lastError());
        assertEquals(NOW.plusSeconds(300), ok.nextAttempt());
        assertTrue(f.schedule(s1.id(), NOW));
        assertEquals(NOW, f.source(s1.id()).orElseThrow().nextAttempt());

        assertTrue(f.remove(s1.id()));
        assertFalse(f.remove(s1.id()));
        assertTrue(f.source(s1.id()).isEmpty());
        assertFalse(f.schedule(s1.id(), NOW));
        Source s3 = f.add(new NewSource(a.id(), Protocol.IMAP, "imap.example.org", 993, "alice", "INBOX", true), NOW,
                FetchSourceStoreContract::sealed);
        assertTrue(s3.id() > s2.id(), "ids are never reused");
    }

    @Test
    default void seenStateIsKeptAndPruned() {
        Account a = user(store(), "alice@example.test");
        FetchSourceStore f = store().fetchSources();
        Source imap = f.add(new NewSource(a.id(), Protocol.IMAP, "imap.example.org", 993, "alice", "INBOX", true), NOW,
                FetchSourceStoreContract::sealed);
        Source pop = f.add(new NewSource(a.id(), Protocol.POP3, "pop.example.org", 995, "alice", "", true), NOW,
                FetchSourceStoreContract::sealed);
        assertEquals(Optional.empty(), f.imapState(imap.id()));
        f.setImapState(imap.id(), new ImapState(1234, 7));
        assertEquals(Optional.of(new ImapState(1234, 7)), reopen().fetchSources().imapState(imap.id()));
        f = store().fetchSources();
        assertEquals(Set.of(), f.pop3Seen(pop.id()));
        f.addPop3Seen(pop.id(), "uidl-1");
        f.addPop3Seen(pop.id(), "uidl-2");
        f.addPop3Seen(pop.id(), "uidl-2");
        f.addPop3Seen(pop.id(), "uidl-3");
        assertEquals(Set.of("uidl-1", "uidl-2", "uidl-3"), f.pop3Seen(pop.id()));
        assertEquals(2, f.retainPop3Seen(pop.id(), Set.of("uidl-2", "uidl-9")), "UIDLs the server no longer has go");
        assertEquals(Set.of("uidl-2"), f.pop3Seen(pop.id()));
        f.addPop3Seen(12345, "orphan");
        assertEquals(Set.of(), f.pop3Seen(12345), "no state for a source that does not exist");
    }

    @Test
    default void removingTheAccountRemovesItsSources() {
        Account a = user(store(), "alice@example.test");
        Account b = user(store(), "bob@example.test");
        FetchSourceStore f = store().fetchSources();
        Source pop = f.add(new NewSource(a.id(), Protocol.POP3, "pop.example.org", 995, "alice", "", true), NOW,
                FetchSourceStoreContract::sealed);
        Source kept = f.add(new NewSource(b.id(), Protocol.POP3, "pop.example.org", 995, "bob", "", true), NOW,
                FetchSourceStoreContract::sealed);
        f.addPop3Seen(pop.id(), "u1");
        assertTrue(store().accounts().removeUser(StoreContract.addr("alice@example.test")));
        assertTrue(f.source(pop.id()).isEmpty());
        assertEquals(Set.of(), f.pop3Seen(pop.id()));
        assertEquals(List.of(kept.id()), f.sources(Optional.empty()).stream().map(Source::id).toList());
    }
}
