package org.tegami.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.AccountId;
import org.tegami.store.AccountStore;
import org.tegami.store.embedded.EmbeddedStore;

/** Recipient resolution against a real embedded store. */
class RecipientResolverTest {
    /** Resolution never checks passwords, so any well-formed string will do. */
    private static final String NO_PASSWORD = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA";

    @TempDir
    Path dir;
    private EmbeddedStore store;
    private AccountStore acc;
    private RecipientResolver resolver;
    private Account alice;
    private Account bob;
    private Account carol;

    @BeforeEach
    void open() {
        store = EmbeddedStore.open(dir, new TestClock());
        acc = store.accounts();
        acc.addDomain("example.test");
        acc.addDomain("other.test");
        alice = acc.addUser(a("alice@example.test"), NO_PASSWORD);
        bob = acc.addUser(a("bob@example.test"), NO_PASSWORD);
        carol = acc.addUser(a("carol@other.test"), NO_PASSWORD);
        resolver = new RecipientResolver(acc);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static EmailAddress a(String s) {
        return EmailAddress.parse(s).orElseThrow();
    }

    private Recipient local(Account... accounts) {
        return new Recipient.Local(Set.of(java.util.Arrays.stream(accounts).map(Account::id).toArray(AccountId[]::new)));
    }

    private Recipient resolve(String address) {
        return resolver.resolve(a(address));
    }

    @Test
    void usersResolveCaseInsensitively() {
        assertEquals(local(alice), resolve("alice@example.test"));
        assertEquals(local(alice), resolve("Alice@EXAMPLE.test"));
        assertEquals(local(carol), resolve("carol@other.test"));
    }

    @Test
    void foreignDomainsAreRemoteAndOursUnknown() {
        assertEquals(new Recipient.Remote(), resolve("alice@remote.test"));
        assertEquals(new Recipient.Remote(), resolve("alice@sub.example.test"));
        assertEquals(new Recipient.Unknown(), resolve("nobody@example.test"));
        assertEquals(new Recipient.Unknown(), resolve("alice@other.test"), "users are per domain");
    }

    @Test
    void aliasesExpandToEveryLocalTargetOnce() {
        acc.putAlias("team@example.test", List.of("alice@example.test", "bob@example.test", "Alice@Example.test",
                "carol@other.test", "someone@remote.test", "ghost@example.test", "not an address"));
        Recipient team = new Recipient.Local(Set.of(alice.id(), bob.id(), carol.id()),
                List.of(new Recipient.Forward("team@example.test", "someone@remote.test")));
        assertEquals(team, resolve("team@example.test"));
        assertEquals(team, resolve("TEAM@example.test"));
    }

    @Test
    void anAliasMayForwardToRemoteAddressesOnly() {
        acc.putAlias("sales@example.test", List.of("someone@gmail.test", "Other@Remote.test", "someone@gmail.test"));
        assertEquals(new Recipient.Local(Set.of(), List.of(new Recipient.Forward("sales@example.test", "someone@gmail.test"),
                new Recipient.Forward("sales@example.test", "Other@remote.test"))), resolve("sales@example.test"));
        assertEquals(new Recipient.Local(Set.of(), List.of(new Recipient.Forward("sales@example.test", "someone@gmail.test"),
                new Recipient.Forward("sales@example.test", "Other@remote.test"))), resolve("sales+x@example.test"));
    }

    @Test
    void nestedAliasesForwardUnderTheAliasThatNamesTheTarget() {
        acc.putAlias("outer@example.test", List.of("inner@example.test", "alice@example.test"));
        acc.putAlias("inner@example.test", List.of("far@remote.test", "bob@example.test"));
        assertEquals(new Recipient.Local(Set.of(alice.id(), bob.id()), List.of(new Recipient.Forward("inner@example.test",
                "far@remote.test"))), resolve("outer@example.test"));
    }

    @Test
    void aCatchAllMayForward() {
        acc.putAlias("@example.test", List.of("all@remote.test"));
        assertEquals(new Recipient.Local(Set.of(), List.of(new Recipient.Forward("@example.test", "all@remote.test"))),
                resolve("anyone@example.test"));
        assertEquals(local(alice), resolve("alice@example.test"));
    }

    @Test
    void forwardsBeyondTheDepthLimitAreCutOff() {
        for (int i = 0; i < 12; i++) acc.putAlias("d" + i + "@example.test", List.of("d" + (i + 1) + "@example.test"));
        acc.putAlias("d12@example.test", List.of("far@remote.test"));
        assertEquals(new Recipient.Unknown(), resolve("d0@example.test"));
        assertEquals(new Recipient.Local(Set.of(), List.of(new Recipient.Forward("d12@example.test", "far@remote.test"))),
                resolve("d3@example.test"));
    }

    @Test
    void aliasChainsAreFollowed() {
        acc.putAlias("a1@example.test", List.of("a2@example.test"));
        acc.putAlias("a2@example.test", List.of("a3@example.test", "bob@example.test"));
        acc.putAlias("a3@example.test", List.of("alice@example.test"));
        assertEquals(local(alice, bob), resolve("a1@example.test"));
    }

    @Test
    void chainsDeeperThanTenAreCutOff() {
        // c0 → c1 → … → c11 → alice: alice sits at depth 12.
        for (int i = 0; i < 12; i++) acc.putAlias("c" + i + "@example.test", List.of("c" + (i + 1) + "@example.test"));
        acc.putAlias("c12@example.test", List.of("alice@example.test"));
        assertEquals(new Recipient.Unknown(), resolve("c0@example.test"));
        assertEquals(local(alice), resolve("c3@example.test"), "nine aliases then alice: within the limit");
    }

    @Test
    void aliasLoopsEnd() {
        acc.putAlias("a@example.test", List.of("b@example.test", "alice@example.test"));
        acc.putAlias("b@example.test", List.of("a@example.test", "bob@example.test"));
        acc.putAlias("self@example.test", List.of("self@example.test"));
        assertEquals(local(alice, bob), resolve("a@example.test"));
        assertEquals(local(alice, bob), resolve("b@example.test"));
        assertEquals(new Recipient.Unknown(), resolve("self@example.test"));
    }

    @Test
    void subAddressesReachTheUserOrAlias() {
        acc.putAlias("team@example.test", List.of("bob@example.test"));
        assertEquals(local(alice), resolve("alice+lists@example.test"));
        assertEquals(local(alice), resolve("alice+a+b@example.test"), "only the first + separates");
        assertEquals(local(bob), resolve("team+x@example.test"));
        assertEquals(new Recipient.Unknown(), resolve("+alice@example.test"), "no base before the +");
        assertEquals(new Recipient.Unknown(), resolve("nobody+alice@example.test"));
    }

    @Test
    void anExactAliasWithAPlusBeatsTheSubAddress() {
        acc.putAlias("alice+sales@example.test", List.of("bob@example.test"));
        assertEquals(local(bob), resolve("alice+sales@example.test"));
        assertEquals(local(alice), resolve("alice+other@example.test"));
    }

    @Test
    void aliasTargetsMayCarryASubAddress() {
        acc.putAlias("news@example.test", List.of("alice+news@example.test"));
        assertEquals(local(alice), resolve("news@example.test"));
    }

    @Test
    void theCatchAllTakesOnlyWhatNothingElseNames() {
        acc.putAlias("@example.test", List.of("bob@example.test"));
        acc.putAlias("team@example.test", List.of("alice@example.test"));
        assertEquals(local(bob), resolve("nobody@example.test"));
        assertEquals(local(alice), resolve("alice@example.test"), "an exact user beats the catch-all");
        assertEquals(local(alice), resolve("alice+x@example.test"), "so does its sub-address");
        assertEquals(local(alice), resolve("team@example.test"), "and an exact alias");
        assertEquals(new Recipient.Unknown(), resolve("nobody@other.test"), "a catch-all covers its own domain only");
    }

    @Test
    void anAliasNamingNobodyHereIsUnknownNotCaughtAll() {
        acc.putAlias("@example.test", List.of("bob@example.test"));
        acc.putAlias("gone@example.test", List.of("ghost@example.test"));
        assertEquals(new Recipient.Unknown(), resolve("gone@example.test"));
    }

    @Test
    void changesApplyAtOnce() {
        assertEquals(new Recipient.Unknown(), resolve("sales@example.test"));
        acc.putAlias("sales@example.test", List.of("alice@example.test"));
        assertEquals(local(alice), resolve("sales@example.test"));
        acc.removeAlias("sales@example.test");
        assertEquals(new Recipient.Unknown(), resolve("sales@example.test"));
    }

    @Test
    void aUserMaySendAsThemselvesAndTheirAliases() {
        acc.putAlias("team@example.test", List.of("staff@example.test"));
        acc.putAlias("staff@example.test", List.of("alice@example.test", "bob@example.test"));
        acc.putAlias("bobs@example.test", List.of("bob@example.test"));
        acc.putAlias("@example.test", List.of("alice@example.test"));
        assertTrue(resolver.mayUseSender(alice, a("alice@example.test")));
        assertTrue(resolver.mayUseSender(alice, a("ALICE@Example.Test")));
        assertTrue(resolver.mayUseSender(alice, a("alice+x@example.test")));
        assertTrue(resolver.mayUseSender(alice, a("team@example.test")), "through a chain");
        assertTrue(resolver.mayUseSender(alice, a("team+x@example.test")));
        assertFalse(resolver.mayUseSender(alice, a("bob@example.test")));
        assertFalse(resolver.mayUseSender(alice, a("bobs@example.test")));
        assertFalse(resolver.mayUseSender(alice, a("nobody@example.test")), "a catch-all does not make every address yours");
        assertFalse(resolver.mayUseSender(alice, a("alice@other.test")));
        assertFalse(resolver.mayUseSender(alice, a("alice@remote.test")));
        assertFalse(resolver.mayUseSender(bob, a("alice+bob@example.test")));
    }

    /** Every lookup of one resolution, alias expansion included, is made in one group of reads (one transaction on PostgreSQL). */
    @Test
    void oneResolutionReadsInOneGroup() {
        acc.putAlias("team@example.test", java.util.List.of("alice@example.test", "bob@example.test", "carol@other.test"));
        java.util.List<Object> groups = new java.util.ArrayList<>();
        AccountStore seen = (AccountStore) java.lang.reflect.Proxy.newProxyInstance(AccountStore.class.getClassLoader(),
                new Class<?>[] {AccountStore.class}, (proxy, method, args) -> {
                    groups.add(java.util.Objects.requireNonNullElse(org.tegami.store.ReadGroup.current(), "none"));
                    try {
                        return method.invoke(acc, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        RecipientResolver r = new RecipientResolver(seen);
        assertEquals(local(alice, bob, carol), r.resolve(a("team@example.test")));
        assertTrue(groups.size() >= 4, "domain, user, alias and the targets were looked up: " + groups.size());
        assertEquals(1, new java.util.HashSet<>(groups).size(), "one group: " + groups);
        assertTrue(groups.getFirst() instanceof org.tegami.store.ReadGroup, "a group, not reads of their own");
        groups.clear();
        assertTrue(r.mayUseSender(alice, a("team@example.test")));
        assertEquals(1, new java.util.HashSet<>(groups).size(), "one group: " + groups);
        assertTrue(groups.getFirst() instanceof org.tegami.store.ReadGroup, "a group, not reads of their own");
    }
}
