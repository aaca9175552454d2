package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.TegamiException;
import org.tegami.server.config.ConfigLoader;
import org.tegami.server.config.StoreSettings;
import org.tegami.testkit.TestPostgres;

/** The whole server on {@code [store] kind = "postgresql"}: SMTP in, admin commands, IMAP out, a restart. */
class PostgresServerTest {
    @TempDir
    Path dir;

    private Path config(String extra) throws Exception {
        return TestConfigs.write(dir, Set.of("smtp", "imaps"), extra);
    }

    @Test
    void storeKindIsCheckedWithClearMessages() throws Exception {
        assertTrue(ConfigLoader.load(config("")).store() instanceof StoreSettings.Embedded, "embedded by default");
        Path unknown = config("[store]\nkind = \"mysql\"\n");
        String e = assertThrows(TegamiException.class, () -> ConfigLoader.load(unknown)).getMessage();
        assertTrue(e.contains("store.kind: unknown store kind \"mysql\" (allowed: embedded, postgresql)"), e);
        Path noUrl = config("[store]\nkind = \"postgresql\"\n");
        e = assertThrows(TegamiException.class, () -> ConfigLoader.load(noUrl)).getMessage();
        assertTrue(e.contains("store.kind: kind = \"postgresql\" needs url = \"jdbc:postgresql://host:5432/database\""), e);
        Path badUrl = config("[store]\nkind = \"postgresql\"\nurl = \"postgres://x/y\"\n");
        e = assertThrows(TegamiException.class, () -> ConfigLoader.load(badUrl)).getMessage();
        assertTrue(e.contains("store.url: must be a PostgreSQL JDBC URL"), e);
        Path urlButEmbedded = config("[store]\nurl = \"jdbc:postgresql://127.0.0.1/t\"\n");
        e = assertThrows(TegamiException.class, () -> ConfigLoader.load(urlButEmbedded)).getMessage();
        assertTrue(e.contains("store.url: only for kind = \"postgresql\""), e);
        Path typo = config("[store]\nkind = \"postgresql\"\nurl = \"jdbc:postgresql://127.0.0.1/t\"\npasword = \"x\"\n");
        e = assertThrows(TegamiException.class, () -> ConfigLoader.load(typo)).getMessage();
        assertTrue(e.contains("store.pasword: unknown key (known here: kind, password, url, user)"), e);
        var pg = (StoreSettings.Postgres) ConfigLoader.load(config("[store]\nkind = \"postgresql\"\n"
                + "url = \"jdbc:postgresql://127.0.0.1:5432/tegami\"\nuser = \"tegami\"\npassword = \"secret\"\n")).store();
        assertEquals(new StoreSettings.Postgres("jdbc:postgresql://127.0.0.1:5432/tegami", "tegami", "secret"), pg);
        assertFalse(pg.toString().contains("secret"), "the password stays out of logs");
    }

    @Test
    void mailDeliveredOverSmtpIsReadOverImapAndSurvivesARestart() throws Exception {
        Assumptions.assumeTrue(TestPostgres.available(), TestPostgres.WHY_MISSING);
        TestPostgres.Database db = TestPostgres.get().newDatabase();
        Path f = config("[store]\nkind = \"postgresql\"\nurl = \"" + db.url() + "\"\nuser = \"" + db.user()
                + "\"\npassword = \"" + db.password() + "\"\n");
        byte[] large = ("Subject: large\r\n\r\n" + ("0123456789abcdef".repeat(4) + "\r\n").repeat(3000))
                .getBytes(StandardCharsets.US_ASCII); // 198 KB: above the inline limit, so an object file
        try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
            // admin commands open the configured store while the server runs
            assertEquals("0", cli(f, "", "domain", "add", "example.test")[0]);
            String[] added = cli(f, "alice-password\n", "user", "add", "alice@example.test", "--password-stdin");
            assertEquals("0", added[0], added[2]);
            assertTrue(server.store().accounts().user(org.tegami.mime.EmailAddress.parse("alice@example.test").orElseThrow())
                    .isPresent(), "the server sees what the CLI wrote");

            Wire.smtp(server.port("smtp"), "Subject: small\r\n\r\nhello over port 25 into PostgreSQL\r\n".getBytes(StandardCharsets.US_ASCII));
            Wire.smtp(server.port("smtp"), large);
            imap(server.port("imaps"), large);
        }
        assertFalse(Files.exists(dir.resolve("d/meta.db")), "no embedded store was opened");
        try (Stream<Path> files = Files.find(dir.resolve("d/objects"), 3, (p, a) -> a.isRegularFile())) {
            assertEquals(1, files.count(), "the large message's bytes are one object file under data_dir/objects");
        }
        try (TegamiServer again = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
            imap(again.port("imaps"), large);
        }
        String[] users = cli(f, "", "user", "list");
        assertTrue(users[1].contains("alice@example.test"), users[1]);
    }


    private static void imap(int port, byte[] large) throws Exception {
        Properties i = new Properties();
        i.put("mail.imaps.ssl.trust", "*");
        i.put("mail.imaps.ssl.checkserveridentity", "false");
        Store store = Session.getInstance(i).getStore("imaps");
        store.connect("127.0.0.1", port, "alice@example.test", "alice-password");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertEquals(2, inbox.getMessageCount());
            assertEquals("small", inbox.getMessage(1).getSubject());
            assertEquals("hello over port 25 into PostgreSQL", ((String) inbox.getMessage(1).getContent()).trim());
            assertEquals("large", inbox.getMessage(2).getSubject());
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            inbox.getMessage(2).writeTo(raw);
            assertTrue(raw.size() > large.length, "stored with the Received/Authentication-Results prefix");
            byte[] tail = java.util.Arrays.copyOfRange(raw.toByteArray(), raw.size() - large.length + "Subject: large\r\n".length(), raw.size());
            assertArrayEquals(java.util.Arrays.copyOfRange(large, "Subject: large\r\n".length(), large.length), tail);
            inbox.close(false);
        } finally {
            store.close();
        }
    }



    /** Runs the CLI in-process; returns exit code, stdout and stderr. */
    private static String[] cli(Path config, String stdin, String... args) {
        return CliRun.run(stdin, Stream.concat(java.util.Arrays.stream(args), Stream.of("--config", config.toString()))
                .toArray(String[]::new)).fields();
    }
}
