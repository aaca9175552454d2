package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.MessageMeta;
import org.tegami.store.QueueEntry;
import org.tegami.store.SieveScriptStore;
import org.tegami.store.Store;

/**
 * Sieve at delivery over the wire on port 25 (RFC 5228 and extensions): the user's active script files, flags,
 * refuses, discards, copies, answers while away once per sender, redirects; a script that fails delivers to the
 * INBOX and tells the user once; the site's script runs before the user's; a broken site script stops the server at
 * startup with its line and column.
 */
class SieveDeliveryTest {
    private static final String SCRIPT = """
            require ["fileinto", "mailbox", "imap4flags", "reject", "vacation", "copy", "editheader", "envelope"];
            addheader "X-Sorted-By" "alice's rules";
            if header :contains "subject" "[tegami]" { fileinto :create "Lists/tegami"; stop; }
            if header :contains "subject" "flag me" { addflag "\\\\Flagged"; keep; stop; }
            if header :contains "subject" "go away" { reject "I do not take mail about that"; stop; }
            if header :contains "subject" "trash it" { discard; stop; }
            if header :contains "subject" "archive" { fileinto :copy "Archive"; }
            if header :contains "subject" "holiday" {
                vacation :days 1 :subject "Out of office" "I am away until Monday.";
            }
            if header :contains "subject" "pass on" { redirect "carol@example.test"; redirect "dave@remote.test"; }
            """;

    @TempDir
    Path dir;

    /** The {@code [store]} and {@code [blobs]} sections the servers here run on: none, the embedded default. */
    String backend() throws Exception {
        return "";
    }

    private static Account user(Store s, String address) {
        return s.accounts().addUser(EmailAddress.parse(address).orElseThrow(), new PasswordHasher().hash("pw".toCharArray()));
    }

    private static String send(TegamiServer s, String from, String to, String subject) throws Exception {
        String msg = "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: " + subject + "\r\nMessage-ID: <"
                + subject.hashCode() + "." + System.nanoTime() + "@sender.test>\r\n\r\nHello.\r\n";
        return DmarcReportsTest.send(InetAddress.getLoopbackAddress(), s.port("smtp"), from, to, msg);
    }

    private static List<String> messages(Store s, Account a, String mailbox) throws Exception {
        var mb = s.mail().mailbox(a.id(), mailbox);
        if (mb.isEmpty()) return List.of();
        List<String> out = new ArrayList<>();
        for (MessageMeta m : s.mail().messages(mb.get().id())) {
            try (InputStream in = s.blobs().open(m.content())) {
                out.add(new String(in.readAllBytes(), StandardCharsets.UTF_8) + "\nFLAGS " + new java.util.TreeSet<>(m.flags()));
            }
        }
        return out;
    }

    @Test
    void theUsersScriptDecidesEachCopy() throws Exception {
        Path site = Files.writeString(dir.resolve("before.sieve"), """
                require ["fileinto", "imap4flags"];
                if header :is "x-site" "stamp" { addflag "site-stamped"; }
                """);
        // replies and redirects go to an MX that refuses connections: they wait in the queue, where the test reads them
        int closed = org.tegami.testkit.FreePort.pick();
        try (org.tegami.testkit.TestDnsServer dns = new org.tegami.testkit.TestDnsServer()) {
        dns.add("sender.test. 300 IN MX 10 mx.sender.test.").add("mx.sender.test. 300 IN A 127.0.0.1")
                .add("remote.test. 300 IN MX 10 mx.sender.test.");
        Path cfg = TestConfigs.write(dir, Set.of("smtp"), backend() + "[inbound]\nverify = false\n[sieve]\nbefore = \"" + site + "\"\n"
                + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n[outbound]\nmx_port = " + closed + "\n");
        try (TegamiServer s = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system())) {
            Store st = s.store();
            st.accounts().addDomain("example.test");
            Account alice = user(st, "alice@example.test");
            Account carol = user(st, "carol@example.test");
            assertEquals(SieveScriptStore.Result.OK, st.sieve().put(alice.id(), "rules", SCRIPT, SieveScriptStore.Quota.DEFAULTS));
            assertEquals(SieveScriptStore.Result.OK, st.sieve().setActive(alice.id(), "rules"));

            assertTrue(send(s, "news@sender.test", "alice@example.test", "[tegami] release").startsWith("250 2.0.0"));
            List<String> lists = messages(st, alice, "Lists/tegami");
            assertEquals(1, lists.size(), "filed into a mailbox created on the way");
            assertTrue(lists.getFirst().startsWith("X-Sorted-By: alice's rules\r\n"), lists.getFirst());
            assertEquals(0, messages(st, alice, "INBOX").size(), "fileinto cancels the implicit keep");

            assertTrue(send(s, "bob@sender.test", "alice@example.test", "flag me").startsWith("250 2.0.0"));
            assertTrue(messages(st, alice, "INBOX").getFirst().endsWith("FLAGS [\\Flagged]"), messages(st, alice, "INBOX").getFirst());

            assertEquals("550 5.7.1 I do not take mail about that", send(s, "bob@sender.test", "alice@example.test", "go away"));

            assertTrue(send(s, "bob@sender.test", "alice@example.test", "trash it").startsWith("250 2.0.0"));
            assertEquals(1, messages(st, alice, "INBOX").size(), "discarded: stored nowhere");

            assertTrue(send(s, "bob@sender.test", "alice@example.test", "archive this").startsWith("250 2.0.0"));
            assertEquals(1, messages(st, alice, "Archive").size());
            assertEquals(2, messages(st, alice, "INBOX").size(), ":copy keeps the implicit keep");

            // vacation: one reply per sender and period, from <>, marked auto-replied (RFC 5230, RFC 3834)
            assertTrue(send(s, "bob@sender.test", "alice@example.test", "holiday plans").startsWith("250 2.0.0"));
            assertTrue(send(s, "bob@sender.test", "alice@example.test", "holiday again").startsWith("250 2.0.0"));
            List<QueueEntry> replies = st.queue().list().stream().filter(e -> e.recipients().equals(List.of("bob@sender.test"))).toList();
            assertEquals(1, replies.size(), "answered once: " + st.queue().list());
            assertEquals("", replies.getFirst().sender());
            String reply;
            try (InputStream in = st.blobs().open(replies.getFirst().blob())) {
                reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertTrue(reply.contains("\r\nSubject: Out of office\r\n") && reply.contains("\r\nAuto-Submitted: auto-replied\r\n")
                    && reply.contains("I am away until Monday."), reply);
            assertTrue(reply.contains("\r\nFrom: alice@example.test\r\n"), reply);
            assertEquals(4, messages(st, alice, "INBOX").size(), "vacation keeps the message");

            // redirect: a local address gets a copy, a remote one goes out with an SRS reverse-path
            assertTrue(send(s, "bob@sender.test", "alice@example.test", "pass on").startsWith("250 2.0.0"));
            assertEquals(1, messages(st, carol, "INBOX").size());
            List<QueueEntry> out = st.queue().list().stream().filter(e -> e.recipients().equals(List.of("dave@remote.test"))).toList();
            assertEquals(1, out.size(), st.queue().list().toString());
            assertTrue(out.getFirst().sender().startsWith("SRS0="), out.getFirst().sender());
            assertEquals(4, messages(st, alice, "INBOX").size(), "redirect cancels the implicit keep");
        }
        }
    }

    @Test
    void aFailingScriptDeliversToTheInboxAndTellsTheUserOnce() throws Exception {
        Path cfg = TestConfigs.write(dir, Set.of("smtp"), backend() + "[inbound]\nverify = false\n");
        try (TegamiServer s = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system())) {
            Store st = s.store();
            st.accounts().addDomain("example.test");
            Account bob = user(st, "bob@example.test");
            // five redirects: over the limit of four per message, a runtime error (RFC 5228 §2.10.6)
            String script = "redirect \"a@remote.test\"; redirect \"b@remote.test\"; redirect \"c@remote.test\";"
                    + " redirect \"d@remote.test\"; redirect \"e@remote.test\";";
            st.sieve().put(bob.id(), "broken", script, SieveScriptStore.Quota.DEFAULTS);
            st.sieve().setActive(bob.id(), "broken");
            assertTrue(send(s, "x@sender.test", "bob@example.test", "one").startsWith("250 2.0.0"));
            assertTrue(send(s, "x@sender.test", "bob@example.test", "two").startsWith("250 2.0.0"));
            List<String> inbox = messages(st, bob, "INBOX");
            assertEquals(3, inbox.size(), "both messages and one notice: " + inbox);
            assertEquals(1, inbox.stream().filter(m -> m.contains("Subject: Your mail filter (Sieve) did not run")).count());
            assertTrue(st.queue().list().isEmpty(), "the failed script's redirects are void");
        }
        // the notice given is a mark in the store: a restart does not give it again
        try (TegamiServer s = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system())) {
            Store st = s.store();
            Account bob = st.accounts().user(org.tegami.mime.EmailAddress.parse("bob@example.test").orElseThrow()).orElseThrow();
            assertTrue(send(s, "x@sender.test", "bob@example.test", "three").startsWith("250 2.0.0"));
            List<String> inbox = messages(st, bob, "INBOX");
            assertEquals(4, inbox.size(), inbox.toString());
            assertEquals(1, inbox.stream().filter(m -> m.contains("Subject: Your mail filter (Sieve) did not run")).count());
        }
    }

    @Test
    void aBrokenSiteScriptStopsTheServerWithItsPosition() throws Exception {
        Path site = Files.writeString(dir.resolve("after.sieve"), "require \"fileinto\";\nfileinto \"Junk\"\n");
        Path cfg = TestConfigs.write(dir, Set.of("smtp"), "[sieve]\nafter = \"" + site + "\"\n");
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.tegami.core.TegamiException.class, () -> ConfigLoader.load(cfg));
        assertTrue(e.getMessage().startsWith(cfg + ":"), e.getMessage());
        assertTrue(e.getMessage().matches("(?s).*sieve\\.after: " + java.util.regex.Pattern.quote(site.toString()) + ": [23]:[0-9]+: .*"),
                e.getMessage());
    }

    @Test
    void theSiteScriptRunsBeforeTheUsers() throws Exception {
        Path site = Files.writeString(dir.resolve("before.sieve"), """
                require ["fileinto"];
                if header :contains "subject" "site-junk" { fileinto "Junk"; }
                """);
        Path cfg = TestConfigs.write(dir, Set.of("smtp"), backend() + "[inbound]\nverify = false\n[sieve]\nbefore = \"" + site + "\"\n");
        try (TegamiServer s = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system())) {
            Store st = s.store();
            st.accounts().addDomain("example.test");
            Account erin = user(st, "erin@example.test");
            assertTrue(send(s, "x@sender.test", "erin@example.test", "site-junk offer").startsWith("250 2.0.0"));
            assertEquals(1, messages(st, erin, "Junk").size(), "no script of her own: the site's still runs");
            assertEquals(0, messages(st, erin, "INBOX").size());
            assertTrue(send(s, "x@sender.test", "erin@example.test", "hello").startsWith("250 2.0.0"));
            assertEquals(1, messages(st, erin, "INBOX").size());
        }
    }

    /** A bounce the queue makes for a local sender passes through the sender's own rules too. */
    @Test
    void bouncesPassThroughTheUsersRules() throws Exception {
        try (org.tegami.testkit.TestDnsServer dns = new org.tegami.testkit.TestDnsServer()) {
            dns.add("nomail.test. 300 IN MX 0 .");
            Path cfg = TestConfigs.write(dir, Set.of("smtp"), backend() + "[inbound]\nverify = false\n[dns]\nnameservers = [\"127.0.0.1:"
                    + dns.address().getPort() + "\"]\n");
            try (TegamiServer s = TegamiServer.start(ConfigLoader.load(cfg), InstantSource.system())) {
                Store st = s.store();
                st.accounts().addDomain("example.test");
                Account alice = user(st, "alice@example.test");
                st.sieve().put(alice.id(), "bounces", "require [\"fileinto\", \"mailbox\"];\n"
                        + "if header :contains \"subject\" \"Undelivered\" { fileinto :create \"Bounces\"; }\n",
                        SieveScriptStore.Quota.DEFAULTS);
                st.sieve().setActive(alice.id(), "bounces");
                byte[] msg = "From: <alice@example.test>\r\nTo: <x@nomail.test>\r\nSubject: hi\r\n\r\nhi\r\n"
                        .getBytes(StandardCharsets.US_ASCII);
                try (var w = st.blobs().create()) {
                    w.stream().write(msg);
                    st.mail().deliver(new org.tegami.store.DeliveryRequest(w.commit(), msg.length, java.time.Instant.now(),
                            Set.of(), java.util.Optional.of(new org.tegami.store.DeliveryRequest.Outbound("alice@example.test",
                                    List.of("x@nomail.test"), 0, java.util.Optional.of(alice.id()), ""))));
                }
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (System.nanoTime() < deadline && messages(st, alice, "Bounces").isEmpty()) Thread.sleep(100);
                List<String> bounces = messages(st, alice, "Bounces");
                assertEquals(1, bounces.size(), "the bounce was filed by her script; INBOX " + messages(st, alice, "INBOX"));
                assertTrue(bounces.getFirst().contains("Subject: Undelivered Mail Returned to Sender"), bounces.getFirst());
                assertEquals(0, messages(st, alice, "INBOX").size());
            }
        }
    }
}
