package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.delivery.spam.SpamStage;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.BlobId;
import org.tegami.store.BlobStore;
import org.tegami.store.DeliveryRequest;
import org.tegami.store.FetchSourceStore.Source;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.testkit.TestDnsServer;

/**
 * Two Tegami instances on loopback: bob's mail on B (IMAP on implicit TLS, POP3S) is collected into alice's account
 * on A with {@code tegami fetch}, through A's inbound pipeline, with B's self-signed certificate trusted through
 * {@code [outbound] tls_ca}.
 */
class FetchTest {
    private static final String NONE = "smtp = []\nsubmission = []\nsubmissions = []\npop3 = []\nimap = []\nmanagesieve = []\n";

    @TempDir
    Path dir;
    private TestDnsServer dns;
    private TegamiServer b;
    private TegamiServer a;
    private Account bob;
    private Account alice;
    /** A's {@code [store]} and {@code [blobs]} sections, the same for every start of A in one test. */
    private String aBackend;
    /** How far B's clock runs ahead of the system's: moved to let B's failed-login throttle forget. */
    private final java.util.concurrent.atomic.AtomicReference<Duration> bAhead =
            new java.util.concurrent.atomic.AtomicReference<>(Duration.ZERO);

    /** The {@code [store]} and {@code [blobs]} sections A (the collecting side) runs on: none, the embedded default. */
    String backend() throws Exception {
        return "";
    }

    /**
     * What A keeps of its metadata at rest, as text: the embedded store's database file and its write-ahead log (a
     * fresh row may be only there until a checkpoint).
     */
    String atRest(TegamiServer a) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String f : List.of("meta.db", "meta.db-wal")) {
            Path p = a.config().dataDir().resolve(f);
            if (Files.exists(p)) out.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
        }
        if (out.isEmpty()) throw new AssertionError("no meta.db in " + a.config().dataDir());
        return out.toString();
    }

    @BeforeEach
    void start() throws Exception {
        dns = new TestDnsServer();
        aBackend = backend();
        b = startB("hostname = \"localhost\"\n[listen]\nsmtp = []\nsubmission = []\nsubmissions = []\nmanagesieve = []\n"
                + "imaps = [\"127.0.0.1:0\"]\npop3s = [\"127.0.0.1:0\"]\nimap = [\"127.0.0.1:0\"]\npop3 = [\"127.0.0.1:0\"]\n"
                + "[fetch]\nenabled = false\n");
        bob = user(b, "b.test", "bob@b.test", "bob-password");
        a = startA(true, "[fetch]\nenabled = false\n");
        alice = user(a, "a.test", "alice@a.test", "alice-password");
    }

    @AfterEach
    void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        dns.close();
    }

    private TegamiServer startB(String toml) throws Exception {
        Path d = dir.resolve("b");
        Files.createDirectories(d);
        Path cfg = d.resolve("tegami.toml");
        Files.writeString(cfg, toml);
        return TegamiServer.start(ConfigLoader.load(cfg), () -> Instant.now().plus(bAhead.get()));
    }

    private Path configA(boolean trustB, String extra) throws Exception {
        Path d = dir.resolve("a");
        Files.createDirectories(d);
        Path cfg = d.resolve("tegami.toml");
        Files.writeString(cfg, "hostname = \"mail.a.test\"\n[listen]\n" + NONE + "imaps = []\npop3s = []\n"
                + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n"
                + (trustB ? "[outbound]\ntls_ca = \"" + b.config().dataDir().resolve("tls/selfsigned-cert.pem") + "\"\n" : "")
                + aBackend + extra);
        return cfg;
    }

    private TegamiServer startA(boolean trustB, String extra) throws Exception {
        return TegamiServer.start(ConfigLoader.load(configA(trustB, extra)), InstantSource.system());
    }

    private static Account user(TegamiServer s, String domain, String address, String password) {
        s.store().accounts().addDomain(domain);
        return s.store().accounts().addUser(EmailAddress.parse(address).orElseThrow(),
                new PasswordHasher().hash(password.toCharArray()));
    }

    /** Puts a message into bob's INBOX on B, as a delivery there would. */
    private void mailForBob(String subject, String body) throws Exception {
        byte[] m = ("Return-Path: <carol@c.test>\r\nFrom: carol@c.test\r\nTo: bob@b.test\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + subject.replace(' ', '-') + "@c.test>\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.UTF_8);
        Store s = b.store();
        BlobId id;
        try (BlobStore.BlobWriter w = s.blobs().create()) {
            w.stream().write(m);
            id = w.commit();
            s.mail().deliver(new DeliveryRequest(id, m.length, Instant.now(), Set.of(bob.id()), Optional.empty()));
        }
    }

    private static List<String> mailbox(Store s, Account who, String name) throws Exception {
        Optional<Mailbox> box = s.mail().mailbox(who.id(), name);
        List<String> out = new ArrayList<>();
        if (box.isEmpty()) return out;
        for (MessageMeta m : s.mail().messages(box.get().id())) {
            try (InputStream in = s.blobs().open(m.content())) {
                out.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static List<String> subjects(List<String> messages) {
        return messages.stream().map(m -> m.replaceAll("(?s).*\r\nSubject: ([^\r]*)\r\n.*", "$1")).toList();
    }

    /** Runs the CLI in-process against A's config; returns exit code, stdout and stderr joined by '|'. */
    private String cli(String stdin, String... args) throws Exception {
        var r = CliRun.run(stdin, java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--config", dir.resolve("a/tegami.toml").toString())).toArray(String[]::new));
        return r.exit() + "|" + r.out() + "|" + r.err();
    }

    private Source add(String url, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("fetch", "add", "alice@a.test", url));
        args.addAll(List.of(options));
        String r = cli("", args.toArray(String[]::new));
        assertTrue(r.startsWith("0|fetch source "), r);
        return a.store().fetchSources().sources(Optional.of(alice.id())).getLast();
    }

    private Optional<String> poll(Source s) {
        return a.fetcher().poll(a.store().fetchSources().source(s.id()).orElseThrow());
    }

    private String imaps(String password) {
        return "imaps://bob@b.test:" + password + "@localhost:" + b.port("imaps");
    }

    private String pop3s(String password) {
        return "pop3s://bob@b.test:" + password + "@localhost:" + b.port("pop3s");
    }

    @Test
    void imapCollectsEachMessageOnceThenOnlyNewOnes() throws Exception {
        mailForBob("first", "one");
        mailForBob("second", "two");
        Source s = add(imaps("bob-password"));
        assertEquals(Optional.empty(), poll(s));
        List<String> got = mailbox(a.store(), alice, "INBOX");
        assertEquals(List.of("first", "second"), subjects(got));
        String first = got.getFirst();
        assertTrue(first.startsWith("Authentication-Results: mail.a.test;"), "through A's pipeline: " + first);
        assertTrue(first.contains("Received: from localhost ([127.0.0.1])\r\n\tby mail.a.test (Tegami fetch) with IMAPS"), first);
        assertTrue(first.contains("smtp.mailfrom=carol@c.test") || first.contains("carol@c.test"), first);
        assertTrue(first.endsWith("\r\n\r\none\r\n"), first);

        assertEquals(Optional.empty(), poll(s));
        assertEquals(2, mailbox(a.store(), alice, "INBOX").size(), "no duplicates");
        mailForBob("third", "three");
        assertEquals(Optional.empty(), poll(s));
        assertEquals(List.of("first", "second", "third"), subjects(mailbox(a.store(), alice, "INBOX")), "only the new one");
        assertEquals(3, mailbox(b.store(), bob, "INBOX").size(), "kept on B by default");
        String list = cli("", "fetch", "list", "alice@a.test");
        assertTrue(list.matches("(?s)0\\|" + s.id() + " alice@a.test imaps://bob@b.test@localhost:\\d+/INBOX keep enabled"
                + " last-success=20\\S+Z\n\\|"), list);
        assertFalse(list.contains("bob-password"), list);
    }

    /** RFC 9208 §5.1: collected mail counts against the account's quota; what does not fit stays on the source. */
    @Test
    void mailOverTheQuotaStaysOnTheSourceUntilThereIsRoom() throws Exception {
        mailForBob("first", "one");
        mailForBob("second", "two");
        a.store().accounts().setQuota(alice.id(), java.util.OptionalLong.empty(), java.util.OptionalLong.of(1));
        Source s = add(imaps("bob-password"));
        assertEquals(Optional.empty(), poll(s));
        assertEquals(List.of("first"), subjects(mailbox(a.store(), alice, "INBOX")), "one message of room");
        Source after = a.store().fetchSources().source(s.id()).orElseThrow();
        assertEquals("deferred UID 2: 452 4.2.2 Mailbox full: over quota", after.lastError());
        assertEquals(2, mailbox(b.store(), bob, "INBOX").size(), "kept on the source");
        a.store().accounts().setQuota(alice.id(), java.util.OptionalLong.empty(), java.util.OptionalLong.of(10));
        assertEquals(Optional.empty(), poll(s));
        assertEquals(List.of("first", "second"), subjects(mailbox(a.store(), alice, "INBOX")), "collected once there is room");
    }

    @Test
    void cleartextPortsAreUsedOnlyAfterStartTls() throws Exception {
        mailForBob("first", "one");
        Source imap = add("imap://bob@b.test:bob-password@localhost:" + b.port("imap"));
        assertTrue(imap.startTls());
        assertEquals(Optional.empty(), poll(imap));
        assertEquals(List.of("first"), subjects(mailbox(a.store(), alice, "INBOX")));
        Source pop = add("pop3://bob@b.test:bob-password@localhost:" + b.port("pop3"));
        assertEquals(Optional.empty(), poll(pop));
        assertEquals(List.of("first", "first"), subjects(mailbox(a.store(), alice, "INBOX")), "each source once");
        assertTrue(cli("", "fetch", "list").contains(" pop3://bob@b.test@localhost:" + b.port("pop3") + " keep enabled"));
    }

    @Test
    void changedUidValidityFetchesTheFolderAgain() throws Exception {
        mailForBob("first", "one");
        Source s = add(imaps("bob-password"));
        assertEquals(Optional.empty(), poll(s));
        var state = a.store().fetchSources().imapState(s.id()).orElseThrow();
        assertEquals(1, state.highestUid());
        // RFC 9051 §2.3.1.1: as if B had recreated the folder; the old UIDs name nothing (ADR 0014: start over)
        a.store().fetchSources().setImapState(s.id(), new org.tegami.store.FetchSourceStore.ImapState(state.uidValidity() - 1, 99));
        assertEquals(Optional.empty(), poll(s));
        assertEquals(List.of("first", "first"), subjects(mailbox(a.store(), alice, "INBOX")), "a duplicate, never a loss");
        assertEquals(state, a.store().fetchSources().imapState(s.id()).orElseThrow());
    }

    @Test
    void imapWithDeleteRemovesMessagesFromTheServerOnceStored() throws Exception {
        mailForBob("first", "one");
        mailForBob("second", "two");
        Source s = add(imaps("bob-password"), "--delete");
        assertEquals(Optional.empty(), poll(s));
        assertEquals(List.of("first", "second"), subjects(mailbox(a.store(), alice, "INBOX")));
        assertEquals(List.of(), mailbox(b.store(), bob, "INBOX"), "expunged on B");
        mailForBob("third", "three");
        assertEquals(Optional.empty(), poll(s));
        assertEquals(List.of("first", "second", "third"), subjects(mailbox(a.store(), alice, "INBOX")));
        assertEquals(List.of(), mailbox(b.store(), bob, "INBOX"));
    }

    @Test
    void pop3CollectsOnceAndDeletesWhenAsked() throws Exception {
        mailForBob("first", "one");
        mailForBob("second", ".dot-stuffed line\r\n..two dots");
        Source keep = add(pop3s("bob-password"));
        assertEquals(Optional.empty(), poll(keep));
        List<String> got = mailbox(a.store(), alice, "INBOX");
        assertEquals(List.of("first", "second"), subjects(got));
        assertTrue(got.get(1).endsWith("\r\n\r\n.dot-stuffed line\r\n..two dots\r\n"), got.get(1));
        assertTrue(got.get(1).contains("with POP3S"), got.get(1));
        assertEquals(Optional.empty(), poll(keep));
        assertEquals(2, mailbox(a.store(), alice, "INBOX").size(), "no duplicates");
        mailForBob("third", "three");
        assertEquals(Optional.empty(), poll(keep));
        assertEquals(List.of("first", "second", "third"), subjects(mailbox(a.store(), alice, "INBOX")));
        assertEquals(3, mailbox(b.store(), bob, "INBOX").size(), "kept on B");
        assertTrue(cli("", "fetch", "remove", Long.toString(keep.id())).startsWith("0|removed fetch source " + keep.id()));

        Source delete = add(pop3s("bob-password"), "--delete");
        assertEquals(Optional.empty(), poll(delete));
        assertEquals(6, mailbox(a.store(), alice, "INBOX").size(), "a new source starts with no memory");
        assertEquals(List.of(), mailbox(b.store(), bob, "INBOX"), "deleted on B after QUIT");
        assertEquals(3, a.store().fetchSources().pop3Seen(delete.id()).size());
        assertEquals(Optional.empty(), poll(delete));
        assertEquals(Set.of(), a.store().fetchSources().pop3Seen(delete.id()), "UIDLs no longer on the server are forgotten");
        assertEquals(6, mailbox(a.store(), alice, "INBOX").size());
    }

    @Test
    void passwordFromStdinIsSealedAtRest() throws Exception {
        mailForBob("first", "one");
        String r = cli("bob-password\n", "fetch", "add", "alice@a.test", "imaps://bob@b.test@localhost:" + b.port("imaps"),
                "--password-stdin");
        assertTrue(r.startsWith("0|fetch source "), r);
        Source s = a.store().fetchSources().sources(Optional.empty()).getFirst();
        assertFalse(new String(s.password(), StandardCharsets.ISO_8859_1).contains("bob-password"));
        String rest = atRest(a);
        String hex = java.util.HexFormat.of().formatHex("bob-password".getBytes(StandardCharsets.US_ASCII));
        assertTrue(rest.contains("bob@b.test"), "the source's row is among what was read");
        assertFalse(rest.contains("bob-password") || rest.contains(hex), "never in the database in clear");
        assertEquals(Optional.empty(), poll(s));
        assertEquals(1, mailbox(a.store(), alice, "INBOX").size());
    }

    /**
     * B's clock moves a day before each poll, past its failed-login throttle's window: B answers each wrong password
     * at once instead of after 1, 2, 4 and 8 s (25 s in all). What is tested is A's handling of the refusal.
     */
    @Test
    void wrongPasswordIsReportedBacksOffAndFiveDisable() throws Exception {
        mailForBob("first", "one");
        Source s = add(imaps("wrong-password"));
        Instant before = Instant.now();
        bAhead.updateAndGet(d -> d.plusDays(1));
        Optional<String> e = poll(s);
        assertTrue(e.isPresent() && e.get().startsWith("the IMAP server refused the login"), e.toString());
        Source after = a.store().fetchSources().source(s.id()).orElseThrow();
        assertEquals(1, after.failures());
        assertTrue(!after.nextAttempt().isBefore(before.plus(Duration.ofMinutes(1))), "backoff 1 minute: " + after.nextAttempt());
        String list = cli("", "fetch", "list");
        assertTrue(list.contains("failures=1") && list.contains("last-error=\"the IMAP server refused the login"), list);
        for (int i = 2; i <= 5; i++) {
            bAhead.updateAndGet(d -> d.plusDays(1));
            poll(s);
        }
        Source disabled = a.store().fetchSources().source(s.id()).orElseThrow();
        assertFalse(disabled.enabled(), "five failed logins in a row disable it");
        assertTrue(disabled.lastError().contains("polling disabled after 5 failed logins"), disabled.lastError());
        assertTrue(disabled.nextAttempt().isAfter(before.plus(Duration.ofMinutes(15))), "backoff grew: " + disabled.nextAttempt());
        assertTrue(a.store().fetchSources().due(Instant.now().plus(Duration.ofDays(1)), 10).isEmpty());
        assertEquals(List.of(), mailbox(a.store(), alice, "INBOX"));
        assertTrue(cli("", "fetch", "now", Long.toString(s.id())).startsWith("1||tegami: fetch source " + s.id() + " is disabled"));
        assertTrue(cli("", "fetch", "enable", Long.toString(s.id())).startsWith("0|enabled"));
        assertTrue(a.store().fetchSources().source(s.id()).orElseThrow().enabled());

        bAhead.updateAndGet(d -> d.plusDays(1));
        Optional<String> pop = poll(add(pop3s("wrong-password")));
        assertTrue(pop.isPresent() && pop.get().startsWith("the POP3 server refused the login"), pop.toString());
    }

    @Test
    void untrustedCertificateIsRefusedAndNothingFetched() throws Exception {
        a.close();
        a = startA(false, "[fetch]\nenabled = false\n");
        mailForBob("first", "one");
        Source s = add(imaps("bob-password"));
        Optional<String> e = poll(s);
        assertTrue(e.isPresent() && e.get().contains("certificate is not trusted") && e.get().contains("[outbound] tls_ca"),
                e.toString());
        assertEquals(List.of(), mailbox(a.store(), alice, "INBOX"));
        assertEquals(Optional.empty(), a.store().fetchSources().imapState(s.id()), "nothing was sent or read past TLS");
        Optional<String> pop = poll(add(pop3s("bob-password")));
        assertTrue(pop.isPresent() && pop.get().contains("certificate is not trusted"), pop.toString());
    }

    @Test
    void gtubeIsRefusedByThePipelineAndSkipped() throws Exception {
        mailForBob("spam", SpamStage.GTUBE);
        mailForBob("ham", "hello");
        Source s = add(imaps("bob-password"));
        assertEquals(Optional.empty(), poll(s));
        assertEquals(List.of("ham"), subjects(mailbox(a.store(), alice, "INBOX")));
        assertEquals(List.of(), mailbox(a.store(), alice, "Junk"));
        Source after = a.store().fetchSources().source(s.id()).orElseThrow();
        assertTrue(after.lastError().startsWith("refused UID 1: 554 5.7.1"), after.lastError());
        assertEquals(0, after.failures());
        assertEquals(Optional.empty(), poll(s));
        assertEquals(1, mailbox(a.store(), alice, "INBOX").size(), "the refused one is not asked for again");
    }

    /** Collected mail passes the user's Sieve rules like any other delivery. */
    @Test
    void collectedMailIsSortedByTheUsersSieveScript() throws Exception {
        a.store().sieve().put(alice.id(), "sort", "require [\"fileinto\", \"mailbox\"];\n"
                + "if header :contains \"subject\" \"newsletter\" { fileinto :create \"Old account/News\"; }\n",
                org.tegami.store.SieveScriptStore.Quota.DEFAULTS);
        a.store().sieve().setActive(alice.id(), "sort");
        mailForBob("weekly newsletter", "news");
        mailForBob("lunch", "noon?");
        assertEquals(Optional.empty(), poll(add(imaps("bob-password"))));
        assertEquals(List.of("weekly newsletter"), subjects(mailbox(a.store(), alice, "Old account/News")));
        assertEquals(List.of("lunch"), subjects(mailbox(a.store(), alice, "INBOX")));
    }

    @Test
    void runningServerPollsSourcesAddedAndNudgedFromTheCli() throws Exception {
        a.close();
        a = TegamiServer.start(ConfigLoader.load(configA(true, "")).withFetch(
                org.tegami.fetch.FetchSettings.DEFAULTS.withTick(Duration.ofMillis(100))), InstantSource.system());
        mailForBob("first", "one");
        Source s = add(imaps("bob-password"));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline && mailbox(a.store(), alice, "INBOX").isEmpty()) Thread.sleep(50);
        assertEquals(List.of("first"), subjects(mailbox(a.store(), alice, "INBOX")), "due at once when added");
        Source polled = a.store().fetchSources().source(s.id()).orElseThrow();
        assertTrue(polled.nextAttempt().isAfter(Instant.now().plus(Duration.ofMinutes(4))), "next in 5 minutes");
        mailForBob("second", "two");
        assertTrue(cli("", "fetch", "now", Long.toString(s.id())).startsWith("0|fetch source " + s.id() + " is due now"));
        deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline && mailbox(a.store(), alice, "INBOX").size() < 2) Thread.sleep(50);
        assertEquals(List.of("first", "second"), subjects(mailbox(a.store(), alice, "INBOX")));
    }
}
