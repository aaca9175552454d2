package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.Account;
import org.tegami.store.Mailbox;
import org.tegami.store.MessageMeta;
import org.tegami.store.Store;

/**
 * {@code tegami backup} while mail arrives over port 25, then {@code tegami restore} into a new data directory: the
 * restored server has every message stored before the backup began, byte for byte, with the same UIDs, UIDVALIDITY,
 * mod-sequences and flags; a damaged backup is refused naming the damage; a non-empty target is refused.
 */
class BackupRestoreTest {
    @TempDir
    Path dir;

    private static String cli(String... args) {
        var r = CliRun.run("", args);
        return r.exit() + "|" + r.out();
    }

    private static String send(TegamiServer s, String to, String subject, String body) throws Exception {
        String msg = "From: <x@sender.test>\r\nTo: <" + to + ">\r\nSubject: " + subject + "\r\n\r\n" + body + "\r\n";
        return DmarcReportsTest.send(InetAddress.getLoopbackAddress(), s.port("smtp"), "x@sender.test", to, msg);
    }

    /** Each mailbox's UIDVALIDITY and messages (uid, modseq, flags, content) of an account. */
    private static Map<String, List<String>> state(Store s, Account a) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Mailbox mb : s.mail().mailboxes(a.id())) {
            List<String> msgs = new ArrayList<>();
            msgs.add("uidvalidity " + mb.uidValidity());
            for (MessageMeta m : s.mail().messages(mb.id())) {
                try (InputStream in = s.blobs().open(m.content())) {
                    msgs.add(m.uid() + " " + m.modSeq() + " " + new java.util.TreeSet<>(m.flags()) + " "
                            + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(in.readAllBytes())));
                }
            }
            out.put(mb.name(), msgs);
        }
        return out;
    }

    @Test
    void backupWhileMailFlowsThenRestoreGivesTheSameMailboxes() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path cfgA = TestConfigs.write(a, Set.of("smtp"), "[inbound]\nverify = false\n");
        Path backup = dir.resolve("backup");
        Map<String, List<String>> before;
        try (TegamiServer s = TegamiServer.start(ConfigLoader.load(cfgA), InstantSource.system())) {
            s.store().accounts().addDomain("example.test");
            Account alice = s.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                    new PasswordHasher().hash("pw".toCharArray()));
            String big = "x".repeat(76) + "\r\n";
            for (int i = 0; i < 20; i++) {
                // every fourth over the inline limit: stored as a blob file
                String body = i % 4 == 0 ? big.repeat(2000) + i : "message " + i;
                assertTrue(send(s, "alice@example.test", "m" + i, body).startsWith("250 "));
            }
            var inbox = s.store().mail().mailbox(alice.id(), "INBOX").orElseThrow();
            var first = s.store().mail().messages(inbox.id()).getFirst();
            s.store().mail().setFlags(inbox.id(), Set.of(first.uid()), org.tegami.store.MailStore.FlagMode.ADD,
                    Set.of("\\Seen", "$Important"), java.util.Optional.empty());
            before = state(s.store(), alice);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger during = new AtomicInteger();
            Thread load = Thread.ofVirtual().start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        if (send(s, "alice@example.test", "during " + i, i % 3 == 0 ? big.repeat(2000) : "during").startsWith("250 ")) {
                            during.incrementAndGet();
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            String r = cli("backup", backup.toString(), "--config", cfgA.toString());
            stop.set(true);
            load.join();
            assertTrue(r.startsWith("0|backup of "), r);
            assertTrue(during.get() > 0, "mail kept flowing during the backup");
            assertTrue(cli("backup", backup.toString(), "--config", cfgA.toString()).startsWith("1|"), "a non-empty target is refused");
        }

        Path rdir = Files.createDirectory(dir.resolve("r"));
        Path cfgR = TestConfigs.write(rdir, Set.of("smtp"), "[inbound]\nverify = false\n");
        String r = cli("restore", backup.toString(), "--config", cfgR.toString());
        assertTrue(r.startsWith("0|restored "), r);
        try (TegamiServer s = TegamiServer.start(ConfigLoader.load(cfgR), InstantSource.system())) {
            Account alice = s.store().accounts().user(EmailAddress.parse("alice@example.test").orElseThrow()).orElseThrow();
            Map<String, List<String>> after = state(s.store(), alice);
            assertEquals(before.keySet(), after.keySet());
            for (var e : before.entrySet()) {
                List<String> restored = after.get(e.getKey());
                // what was there before the backup began is there, the same, in order; mail from during may follow
                assertEquals(e.getValue(), restored.subList(0, e.getValue().size()), e.getKey());
            }
            // the restored server goes on from there
            assertTrue(send(s, "alice@example.test", "after restore", "hi").startsWith("250 "));
        }

        // a damaged blob file in the backup is refused, naming it; nothing is half-restored into use
        Path victim;
        try (var walk = Files.walk(backup.resolve("blobs"))) {
            victim = walk.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(victim);
        b[b.length / 2] ^= 1;
        Files.write(victim, b);
        Path ddir = Files.createDirectory(dir.resolve("d2"));
        Path cfgD = TestConfigs.write(ddir, Set.of("smtp"), "");
        String damaged = cli("restore", backup.toString(), "--config", cfgD.toString());
        assertNotEquals('0', damaged.charAt(0), damaged);
        assertTrue(Files.notExists(ddir.resolve("d/meta.db")), "no metadata restored next to a damaged blob");
    }
}
