package org.tegami.imap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.store.MailStore;
import org.tegami.store.MessageMeta;
import org.tegami.store.Uid;
import org.tegami.testkit.Processes;

/**
 * Thunderbird itself, headless, against a live server over implicit TLS: a throwaway profile with one IMAP account
 * (password in its login store, the test certificate trusted in its NSS database), started with login at startup so
 * that it opens INBOX and downloads the headers and, for offline use, the bodies. What it did is read from its own
 * IMAP log (MOZ_LOG=IMAP:5), which holds every command it sent and every line the server answered; a message filter
 * in the profile makes it flag, mark read and tag one message, which the test then finds in the store. The log and
 * the profile are left in target/thunderbird-test. Skipped where Thunderbird, certutil or python3 is not installed.
 */
class ImapThunderbirdTest {
    /** Seconds Thunderbird gets to log in and download the three messages. */
    private static final int LIMIT_SECONDS = 90;

    @TempDir
    Path tmp;
    private ImapTestServer server;
    private Process thunderbird;

    @BeforeEach
    void start() throws IOException {
        assumeTrue(onPath("thunderbird"), "thunderbird is not installed");
        assumeTrue(onPath("certutil"), "certutil (libnss3-tools) is not installed");
        assumeTrue(onPath("python3"), "python3 is not installed");
        server = new ImapTestServer(Files.createDirectory(tmp.resolve("data")), tmp.resolve("tls"), InstantSource.system());
    }

    @AfterEach
    void stop() {
        if (thunderbird != null) kill(thunderbird);
        if (server != null) server.close();
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, program)));
    }

    @Test
    void thunderbirdLogsInSelectsInboxAndDownloadsEverything() throws Exception {
        // message 2 (the multipart one) is flagged before Thunderbird first looks
        var inbox = server.store().mail().mailbox(server.account(ImapTestServer.ALICE).id(), "INBOX").orElseThrow();
        server.store().mail().setFlags(inbox.id(), Set.of(new Uid(2)), MailStore.FlagMode.ADD, Set.of("\\Flagged"),
                Optional.empty());

        Path profile = Files.createDirectory(tmp.resolve("profile"));
        Path cert = tmp.resolve("tls").resolve("tls").resolve("selfsigned-cert.pem");
        Processes.run(tmp, "certutil", "-N", "--empty-password", "-d", "sql:" + profile);
        Processes.run(tmp, "certutil", "-A", "-n", "tegami-test", "-t", "C,,", "-i", cert.toString(), "-d",
                "sql:" + profile);
        Path saveLogin = tmp.resolve("savelogin.py");
        Files.writeString(saveLogin, SAVE_LOGIN);
        Processes.run(tmp, "python3", saveLogin.toString(), profile.toString(), "imap://" + ImapTestServer.HOSTNAME,
                ImapTestServer.ALICE, ImapTestServer.ALICE_PASSWORD);
        Files.writeString(profile.resolve("user.js"), prefs(server.port("imaps")));
        // a message filter on incoming mail, so that Thunderbird itself changes flags and sets a keyword
        Path serverDir = Files.createDirectories(profile.resolve("ImapMail").resolve(ImapTestServer.HOSTNAME));
        Files.writeString(serverDir.resolve("msgFilterRules.dat"), """
                version="9"
                logging="yes"
                name="Flag the report"
                enabled="yes"
                type="17"
                action="Mark flagged"
                action="Mark read"
                action="AddTag"
                actionValue="$label1"
                condition="AND (subject,contains,Report)"
                """);

        Path log = tmp.resolve("imap.log");
        Path home = Files.createDirectory(tmp.resolve("home"));
        ProcessBuilder pb = new ProcessBuilder("thunderbird", "--headless", "--no-remote", "--profile",
                profile.toString())
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("thunderbird.out").toFile());
        pb.environment().put("HOME", home.toString());
        pb.environment().put("MOZ_HEADLESS", "1");
        pb.environment().put("MOZ_LOG", "IMAP:5,sync"); // sync: nothing lost when it is killed
        pb.environment().put("MOZ_LOG_FILE", log.toString());
        pb.environment().remove("DISPLAY");
        thunderbird = pb.start();

        // done once the bodies of all three messages have been fetched and the filter's last STORE has completed
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
        Transcript t = Transcript.read(log);
        while (!(t.downloadedAll() && t.completed(KEYWORD_STORE)) && System.nanoTime() < deadline && thunderbird.isAlive()) {
            Thread.sleep(250);
            t = Transcript.read(log);
        }
        kill(thunderbird);
        keep(profile, log);
        t = Transcript.read(log);
        String context = "\nThunderbird's IMAP transcript:\n" + t + "\noutput:\n"
                + Files.readString(tmp.resolve("thunderbird.out"));

        assertTrue(t.downloadedAll(), "Thunderbird did not download the three messages within " + LIMIT_SECONDS
                + " s" + context);
        assertTrue(t.commands().stream().anyMatch(c -> c.matches("(?i)\\S+ (login|authenticate) .*")),
                "logged in" + context);
        assertTrue(t.commands().stream().anyMatch(c -> c.matches("(?i)\\S+ select \"?INBOX\"?.*")),
                "selected INBOX" + context);
        assertEquals(List.of(), t.refusals(), "no BAD or NO from the server" + context);
        // an empty deflate block sent right behind "OK DEFLATE active" showed up here as "\0\0\0\xFF\xFF* ID ..."
        // and cost Thunderbird the connection's authenticated state
        assertEquals(List.of(), t.responses().stream().filter(r -> r.indexOf('\u00ff') >= 0 || r.indexOf('\0') >= 0)
                .toList(), "no stray bytes in front of a response after COMPRESS" + context);
        assertTrue(t.responses().stream().anyMatch(r -> r.matches("\\* \\d+ FETCH .*UID 2\\b.*\\\\Flagged.*")
                        || r.matches("\\* \\d+ FETCH .*\\\\Flagged.*UID 2\\b.*")),
                "\\Flagged on UID 2 reached Thunderbird" + context);
        assertTrue(t.completed(KEYWORD_STORE), "the filter's STORE commands completed" + context);
        List<MessageMeta> stored = server.messages(ImapTestServer.ALICE, "INBOX");
        assertTrue(stored.get(2).flags().containsAll(Set.of("\\Flagged", "\\Seen", "$label1")),
                "Thunderbird's filter marked the report flagged and read and tagged it: " + stored.get(2).flags());
        assertTrue(stored.get(1).flags().contains("\\Flagged") && !stored.get(1).flags().contains("\\Seen"),
                "the multipart message is still flagged and unread: " + stored.get(1).flags());
        assertTrue(!stored.get(0).flags().contains("\\Seen"),
                "downloading for offline use peeked: " + stored.get(0).flags());
        // the offline store holds the messages as Thunderbird received them
        Path store = profile.resolve("ImapMail").resolve(ImapTestServer.HOSTNAME).resolve("INBOX");
        assertTrue(Files.exists(store), "offline store " + store + context);
        String mbox = Files.readString(store, StandardCharsets.ISO_8859_1);
        for (String subject : List.of("Subject: Lunch", "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", "Subject: Report",
                "JVBERi0xLjQK")) {
            assertTrue(mbox.contains(subject), subject + " in the offline store" + context);
        }
    }

    /** The filter's last action on the wire. */
    private static final String KEYWORD_STORE = "(?i)\\S+ uid store 3 \\+flags \\(\\$label1\\)";

    private static String prefs(int port) {
        String host = ImapTestServer.HOSTNAME;
        return """
                user_pref("mail.accountmanager.accounts", "account1");
                user_pref("mail.accountmanager.defaultaccount", "account1");
                user_pref("mail.account.account1.server", "server1");
                user_pref("mail.account.account1.identities", "id1");
                user_pref("mail.identity.id1.useremail", "%3$s");
                user_pref("mail.identity.id1.fullName", "Alice");
                user_pref("mail.identity.id1.valid", true);
                user_pref("mail.server.server1.type", "imap");
                user_pref("mail.server.server1.hostname", "%1$s");
                user_pref("mail.server.server1.realhostname", "%1$s");
                user_pref("mail.server.server1.port", %2$d);
                user_pref("mail.server.server1.socketType", 3);
                user_pref("mail.server.server1.authMethod", 3);
                user_pref("mail.server.server1.userName", "%3$s");
                user_pref("mail.server.server1.realuserName", "%3$s");
                user_pref("mail.server.server1.name", "Tegami");
                user_pref("mail.server.server1.directory-rel", "[ProfD]ImapMail/%1$s");
                user_pref("mail.server.server1.valid", true);
                user_pref("mail.server.server1.login_at_startup", true);
                user_pref("mail.server.server1.check_new_mail", true);
                user_pref("mail.server.server1.download_on_biff", true);
                user_pref("mail.server.server1.offline_download", true);
                user_pref("mail.server.server1.autosync_offline_stores", true);
                user_pref("mail.server.default.autosync_offline_stores", true);
                user_pref("mail.startup.enabledMailCheckOnce", true);
                user_pref("network.dns.forceResolve", "127.0.0.1");
                user_pref("network.dns.localDomains", "%1$s");
                user_pref("network.manage-offline-status", false);
                user_pref("network.connectivity-service.enabled", false);
                user_pref("network.captive-portal-service.enabled", false);
                user_pref("offline.autoDetect", false);
                user_pref("offline.startup_state", 2);
                user_pref("mail.shell.checkDefaultClient", false);
                user_pref("mail.provider.enabled", false);
                user_pref("mail.rights.version", 1);
                user_pref("mailnews.start_page.enabled", false);
                user_pref("mail.spotlight.firstRunDone", true);
                user_pref("app.update.enabled", false);
                user_pref("app.update.auto", false);
                user_pref("extensions.update.enabled", false);
                user_pref("datareporting.policy.dataSubmissionEnabled", false);
                user_pref("datareporting.healthreport.uploadEnabled", false);
                user_pref("toolkit.telemetry.enabled", false);
                user_pref("mail.server.server1.autosync_max_age_days", -1);
                """.formatted(host, port, ImapTestServer.ALICE);
    }

    /**
     * Saves the password as Thunderbird's own account setup does (origin and realm {@code imap://HOST}) in the
     * profile's logins.json, encrypted with NSS's secret-decoder-ring key from the profile's key4.db (no primary
     * password), through libnss3 by ctypes.
     */
    private static final String SAVE_LOGIN = """
            import base64, ctypes, json, sys, uuid
            profile, origin, user, password = sys.argv[1:5]
            nss = ctypes.CDLL("libnss3.so")
            class SECItem(ctypes.Structure):
                _fields_ = [("type", ctypes.c_uint), ("data", ctypes.c_void_p), ("len", ctypes.c_uint)]
            if nss.NSS_InitReadWrite(("sql:" + profile).encode()) != 0:
                sys.exit("NSS_InitReadWrite failed")
            def enc(s):
                b = s.encode()
                buf = ctypes.create_string_buffer(b, len(b))
                out = SECItem(0, None, 0)
                inp = SECItem(0, ctypes.cast(buf, ctypes.c_void_p), len(b))
                if nss.PK11SDR_Encrypt(ctypes.byref(SECItem(0, None, 0)), ctypes.byref(inp), ctypes.byref(out), None) != 0:
                    sys.exit("PK11SDR_Encrypt failed")
                return base64.b64encode(ctypes.string_at(out.data, out.len)).decode()
            t = 1700000000000
            login = {"id": 1, "hostname": origin, "httpRealm": origin, "formSubmitURL": None,
                     "usernameField": "", "passwordField": "", "encryptedUsername": enc(user),
                     "encryptedPassword": enc(password), "guid": "{%s}" % uuid.uuid4(), "encType": 1,
                     "timeCreated": t, "timeLastUsed": t, "timePasswordChanged": t, "timesUsed": 1}
            with open(profile + "/logins.json", "w") as f:
                json.dump({"nextId": 2, "logins": [login], "potentiallyVulnerablePasswords": [],
                           "dismissedBreachAlertsByLoginGUID": {}, "version": 3}, f)
            nss.NSS_Shutdown()
            """;

    /** Leaves Thunderbird's logs and profile under target/thunderbird-test for whoever reads a failure. */
    private void keep(Path profile, Path log) throws IOException {
        Path keep = Path.of("target", "thunderbird-test");
        if (Files.exists(keep)) {
            try (Stream<Path> s = Files.walk(keep)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        Files.createDirectories(keep);
        List<Path> files;
        try (Stream<Path> s = Files.walk(tmp)) {
            files = s.filter(Files::isRegularFile)
                    .filter(f -> f.startsWith(profile) || f.getFileName().toString().startsWith(log.getFileName().toString())
                            || f.getFileName().toString().equals("thunderbird.out"))
                    .toList();
        }
        for (Path f : files) {
            Path to = keep.resolve(tmp.relativize(f).toString());
            Files.createDirectories(to.getParent());
            Files.copy(f, to);
        }
    }

    /** Asks Thunderbird to quit (SIGTERM), then forces it and whatever it started. */
    private static void kill(Process p) {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }

    /**
     * Thunderbird's IMAP log reduced to what crossed the wire, in order: each line is the connection (Thunderbird's
     * protocol object), C or S, and the command sent or the line read. Authentication data is not logged.
     */
    record Transcript(List<Line> lines) {
        record Line(String connection, boolean client, String text) {}

        // e.g. "... - [Parent 1: IMAP]: I/IMAP 7fcf13e45100:mail.example.test:S-INBOX:SendData: 104 UID fetch 1:* (FLAGS)"
        private static final Pattern LINE =
                Pattern.compile("IMAP ([0-9a-f]+):[^:]*:[^:]*:(SendData|CreateNewLineFromSocket): (.*)$");
        private static final Pattern BODY = Pattern.compile("^\\* \\d+ FETCH \\(UID (\\d+) .*BODY\\[\\] \\{\\d+\\}$");

        static Transcript read(Path log) throws IOException {
            List<Line> lines = new ArrayList<>();
            for (Path f : logFiles(log)) {
                for (String line : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
                    Matcher m = LINE.matcher(line);
                    if (m.find()) lines.add(new Line(m.group(1), m.group(2).equals("SendData"), m.group(3).strip()));
                }
            }
            return new Transcript(lines);
        }

        private static List<Path> logFiles(Path log) throws IOException {
            try (Stream<Path> s = Files.list(log.getParent())) {
                return s.filter(f -> f.getFileName().toString().startsWith(log.getFileName().toString())).sorted()
                        .toList();
            }
        }

        List<String> commands() {
            return lines.stream().filter(Line::client).map(Line::text).toList();
        }

        List<String> responses() {
            return lines.stream().filter(l -> !l.client()).map(Line::text).toList();
        }

        /** Tagged NO or BAD, and untagged BAD. */
        List<String> refusals() {
            return responses().stream().filter(r -> r.matches("(\\*|[A-Za-z0-9]+) BAD\\b.*|[A-Za-z0-9]+ NO\\b.*"))
                    .toList();
        }

        /** Whether the commands matching {@code regex} were all sent and each completed with a tagged OK. */
        boolean completed(String regex) {
            boolean any = false;
            for (int i = 0; i < lines.size(); i++) {
                Line c = lines.get(i);
                if (!c.client() || !c.text().matches(regex)) continue;
                any = true;
                String tag = c.text().split(" ", 2)[0];
                boolean ok = lines.subList(i + 1, lines.size()).stream()
                        .anyMatch(l -> !l.client() && l.connection().equals(c.connection())
                                && l.text().startsWith(tag + " OK"));
                if (!ok) return false;
            }
            return any;
        }

        /** The UIDs whose whole message (BODY[]) was received. */
        Set<Long> downloaded() {
            Set<Long> uids = new java.util.TreeSet<>();
            for (Line l : lines) {
                Matcher m = BODY.matcher(l.text());
                if (!l.client() && m.matches()) uids.add(Long.parseLong(m.group(1)));
            }
            return uids;
        }

        boolean downloadedAll() {
            return downloaded().equals(Set.of(1L, 2L, 3L)) && completed("(?i)\\S+ UID fetch .*BODY\\.PEEK\\[\\].*");
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            lines.forEach(l -> sb.append(l.connection()).append(l.client() ? " C: " : " S: ").append(l.text())
                    .append('\n'));
            return sb.toString();
        }
    }
}
