package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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

/** {@code tegami mail export|import}: Maildir++ out and back in, and a Dovecot-style Maildir (LF line ends) in. */
class MailExportImportTest {
    @TempDir
    Path dir;

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

    @Test
    void exportThenImportGivesTheSameMessagesFlagsAndDates() throws Exception {
        Path cfg = TestConfigs.write(dir, Set.of(), "");
        Path export = dir.resolve("export");
        Account alice;
        Account bob;
        Instant t1 = Instant.parse("2026-11-01T10:00:00Z"), t2 = Instant.parse("2026-11-02T11:00:00Z");
        try (Store s = EmbeddedStore.open(dir.resolve("d"), java.time.InstantSource.system())) {
            s.accounts().addDomain("example.test");
            alice = s.accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(), new PasswordHasher().hash("pw".toCharArray()));
            bob = s.accounts().addUser(EmailAddress.parse("bob@example.test").orElseThrow(), new PasswordHasher().hash("pw".toCharArray()));
            append(s, alice, "INBOX", "Subject: one\r\n\r\nfirst\r\n", t1, Set.of("\\Seen", "\\Flagged"));
            append(s, alice, "Lists/tegami", "Subject: two\r\n\r\nsecond\r\n", t2, Set.of("\\Answered"));
        }
        String out = cli("mail", "export", "alice@example.test", export.toString(), "--config", cfg.toString());
        assertTrue(out.startsWith("0|exported 2 messages in 7 mailboxes of alice@example.test"), out);
        try (var walk = Files.walk(export.resolve(".Lists.tegami/cur"))) {
            assertTrue(walk.anyMatch(p -> p.getFileName().toString().endsWith(":2,R")), "Maildir++ folder and info letters");
        }
        out = cli("mail", "import", "bob@example.test", export.toString(), "--config", cfg.toString());
        assertTrue(out.startsWith("0|imported 2 messages into 7 mailboxes of bob@example.test"), out);
        try (Store s = EmbeddedStore.open(dir.resolve("d"), java.time.InstantSource.system())) {
            assertEquals(box(s, alice, "INBOX"), box(s, bob, "INBOX"));
            assertEquals(box(s, alice, "Lists/tegami"), box(s, bob, "Lists/tegami"));
            assertEquals("[\\Answered] 2026-11-02T11:00:00Z Subject: two\r\n\r\nsecond\r\n", box(s, bob, "Lists/tegami").getFirst());
        }
    }

    @Test
    void aDovecotMaildirWithBareLineFeedsComesInAsCrlf() throws Exception {
        Path cfg = TestConfigs.write(dir, Set.of(), "");
        Path md = dir.resolve("Maildir");
        for (String sub : new String[] {"cur", "new", "tmp", ".Work/cur", ".Work/new", ".Work/tmp"}) Files.createDirectories(md.resolve(sub));
        Path seen = Files.writeString(md.resolve("cur/1700000000.M1P1.host,S=30:2,S"), "Subject: read\n\nold mail\n");
        Files.setLastModifiedTime(seen, FileTime.from(Instant.parse("2023-11-14T22:13:20Z")));
        Files.writeString(md.resolve("new/1700000001.M2P1.host"), "Subject: unread\n\nnew mail\n");
        Files.writeString(md.resolve(".Work/cur/1700000002.M3P1.host:2,FS"), "Subject: work\r\n\r\ncrlf already\r\n");
        Account carol;
        try (Store s = EmbeddedStore.open(dir.resolve("d"), java.time.InstantSource.system())) {
            s.accounts().addDomain("example.test");
            carol = s.accounts().addUser(EmailAddress.parse("carol@example.test").orElseThrow(), new PasswordHasher().hash("pw".toCharArray()));
        }
        String out = cli("mail", "import", "carol@example.test", md.toString(), "--config", cfg.toString());
        assertTrue(out.startsWith("0|imported 3 messages into 2 mailboxes"), out);
        try (Store s = EmbeddedStore.open(dir.resolve("d"), java.time.InstantSource.system())) {
            List<String> inbox = box(s, carol, "INBOX");
            assertEquals("[\\Seen] 2023-11-14T22:13:20Z Subject: read\r\n\r\nold mail\r\n", inbox.getFirst());
            assertTrue(inbox.get(1).startsWith("[] ") && inbox.get(1).endsWith(" Subject: unread\r\n\r\nnew mail\r\n"), inbox.get(1));
            assertTrue(box(s, carol, "Work").getFirst().startsWith("[\\Flagged, \\Seen] "), box(s, carol, "Work").toString());
            assertTrue(box(s, carol, "Work").getFirst().endsWith("Subject: work\r\n\r\ncrlf already\r\n"));
        }
        String unknown = cli("mail", "import", "nobody@example.test", md.toString(), "--config", cfg.toString());
        assertTrue(!unknown.startsWith("0|"), "an unknown user is refused: " + unknown);
    }
}
