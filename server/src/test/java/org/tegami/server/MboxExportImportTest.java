package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.store.Account;
import org.tegami.store.MailStore;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;
import org.tegami.store.embedded.EmbeddedStore;

/** {@code tegami mail export|import --format mbox}: mboxrd out and back in, and a hand-written mutt-style mbox in. */
class MboxExportImportTest {
    @TempDir Path dir;

    private String cli(String... args) {
        var r = CliRun.run("", args);
        return r.exit() + "|" + r.out();
    }

    private static List<String> box(Store s, Account a, String name) throws Exception {
        var mb = s.mail().mailbox(a.id(), name);
        List<String> out = new ArrayList<>();
        if (mb.isEmpty()) return out;
        for (MessageMeta m : s.mail().messages(mb.get().id())) {
            try (InputStream in = s.blobs().open(m.content())) {
                out.add(new TreeSet<>(m.flags()) + " " + m.internalDate() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void append(Store s, Account a, String mailbox, String text, Instant date, Set<String> flags) throws Exception {
        var mb = s.mail().mailbox(a.id(), mailbox).orElseGet(() -> s.mail().createMailbox(a.id(), mailbox, Optional.empty()));
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        try (var w = s.blobs().create()) {
            w.stream().write(b);
            s.mail().appendAll(mb.id(), List.of(new MailStore.NewMessage(w.commit(), b.length, date, flags)));
        }
    }

    private Account user(Store s, String address) {
        s.accounts().addDomain("example.test");
        return s.accounts().addUser(EmailAddress.parse(address).orElseThrow(), new PasswordHasher().hash("pw".toCharArray()));
    }

    @Test
    void exportThenImportGivesTheSameMessagesFlagsAndDates() throws Exception {
        Path cfg = TestConfigs.write(dir, Set.of(), "");
        Path export = dir.resolve("export");
        Account alice;
        Account bob;
        String tricky = "Return-Path: <list-bounces@lists.example>\r\nSubject: quoting\r\nStatus: RO\r\n\r\n"
                + "From here on, a line that looks like a separator\r\n>From quoted once\r\n\r\n"
                + "From someone@example.org Mon Jan  1 00:00:00 2024\r\nlast line\r\n";
        Instant t1 = Instant.parse("2026-11-01T10:00:00Z"), t2 = Instant.parse("2026-11-02T11:00:05Z");
        try (Store s = EmbeddedStore.open(dir.resolve("d"), java.time.InstantSource.system())) {
            alice = user(s, "alice@example.test");
            bob = s.accounts().addUser(EmailAddress.parse("bob@example.test").orElseThrow(), new PasswordHasher().hash("pw".toCharArray()));
            append(s, alice, "INBOX", "Subject: one\r\n\r\nfirst\r\n", t1, Set.of("\\Seen", "\\Flagged", "$Label1"));
            append(s, alice, "INBOX", tricky, t2, Set.of());
            append(s, alice, "Lists/tegami", "Subject: two\r\n\r\nsecond\r\n", t2, Set.of("\\Answered", "\\Draft", "\\Deleted"));
        }
        String out = cli("mail", "export", "alice@example.test", export.toString(), "--format", "mbox", "--config", cfg.toString());
        assertTrue(out.startsWith("0|exported 3 messages in "), out);
        String inbox = Files.readString(export.resolve("INBOX.mbox"), StandardCharsets.ISO_8859_1);
        assertEquals("From MAILER-DAEMON Sun Nov  1 10:00:00 2026\nSubject: one\nStatus: RO\nX-Status: F\nX-Keywords: $Label1\n\n"
                + "first\n\n"
                + "From list-bounces@lists.example Mon Nov  2 11:00:05 2026\nReturn-Path: <list-bounces@lists.example>\n"
                + "Subject: quoting\nStatus: O\n\n>From here on, a line that looks like a separator\n>>From quoted once\n\n"
                + ">From someone@example.org Mon Jan  1 00:00:00 2024\nlast line\n\n", inbox);
        assertTrue(Files.isRegularFile(export.resolve("Lists/tegami.mbox")));

        out = cli("mail", "import", "bob@example.test", export.toString(), "--format", "mbox", "--config", cfg.toString());
        assertTrue(out.startsWith("0|imported 3 messages into "), out);
        try (Store s = EmbeddedStore.open(dir.resolve("d"), java.time.InstantSource.system())) {
            List<String> bobInbox = box(s, bob, "INBOX");
            assertEquals(box(s, alice, "INBOX").getFirst(), bobInbox.getFirst());
            // the stale Status field the message carried is mbox metadata: not kept
            assertEquals("[] " + t2 + " " + tricky.replace("Status: RO\r\n", ""), bobInbox.get(1));
            assertEquals(box(s, alice, "Lists/tegami"), box(s, bob, "Lists/tegami"));
        }
    }

    @Test
    void aHandWrittenMuttMboxWithFromLinesInBodiesSplitsWhereItShould() throws Exception {
        Path cfg = TestConfigs.write(dir, Set.of(), "");
        Path mbox = Files.writeString(dir.resolve("mbox"), """
                From alice@example.org Tue Mar  5 09:15:00 2024
                From: alice@example.org
                Subject: first
                Status: RO
                X-Status: A
                Content-Length: 999
                X-UID: 7

                Hello,
                From what I hear, this line is text (no empty line before it).

                From the desk of Bob: text too (not a From_ line: no date).
                >From a quoted line
                >>From a doubly quoted line

                From bob@example.org  Wed Mar  6 18:00:00 2024
                Subject: second

                body

                From MAILER-DAEMON Thu Mar  7 01:02:03 2024
                Subject: third, last, no empty line at the end
                X-Keywords: $Junk work

                end
                """);
        Account carol;
        try (Store s = EmbeddedStore.open(dir.resolve("d"), java.time.InstantSource.system())) {
            carol = user(s, "carol@example.test");
        }
        String out = cli("mail", "import", "carol@example.test", mbox.toString(), "--format", "mbox", "--config", cfg.toString());
        assertEquals("0|imported 3 messages into 1 mailboxes of carol@example.test\n", out);
        try (Store s = EmbeddedStore.open(dir.resolve("d"), java.time.InstantSource.system())) {
            List<String> inbox = box(s, carol, "INBOX");
            assertEquals(3, inbox.size(), inbox.toString());
            assertEquals("[\\Answered, \\Seen] 2024-03-05T09:15:00Z From: alice@example.org\r\nSubject: first\r\n\r\nHello,\r\n"
                    + "From what I hear, this line is text (no empty line before it).\r\n\r\n"
                    + "From the desk of Bob: text too (not a From_ line: no date).\r\nFrom a quoted line\r\n"
                    + ">From a doubly quoted line\r\n", inbox.get(0));
            assertEquals("[] 2024-03-06T18:00:00Z Subject: second\r\n\r\nbody\r\n", inbox.get(1));
            assertEquals("[$Junk, work] 2024-03-07T01:02:03Z Subject: third, last, no empty line at the end\r\n\r\nend\r\n",
                    inbox.get(2));
        }
        assertTrue(cli("mail", "import", "carol@example.test", mbox.toString(), "--format", "mbx", "--config",
                cfg.toString()).startsWith("1|"), "an unknown format is refused");
    }
}
