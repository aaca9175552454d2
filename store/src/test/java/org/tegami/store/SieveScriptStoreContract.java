package org.tegami.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.tegami.store.SieveScriptStore.Quota;
import org.tegami.store.SieveScriptStore.Result;
import org.tegami.store.SieveScriptStore.Script;

/** What ManageSieve (RFC 5804) and delivery need of every backend's Sieve script storage. */
public interface SieveScriptStoreContract extends StoreContract {
    Quota QUOTA = new Quota(3, 100);

    @Test
    default void scriptsArePutListedReadReplacedAndKeptAcrossRestarts() {
        Account a = user(store(), "alice@example.test");
        Account b = user(store(), "bob@example.test");
        SieveScriptStore s = store().sieve();
        assertEquals(List.of(), s.list(a.id()));
        assertEquals(Optional.empty(), s.get(a.id(), "vacation"));
        assertEquals(Result.OK, s.put(a.id(), "vacation", "keep;\r\n", QUOTA));
        assertEquals(Result.OK, s.put(a.id(), "Ärger", "discard;", QUOTA));
        assertEquals(Result.OK, s.put(b.id(), "vacation", "stop;", QUOTA));
        assertEquals(List.of(new Script("vacation", false), new Script("Ärger", false)), s.list(a.id()),
                "octet order: 'v' < 0xC3");
        assertEquals(Optional.of("keep;\r\n"), s.get(a.id(), "vacation"));
        assertEquals(Optional.empty(), s.get(a.id(), "Vacation"), "names are compared octet by octet");
        assertEquals(Result.OK, s.put(a.id(), "vacation", "redirect \"x@example.org\";", QUOTA));
        assertEquals(Optional.of("redirect \"x@example.org\";"), reopen().sieve().get(a.id(), "vacation"));
        assertEquals(Optional.of("stop;"), second().sieve().get(b.id(), "vacation"), "seen by another process");
    }

    @Test
    default void oneScriptIsActiveAndCannotBeDeleted() {
        Account a = user(store(), "alice@example.test");
        SieveScriptStore s = store().sieve();
        s.put(a.id(), "one", "keep;", QUOTA);
        s.put(a.id(), "two", "discard;", QUOTA);
        assertEquals(Optional.empty(), s.active(a.id()));
        assertEquals(Result.NONEXISTENT, s.setActive(a.id(), "three"));
        assertEquals(Result.OK, s.setActive(a.id(), "one"));
        assertEquals(Optional.of("keep;"), s.active(a.id()));
        assertEquals(Result.OK, s.setActive(a.id(), "two"));
        assertEquals(List.of(new Script("one", false), new Script("two", true)), s.list(a.id()));
        assertEquals(Optional.of("discard;"), second().sieve().active(a.id()));
        assertEquals(Result.ACTIVE, s.delete(a.id(), "two"));
        assertEquals(Result.OK, s.put(a.id(), "two", "stop;", QUOTA));
        assertEquals(Optional.of("stop;"), s.active(a.id()), "replacing the active script keeps it active");
        assertEquals(Result.OK, s.setActive(a.id(), "two"), "activating the active script is fine");
        // RFC 5804 §2.8: the empty name deactivates
        assertEquals(Result.OK, s.setActive(a.id(), ""));
        assertEquals(Optional.empty(), s.active(a.id()));
        assertEquals(Result.OK, s.setActive(a.id(), ""), "deactivating with none active is fine");
        assertEquals(Result.OK, s.delete(a.id(), "two"));
        assertEquals(Result.NONEXISTENT, s.delete(a.id(), "two"));
        assertEquals(List.of(new Script("one", false)), s.list(a.id()));
    }

    @Test
    default void renameKeepsTheActiveFlagAndRefusesExistingNames() {
        Account a = user(store(), "alice@example.test");
        SieveScriptStore s = store().sieve();
        s.put(a.id(), "one", "keep;", QUOTA);
        s.put(a.id(), "two", "discard;", QUOTA);
        s.setActive(a.id(), "one");
        assertEquals(Result.NONEXISTENT, s.rename(a.id(), "nine", "ten"));
        assertEquals(Result.ALREADYEXISTS, s.rename(a.id(), "one", "two"));
        assertEquals(Result.ALREADYEXISTS, s.rename(a.id(), "one", "one"));
        assertEquals(Result.OK, s.rename(a.id(), "one", "uno"));
        assertEquals(List.of(new Script("two", false), new Script("uno", true)), s.list(a.id()));
        assertEquals(Optional.of("keep;"), s.active(a.id()));
        assertThrows(IllegalArgumentException.class, () -> s.rename(a.id(), "uno", "bad\nname"));
    }

    @Test
    default void quotasCountScriptsAndOctets() {
        Account a = user(store(), "alice@example.test");
        SieveScriptStore s = store().sieve();
        String hundred = "#".repeat(98) + "\r\n";
        assertEquals(Result.OK, s.haveSpace(a.id(), "x", 100, QUOTA));
        assertEquals(Result.QUOTA_MAXSIZE, s.haveSpace(a.id(), "x", 101, QUOTA));
        assertEquals(Result.OK, s.put(a.id(), "a", hundred, QUOTA));
        // 36 characters, 102 octets in UTF-8: the limit counts octets
        assertEquals(Result.QUOTA_MAXSIZE, s.put(a.id(), "b", "#" + "日".repeat(33) + "\r\n", QUOTA));
        assertEquals(Result.OK, s.put(a.id(), "b", "keep;", QUOTA));
        assertEquals(Result.OK, s.put(a.id(), "c", "keep;", QUOTA));
        assertEquals(Result.QUOTA_MAXSCRIPTS, s.haveSpace(a.id(), "d", 1, QUOTA));
        assertEquals(Result.QUOTA_MAXSCRIPTS, s.put(a.id(), "d", "keep;", QUOTA));
        assertEquals(Result.OK, s.haveSpace(a.id(), "c", 100, QUOTA), "replacing does not add a script");
        assertEquals(Result.OK, s.put(a.id(), "c", hundred, QUOTA));
        assertEquals(3, s.list(a.id()).size());
        Account b = user(store(), "bob@example.test");
        assertEquals(Result.OK, s.put(b.id(), "d", "keep;", QUOTA), "quotas are per account");
    }

    @Test
    default void concurrentPutsNeverExceedTheScriptCount() throws Exception {
        Account a = user(store(), "alice@example.test");
        SieveScriptStore s = store().sieve();
        ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String name = "s" + i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                results.add(s.put(a.id(), name, "keep;", QUOTA));
            }));
        }
        go.countDown();
        for (Thread t : threads) t.join();
        assertEquals(3, results.stream().filter(r -> r == Result.OK).count());
        assertEquals(5, results.stream().filter(r -> r == Result.QUOTA_MAXSCRIPTS).count());
        assertEquals(3, s.list(a.id()).size());
    }

    @Test
    default void removingTheAccountRemovesItsScripts() {
        Account a = user(store(), "alice@example.test");
        SieveScriptStore s = store().sieve();
        s.put(a.id(), "one", "keep;", QUOTA);
        s.setActive(a.id(), "one");
        assertTrue(store().accounts().removeUser(a.address()));
        assertEquals(List.of(), s.list(a.id()));
        assertEquals(Optional.empty(), s.active(a.id()));
        Account again = user(store(), "alice@example.test");
        assertFalse(again.id().equals(a.id()));
        assertEquals(List.of(), s.list(again.id()), "a new account of the same address starts with none");
    }

    @Test
    default void scriptNamesFollowRfc5804() {
        assertTrue(SieveScriptStore.validName("vacation"));
        assertTrue(SieveScriptStore.validName("Urlaub für Ärger 休暇"));
        assertTrue(SieveScriptStore.validName("x".repeat(128)));
        assertTrue(SieveScriptStore.validName("😀".repeat(128)), "128 characters, 512 octets");
        assertFalse(SieveScriptStore.validName("x".repeat(129)));
        assertFalse(SieveScriptStore.validName(""));
        assertFalse(SieveScriptStore.validName("a\u0000b"));
        assertFalse(SieveScriptStore.validName("a\tb"));
        assertFalse(SieveScriptStore.validName("a\u007fb"));
        assertFalse(SieveScriptStore.validName("a\u0085b"));
        assertFalse(SieveScriptStore.validName("a\u2028b"));
        assertFalse(SieveScriptStore.validName("a\u2029b"));
        assertFalse(SieveScriptStore.validName("a\ud800b"), "an unpaired surrogate is not UTF-8");
        assertFalse(SieveScriptStore.validName("A\u030a"), "RFC 5198 §2: Net-Unicode is NFC");
        assertThrows(IllegalArgumentException.class, () ->
                store().sieve().put(user(store(), "alice@example.test").id(), "a\rb", "keep;", QUOTA));
    }

    @Test
    default void marksExpireOutliveARestartAndAreBounded() {
        AccountStore accounts = store().accounts();
        accounts.addDomain("marks.test");
        AccountId a = accounts.addUser(org.tegami.mime.EmailAddress.parse("m@marks.test").orElseThrow(), "{ARGON2ID}x").id();
        java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
        SieveScriptStore s = store().sieve();
        assertFalse(s.marked(a, "vacation\0h\0bob@x", t0));
        s.mark(a, "vacation\0h\0bob@x", t0, t0.plusSeconds(60));
        s.mark(a, "k".repeat(100_000), t0, t0.plusSeconds(60));
        assertTrue(reopen().sieve().marked(a, "vacation\0h\0bob@x", t0.plusSeconds(59)), "kept across a restart");
        s = store().sieve();
        assertTrue(s.marked(a, "k".repeat(100_000), t0), "a key of any length");
        assertFalse(s.marked(a, "vacation\0h\0bob@x", t0.plusSeconds(60)), "expired at its time");
        assertFalse(s.marked(a, "vacation\0h\0BOB@x", t0), "keys are exact");
        s.mark(a, "vacation\0h\0bob@x", t0, t0.plusSeconds(600));
        assertTrue(s.marked(a, "vacation\0h\0bob@x", t0.plusSeconds(300)), "a later mark replaces the earlier");
        SieveScriptStore marks = s;
        // 16 writers at a time (commits grouped), each mark checked to have succeeded
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int i = 0; i < SieveScriptStore.MAX_MARKS + 5; i++) {
                int n = i;
                done.add(pool.submit(() -> marks.mark(a, "dup" + n, t0, t0.plusSeconds(1000 + n))));
            }
            for (var f : done) {
                try {
                    f.get();
                } catch (Exception e) {
                    throw new AssertionError("a mark failed", e);
                }
            }
        }
        // a backend may trim only what each writer saw while they ran together; the next mark trims exactly
        s.mark(a, "last", t0, t0.plusSeconds(100_000));
        assertTrue(s.marked(a, "dup" + (SieveScriptStore.MAX_MARKS + 4), t0));
        assertFalse(s.marked(a, "vacation\0h\0bob@x", t0), "beyond the bound the soonest to expire go");
        store().accounts().removeUser(org.tegami.mime.EmailAddress.parse("m@marks.test").orElseThrow());
        assertFalse(s.marked(a, "dup" + (SieveScriptStore.MAX_MARKS + 4), t0), "the account's marks go with it");
    }
}
