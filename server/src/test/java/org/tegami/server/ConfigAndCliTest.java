package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.core.TegamiException;
import org.tegami.server.config.ConfigLoader;
import org.tegami.server.config.TegamiConfig;

/** The operator interface: config errors that name file, line and key; admin commands; startup failures. */
class ConfigAndCliTest {
    @TempDir
    Path dir;

    private Path config(String toml) throws Exception {
        Path f = dir.resolve("tegami.toml");
        Files.writeString(f, toml);
        return f;
    }

    @Test
    void defaultsAndRelativeDataDir() throws Exception {
        TegamiConfig c = ConfigLoader.load(config("hostname = \"mail.example.test\"\n"));
        assertEquals("mail.example.test", c.hostname());
        assertEquals(dir.resolve("data"), c.dataDir());
        assertEquals(List.of(new InetSocketAddress("0.0.0.0", 25)), c.listen("smtp"));
        assertEquals(List.of(new InetSocketAddress("0.0.0.0", 995)), c.listen("pop3s"));
        assertEquals(52428800L, c.limits().messageSize());
        TegamiConfig withRelay = ConfigLoader.load(config("[outbound]\nrelay = \"smtp.provider.test:465\"\n"));
        assertEquals("smtp.provider.test", withRelay.relay().orElseThrow().host());
        assertTrue(withRelay.relay().orElseThrow().security().implicitTls(), "port 465 means implicit TLS");
    }

    @Test
    void fetchKeysAndCommands() throws Exception {
        assertEquals(org.tegami.fetch.FetchSettings.DEFAULTS, ConfigLoader.load(config("")).fetch());
        TegamiConfig c = ConfigLoader.load(config("[fetch]\nenabled = false\ninterval = \"10m\"\n"));
        assertEquals(new org.tegami.fetch.FetchSettings(false, java.time.Duration.ofMinutes(10), 4,
                org.tegami.fetch.FetchSettings.DEFAULTS.tick()), c.fetch());
        Path u = config("[fetch]\nintervall = \"5m\"\n");
        var e = assertThrows(TegamiException.class, () -> ConfigLoader.load(u));
        assertTrue(e.getMessage().startsWith(u + ":2: fetch.intervall: unknown key (known here: enabled, interval)"), e.getMessage());
        Path s = config("[fetch]\ninterval = \"30s\"\n");
        var tooOften = assertThrows(TegamiException.class, () -> ConfigLoader.load(s));
        assertTrue(tooOften.getMessage().contains("fetch.interval: must be from 1 minute to 24 hours"), tooOften.getMessage());
        for (String sub : new String[] {"add", "list", "remove", "enable", "disable", "now"}) {
            String help = String.join("|", cli("", "fetch", sub, "--help"));
            assertTrue(help.startsWith("0|Usage: tegami fetch " + sub), help);
        }
        config("");
        String noUser = String.join("|", cli("", "fetch", "add", "nobody@example.test", "imaps://me:pw@imap.example.org"));
        assertEquals("1||tegami: no user nobody@example.test: create it first with 'tegami user add nobody@example.test'\n", noUser);
        String plain = String.join("|", cli("", "fetch", "add", "nobody@example.test", "http://me:pw@imap.example.org"));
        assertEquals("1||tegami: the source must start with imaps://, pop3s://, or imap:// or pop3:// (then STARTTLS is"
                + " required)\n", plain);
    }

    @Test
    void outboundConnectionKeysHaveDefaultsAndLimits() throws Exception {
        assertEquals(org.tegami.queue.QueueRunner.Connections.DEFAULTS,
                ConfigLoader.load(config("hostname = \"mail.example.test\"\n")).outboundConnections());
        TegamiConfig c = ConfigLoader.load(config("[outbound]\nconnections_per_host = 3\nmessages_per_connection = 1\n"
                + "idle_timeout_seconds = 20\nhost_backoff_seconds = 60\n"));
        assertEquals(new org.tegami.queue.QueueRunner.Connections(3, 1, java.time.Duration.ofSeconds(20),
                java.time.Duration.ofSeconds(60)), c.outboundConnections());
        Path f = config("[outbound]\nidle_timeout_seconds = 301\n");
        assertEquals(f + ":2: outbound.idle_timeout_seconds: must be 1 to 300 (RFC 5321 §4.5.3.2.7: servers wait 5 minutes)",
                assertThrows(TegamiException.class, () -> ConfigLoader.load(f)).getMessage());
        Path g = config("[outbound]\nconnections_per_host = 0\n");
        assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(g)).getMessage()
                .startsWith(g + ":2: outbound.connections_per_host:"));
    }

    @Test
    void unknownKeyNamesFileLineAndKey() throws Exception {
        Path f = config("hostname = \"mail.example.test\"\n[listen]\nsmtp = [\"127.0.0.1:25\"]\nsubmision = []\n");
        var e = assertThrows(TegamiException.class, () -> ConfigLoader.load(f));
        assertTrue(e.getMessage().startsWith(f + ":4: listen.submision: unknown key"), e.getMessage());
    }

    @Test
    void wrongTypesAndSyntaxAreReportedWithPosition() throws Exception {
        Path f = config("[limits]\nmessage_size = \"big\"\n");
        assertEquals(f + ":2: limits.message_size: must be a positive whole number",
                assertThrows(TegamiException.class, () -> ConfigLoader.load(f)).getMessage());
        Path g = config("hostname = \n");
        assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(g)).getMessage().startsWith(g + ":1:"));
        Path h = config("[listen]\nsmtp = [\"nonsense\"]\n");
        assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(h)).getMessage().contains("is not host:port"));
        Path r = config("[outbound]\nrelay_username = \"x\"\n");
        assertEquals(r + ":2: outbound.relay_username: needs relay = \"host:port\" beside it",
                assertThrows(TegamiException.class, () -> ConfigLoader.load(r)).getMessage());
        Path q = config("[outbound]\nrelay = \"smtp.provider.test:465\"\n[outbound.relay_for.\"b.test\"]\nrelay = \"x:587\"\nrelai = 1\n");
        assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(q)).getMessage()
                .startsWith(q + ":5: outbound.relay_for.\"b.test\".relai: unknown key"));
        Path k = config("[tls]\ncert = \"a.pem\"\n");
        assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(k)).getMessage().contains("set both [tls] cert and key"));
    }

    @Test
    void inboundSectionVerifiesByDefaultAndChecksItsKeys() throws Exception {
        TegamiConfig d = ConfigLoader.load(config("hostname = \"mail.example.test\"\n"));
        assertEquals(org.tegami.delivery.InboundSettings.DEFAULTS, d.inbound());
        assertTrue(d.inbound().verify() && d.inbound().dmarcReject(), "verification on, DMARC reject honoured");
        assertTrue(!d.inbound().dmarcReports(), "no reports sent unless asked");
        assertTrue(ConfigLoader.load(config("[inbound]\ndmarc_reports = true\n")).inbound().dmarcReports());
        TegamiConfig c = ConfigLoader.load(config("[inbound]\nverify = false\ndmarc_reject = false\n"
                + "trusted_arc_sealers = [\"Lists.Example.org\"]\n"));
        assertEquals(new org.tegami.delivery.InboundSettings(false, false, java.util.List.of("lists.example.org")), c.inbound());
        Path u = config("[inbound]\nspf = true\n");
        assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(u)).getMessage()
                .startsWith(u + ":2: inbound.spf: unknown key (known here: dmarc_reject, dmarc_reports, trusted_arc_sealers, verify)"));
        Path b = config("[inbound]\ntrusted_arc_sealers = [\"not a domain\"]\n");
        assertEquals(b + ":2: inbound.trusted_arc_sealers: 'not a domain' is not a domain name (give the d= domain of the"
                + " forwarder's ARC-Seal)", assertThrows(TegamiException.class, () -> ConfigLoader.load(b)).getMessage());
    }

    @Test
    void forwardingSectionHasDefaultsAndChecksItsKeys() throws Exception {
        TegamiConfig d = ConfigLoader.load(config("hostname = \"mail.example.test\"\n"));
        assertEquals(org.tegami.delivery.forward.ForwardingSettings.DEFAULTS, d.forwarding());
        TegamiConfig c = ConfigLoader.load(config("[forwarding]\nmax_per_hour = 20\nsrs_max_age_days = 7\n"));
        assertEquals(new org.tegami.delivery.forward.ForwardingSettings(20, 50, java.time.Duration.ofDays(7)), c.forwarding());
        Path u = config("[forwarding]\nmax_per_hours = 5\n");
        assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(u)).getMessage()
                .startsWith(u + ":2: forwarding.max_per_hours: unknown key (known here: max_per_hour, srs_max_age_days)"));
        Path old = config("[forwarding]\nsrs_max_age_days = 600\n");
        assertEquals(old + ":2: forwarding.srs_max_age_days: must be 1 to 365 (days a bounce to a forwarded copy is accepted)",
                assertThrows(TegamiException.class, () -> ConfigLoader.load(old)).getMessage());
    }

    @Test
    void spamSectionHasSafeDefaultsAndChecksItsKeys() throws Exception {
        TegamiConfig d = ConfigLoader.load(config("hostname = \"mail.example.test\"\n"));
        assertEquals(org.tegami.delivery.spam.SpamSettings.DEFAULTS, d.spam());
        assertTrue(d.spam().rejectScore().isEmpty(), "never refuses by default");
        TegamiConfig c = ConfigLoader.load(config("[spam]\njunk_score = 0.8\nreject_score = 0.99\nlearning = false\n"));
        assertEquals(0.8, c.spam().junkScore());
        assertEquals(0.99, c.spam().rejectScore().getAsDouble());
        assertEquals(false, c.spam().learning());
        Path u = config("[spam]\njunk = 0.8\n");
        assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(u)).getMessage()
                .startsWith(u + ":2: spam.junk: unknown key (known here: dnsbl, enabled, greylist_delay, greylisting, junk_score, learning, reject_score,"
                        + " rspamd, rspamd_controller, rspamd_password, rspamd_reject)"));
        Path r = config("[spam]\njunk_score = 0.9\nreject_score = 0.5\n");
        assertEquals(r + ":3: spam.reject_score: must not be below junk_score (0.9)",
                assertThrows(TegamiException.class, () -> ConfigLoader.load(r)).getMessage());
        Path w = config("[spam]\njunk_score = 2\n");
        assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(w)).getMessage().contains("at most 1"));
    }

    @Test
    void abuseDefencesAreOffByDefaultAndChecked() throws Exception {
        TegamiConfig d = ConfigLoader.load(config("hostname = \"mail.example.test\"\n"));
        assertEquals(org.tegami.delivery.abuse.AbuseSettings.DEFAULTS, d.abuse());
        assertTrue(d.abuse().dnsbl().isEmpty() && !d.abuse().greylisting() && d.abuse().rspamd().isEmpty());
        TegamiConfig c = ConfigLoader.load(config("[spam]\ndnsbl = [\"Zen.Example.\", \"bl.example\"]\ngreylisting = true\n"
                + "greylist_delay = \"90s\"\nrspamd = \"http://127.0.0.1:11333\"\nrspamd_reject = false\n"));
        assertEquals(new org.tegami.delivery.abuse.AbuseSettings(java.util.List.of("zen.example", "bl.example"), true,
                java.time.Duration.ofSeconds(90), java.util.Optional.of(java.net.URI.create("http://127.0.0.1:11333")), false,
                java.util.Optional.empty(), java.util.Optional.empty()), c.abuse());
        // learning goes to the controller: by default the rspamd host on 11334, or where configured
        assertEquals(java.util.Optional.of(java.net.URI.create("http://127.0.0.1:11334")), c.abuse().rspamdLearning());
        assertEquals(java.util.Optional.of(java.net.URI.create("http://[::1]:11334")), ConfigLoader.load(config(
                "[spam]\nrspamd = \"http://[::1]:11333\"\n")).abuse().rspamdLearning());
        TegamiConfig ctl = ConfigLoader.load(config("[spam]\nrspamd = \"http://10.0.0.5:11333\"\n"
                + "rspamd_controller = \"http://10.0.0.5:8080\"\nrspamd_password = \"s3cret\"\n"));
        assertEquals(java.util.Optional.of(java.net.URI.create("http://10.0.0.5:8080")), ctl.abuse().rspamdLearning());
        assertEquals(java.util.Optional.of("s3cret"), ctl.abuse().rspamdPassword());
        assertTrue(d.abuse().rspamdLearning().isEmpty(), "no rspamd, nothing to teach");
        assertEquals(java.time.Duration.ofMinutes(5), ConfigLoader.load(config("[spam]\ngreylist_delay = \"5m\"\n")).abuse().greylistDelay());
        assertEquals(java.time.Duration.ofSeconds(300), ConfigLoader.load(config("[spam]\ngreylist_delay = 300\n")).abuse().greylistDelay());
        for (String bad : java.util.List.of("greylist_delay = \"5 minutes\"", "greylist_delay = \"25h\"", "greylist_delay = -1",
                "dnsbl = [\"not a zone\"]", "dnsbl = [\"localhost\"]", "rspamd = \"127.0.0.1:11333\"", "rspamd = \"ftp://x/\"",
                "rspamd_controller = \"http://127.0.0.1:11334\"")) {
            Path f = config("[spam]\n" + bad + "\n");
            String key = "spam." + bad.substring(0, bad.indexOf(' '));
            assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(f)).getMessage().startsWith(f + ":2: " + key + ": "), bad);
        }
    }

    @Test
    void missingFileMeansDefaultsUnlessNamedExplicitly() {
        Path absent = dir.resolve("absent.toml");
        TegamiConfig c = ConfigLoader.load(absent, false);
        assertEquals(Path.of("data").toAbsolutePath(), c.dataDir(), "no file: relative to the working directory");
        assertEquals(List.of(new InetSocketAddress("0.0.0.0", 587)), c.listen("submission"));
        assertEquals(List.of(new InetSocketAddress("0.0.0.0", 465)), c.listen("submissions"));
        assertEquals(List.of(new InetSocketAddress("0.0.0.0", 143)), c.listen("imap"));
        assertEquals(List.of(new InetSocketAddress("0.0.0.0", 993)), c.listen("imaps"));
        assertEquals(java.util.Optional.empty(), c.tlsCert());
        assertEquals(java.util.Optional.empty(), c.source());
        assertEquals("config file " + absent + " not found (create it, or leave out --config to use ./tegami.toml or the"
                + " defaults)", assertThrows(TegamiException.class, () -> ConfigLoader.load(absent)).getMessage());
    }

    @Test
    void unknownSectionAndListenTypeAreNamed() throws Exception {
        Path f = config("hostname = \"mail.example.test\"\n\n[limts]\nmessage_size = 1\n");
        assertTrue(assertThrows(TegamiException.class, () -> ConfigLoader.load(f)).getMessage()
                .startsWith(f + ":3: limts: unknown key (known here: blobs, data_dir, dns, fetch, forwarding, hostname, inbound, limits, listen, log, outbound, sieve, spam, store, tls)"));
        Path g = config("[listen]\nsmtp = \"0.0.0.0:25\"\n");
        assertEquals(g + ":2: listen.smtp: must be a list of \"host:port\" strings, e.g. [\"0.0.0.0:25\"]",
                assertThrows(TegamiException.class, () -> ConfigLoader.load(g)).getMessage());
        Path h = config("[limits]\nconnections = 10\nconnections_per_ip = 2\nmax_recipients = 7\n[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\n");
        TegamiConfig c = ConfigLoader.load(h);
        assertEquals(List.of(10, 2, 7), List.of(c.limits().connectionsTotal(), c.limits().connectionsPerIp(), c.limits().recipients()));
        assertEquals(dir.resolve("c.pem"), c.tlsCert().orElseThrow(), "relative to the config file");
        assertEquals(dir.resolve("k.pem"), c.tlsKey().orElseThrow());
    }

    /** Runs the CLI in-process; returns exit code, stdout and stderr. */
    private String[] cli(String stdin, String... args) {
        return CliRun.run(stdin, java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--config", dir.resolve("tegami.toml").toString())).toArray(String[]::new)).fields();
    }

    @Test
    void sieveQuotasAreConfigured() throws Exception {
        config("hostname = \"mail.example.test\"\n");
        TegamiConfig d = ConfigLoader.load(dir.resolve("tegami.toml"));
        assertEquals(new org.tegami.store.SieveScriptStore.Quota(10, 65536), d.sieve());
        assertEquals(List.of(new java.net.InetSocketAddress("0.0.0.0", 4190)), d.listen("managesieve"));
        assertEquals(new org.tegami.store.SieveScriptStore.Quota(3, 131072),
                ConfigLoader.load(config("[sieve]\nmax_scripts = 3\nmax_script_size = \"128k\"\n")).sieve());
        assertEquals(new org.tegami.store.SieveScriptStore.Quota(10, 2 * 1024 * 1024),
                ConfigLoader.load(config("[sieve]\nmax_script_size = \"2M\"\n")).sieve());
        assertEquals(new org.tegami.store.SieveScriptStore.Quota(10, 5000),
                ConfigLoader.load(config("[sieve]\nmax_script_size = 5000\n")).sieve());
        Path f = config("[sieve]\nmax_scrips = 3\n");
        assertEquals(f + ":2: sieve.max_scrips: unknown key (known here: after, before, max_script_size, max_scripts)",
                assertThrows(TegamiException.class, () -> ConfigLoader.load(f)).getMessage());
        Path g = config("[sieve]\nmax_script_size = \"64 kB\"\n");
        assertEquals(g + ":2: sieve.max_script_size: must be a size such as \"64k\", \"1M\" or whole bytes",
                assertThrows(TegamiException.class, () -> ConfigLoader.load(g)).getMessage());
        Path h = config("[sieve]\nmax_script_size = \"17M\"\n");
        assertEquals(h + ":2: sieve.max_script_size: must be 1 byte to 16M",
                assertThrows(TegamiException.class, () -> ConfigLoader.load(h)).getMessage());
        Path i = config("[sieve]\nmax_scripts = 0\n");
        assertEquals(i + ":2: sieve.max_scripts: must be a positive whole number",
                assertThrows(TegamiException.class, () -> ConfigLoader.load(i)).getMessage());
    }

    @Test
    void sieveCommandsManageAUsersScripts() throws Exception {
        config("hostname = \"mail.example.test\"\n[sieve]\nmax_scripts = 2\nmax_script_size = 100\n");
        cli("", "domain", "add", "example.test");
        cli("a long password\n", "user", "add", "alice@example.test", "--password-stdin");
        Path file = dir.resolve("spam.sieve");
        Files.writeString(file, "require \"fileinto\";\nfileinto \"Junk\";\n");
        assertEquals("0||", String.join("|", cli("", "sieve", "list", "alice@example.test")));
        assertEquals("0|stored \"spam\" for alice@example.test (37 bytes)\n|",
                String.join("|", cli("", "sieve", "put", "alice@example.test", "spam", file.toString())));
        assertEquals("0|stored \"Ärger\" for alice@example.test (6 bytes)\n|",
                String.join("|", cli("keep;\n", "sieve", "put", "alice@example.test", "Ärger", "-")));
        assertEquals("1||tegami: the user has 2 scripts, the most [sieve] max_scripts allows: delete one first\n",
                String.join("|", cli("keep;\n", "sieve", "put", "alice@example.test", "third", "-")));
        assertEquals("1||tegami: the script is larger than [sieve] max_script_size (100 bytes)\n",
                String.join("|", cli("#".repeat(101), "sieve", "put", "alice@example.test", "spam", "-")));
        Path latin1 = Files.write(dir.resolve("latin1.sieve"), new byte[] {'#', (byte) 0xe4, '\n'});
        assertEquals("1||tegami: " + latin1 + " is not UTF-8 text\n",
                String.join("|", cli("", "sieve", "put", "alice@example.test", "spam", latin1.toString())));
        assertEquals("1||tegami: \"a\tb\" is not a script name (1 to 128 characters, no control characters; RFC 5804 §1.6)\n",
                String.join("|", cli("keep;", "sieve", "put", "alice@example.test", "a\tb", "-")));
        assertEquals("1||tegami: no user bob@example.test (list them with 'tegami user list')\n",
                String.join("|", cli("keep;", "sieve", "put", "bob@example.test", "x", "-")));
        assertEquals("0|spam\nÄrger\n|", String.join("|", cli("", "sieve", "list", "alice@example.test")));
        assertEquals("0|\"spam\" is now active for alice@example.test\n|",
                String.join("|", cli("", "sieve", "activate", "alice@example.test", "spam")));
        assertEquals("0|spam  (active)\nÄrger\n|", String.join("|", cli("", "sieve", "list", "alice@example.test")));
        assertEquals("1||tegami: \"spam\" is the active script: deactivate it first ('tegami sieve deactivate') or activate another\n",
                String.join("|", cli("", "sieve", "delete", "alice@example.test", "spam")));
        assertEquals("0|require \"fileinto\";\nfileinto \"Junk\";\n|", String.join("|", cli("", "sieve", "get", "alice@example.test", "spam")));
        assertEquals("1||tegami: no script \"nope\" (see 'tegami sieve list alice@example.test')\n",
                String.join("|", cli("", "sieve", "get", "alice@example.test", "nope")));
        assertEquals("1||tegami: no script \"nope\" (see 'tegami sieve list')\n",
                String.join("|", cli("", "sieve", "activate", "alice@example.test", "nope")));
        assertEquals("1||tegami: give a script NAME or --none\n", String.join("|", cli("", "sieve", "activate", "alice@example.test")));
        assertEquals("0|no script is active for alice@example.test\n|",
                String.join("|", cli("", "sieve", "activate", "alice@example.test", "--none")));
        assertEquals("0|\"Ärger\" is now active for alice@example.test\n|",
                String.join("|", cli("", "sieve", "activate", "alice@example.test", "Ärger")));
        assertEquals("0|no script is active for alice@example.test\n|",
                String.join("|", cli("", "sieve", "deactivate", "alice@example.test")));
        assertEquals("0|deleted \"spam\"\n|", String.join("|", cli("", "sieve", "delete", "alice@example.test", "spam")));
        assertEquals("0|Ärger\n|", String.join("|", cli("", "sieve", "list", "alice@example.test")));
        for (String sub : new String[] {"list", "put", "get", "activate", "deactivate", "delete"}) {
            String[] help = cli("", "sieve", sub, "--help");
            assertEquals("0", help[0], sub);
            assertTrue(help[1].startsWith("Usage: tegami sieve " + sub), help[1]);
        }
        assertTrue(cli("", "sieve", "--help")[1].contains("Manage users' Sieve filter scripts."));
        // the scripts go with the user (the store's contract tests check the rows themselves)
        cli("", "user", "remove", "alice@example.test");
        assertEquals("1||tegami: no user alice@example.test (list them with 'tegami user list')\n",
                String.join("|", cli("", "sieve", "list", "alice@example.test")));
    }

    @Test
    void adminCommandsManageDomainsUsersAndAliases() throws Exception {
        config("hostname = \"mail.example.test\"\n");
        assertEquals("0|added domain example.test\n|", String.join("|", cli("", "domain", "add", "Example.TEST")));
        assertEquals("0|added user alice@example.test\n|", String.join("|", cli("long enough\n", "user", "add", "alice@example.test", "--password-stdin")));
        assertEquals("1||tegami: the password is too short: use at least 8 characters\n",
                String.join("|", cli("short\n", "user", "add", "bob@example.test", "--password-stdin")));
        assertEquals("1||tegami: the user alice@example.test already exists\n",
                String.join("|", cli("long enough\n", "user", "add", "alice@example.test", "--password-stdin")));
        assertEquals("0|alias @example.test -> alice@example.test\n|", String.join("|", cli("", "alias", "add", "@example.test", "alice@example.test")));
        assertEquals("1||tegami: no user or alias ghost@example.test: create it first with 'tegami user add ghost@example.test'\n",
                String.join("|", cli("", "alias", "add", "x@example.test", "ghost@example.test")));
        assertEquals("0|alice@example.test\n|", String.join("|", cli("", "user", "list")));
        assertEquals("0|example.test\n|", String.join("|", cli("", "domain", "list")));
        assertEquals("0|the queue is empty\n|", String.join("|", cli("", "queue", "list")));
        assertEquals("2", cli("", "user", "frobnicate")[0], "usage error");
        assertTrue(cli("", "user", "add", "--help")[1].contains("--password-stdin"));
        assertEquals("0|alice@example.test: no quota\n|", String.join("|", cli("", "user", "quota", "alice@example.test")));
        assertEquals("0|alice@example.test: storage 0 KiB of 512000 KiB, 0 of unlimited messages\n|",
                String.join("|", cli("", "user", "quota", "alice@example.test", "--storage", "500M")));
        assertEquals("0|alice@example.test: storage 0 KiB of 512000 KiB, 0 of 1000 messages\n|",
                String.join("|", cli("", "user", "quota", "alice@example.test", "--messages", "1000")));
        assertEquals("1||tegami: --storage: not a size: lots (examples: 500M, 2G)\n",
                String.join("|", cli("", "user", "quota", "alice@example.test", "--storage", "lots")));
        assertEquals("0|alice@example.test: no quota\n|", String.join("|", cli("", "user", "quota", "alice@example.test", "--none")));
    }

    @Test
    void aclCommandSharesMailboxesAsImapSetaclDoes() throws Exception {
        config("hostname = \"mail.example.test\"\n");
        cli("", "domain", "add", "example.test");
        cli("long enough\n", "user", "add", "alice@example.test", "--password-stdin");
        cli("long enough\n", "user", "add", "bob@example.test", "--password-stdin");
        assertEquals("0|INBOX of alice@example.test: bob@example.test lrs\n|",
                String.join("|", cli("", "acl", "set", "alice@example.test", "inbox", "bob@example.test", "lrs")));
        assertEquals("0|INBOX of alice@example.test: bob@example.test lrswxted\n|",
                String.join("|", cli("", "acl", "set", "alice@example.test", "INBOX", "bob@example.test", "+wd")));
        assertEquals("0|INBOX of alice@example.test: anyone lr, bob@example.test lrswxted\n|",
                String.join("|", cli("", "acl", "set", "alice@example.test", "INBOX", "anyone", "lr")));
        assertEquals("0|INBOX: anyone lr, bob@example.test lrswxted\n|",
                String.join("|", cli("", "acl", "list", "alice@example.test", "INBOX")));
        assertEquals("0|INBOX of alice@example.test: anyone lr\n|",
                String.join("|", cli("", "acl", "remove", "alice@example.test", "INBOX", "bob@example.test")));
        assertEquals("1||tegami: The q right is not supported\n",
                String.join("|", cli("", "acl", "set", "alice@example.test", "INBOX", "bob@example.test", "lrq")));
        assertEquals("1||tegami: the owner always has every right\n",
                String.join("|", cli("", "acl", "set", "alice@example.test", "INBOX", "alice@example.test", "lr")));
        assertEquals("1||tegami: no mailbox \"Nope\" of alice@example.test (see the names with: tegami acl list alice@example.test)\n",
                String.join("|", cli("", "acl", "set", "alice@example.test", "Nope", "bob@example.test", "lr")));
        assertEquals("1||tegami: no user ghost@example.test\n",
                String.join("|", cli("", "acl", "set", "alice@example.test", "INBOX", "ghost@example.test", "lr")));
        assertTrue(cli("", "acl", "set", "--help")[1].replaceAll("\\s+", " ").contains("lrswite (read and write)"));
    }

    @Test
    void userImportAddsManyUsersInOneRunAndNamesTheBadLine() throws Exception {
        config("hostname = \"mail.example.test\"\n");
        cli("", "domain", "add", "example.test");
        String carolHash = new org.tegami.auth.PasswordHasher().hash("carol's password".toCharArray());
        Files.writeString(dir.resolve("users.txt"), "# address password\nalice@example.test first password\n\n"
                + "bob@example.test  with spaces inside\r\ncarol@example.test {ARGON2ID}" + carolHash + "\n");
        // Bad lines: nothing is imported, the error names the line and never the password.
        Files.writeString(dir.resolve("bad.txt"), "dave@example.test long enough\nerin@example.test short\n");
        assertEquals("1||tegami: line 2: the password is too short: use at least 8 characters\n",
                String.join("|", cli("", "user", "import", dir.resolve("bad.txt").toString())));
        Files.writeString(dir.resolve("bad.txt"), "dave@example.test long enough\nnot-an-address long enough\n");
        assertEquals("1||tegami: line 2: \"not-an-address\" is not an email address (expected local@domain)\n",
                String.join("|", cli("", "user", "import", dir.resolve("bad.txt").toString())));
        Files.writeString(dir.resolve("bad.txt"), "dave@example.test {ARGON2ID}$argon2id$v=19$nonsense\n");
        assertEquals("1||tegami: line 1: not an Argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash)\n",
                String.join("|", cli("", "user", "import", dir.resolve("bad.txt").toString())));
        Files.writeString(dir.resolve("bad.txt"), "dave@example.test long enough\ndave@other.test long enough\n");
        assertEquals("1||tegami: line 2: the domain other.test is not local: add it first with 'tegami domain add other.test'\n",
                String.join("|", cli("", "user", "import", dir.resolve("bad.txt").toString())));
        Files.writeString(dir.resolve("bad.txt"), "dave@example.test long enough\nDave@Example.test long enough\n");
        assertEquals("1||tegami: line 2: Dave@example.test is already on line 1\n",
                String.join("|", cli("", "user", "import", dir.resolve("bad.txt").toString())));
        assertEquals("0||", String.join("|", cli("", "user", "list")), "nothing imported from a file with a bad line");

        assertEquals("0|imported 1 of 3 users\nimported 2 of 3 users\nimported 3 of 3 users\n|",
                String.join("|", cli("", "user", "import", dir.resolve("users.txt").toString())));
        assertEquals("0|alice@example.test\nbob@example.test\ncarol@example.test\n|", String.join("|", cli("", "user", "list")));
        try (var store = org.tegami.store.embedded.EmbeddedStore.open(dir.resolve("data"), InstantSource.system())) {
            var hasher = new org.tegami.auth.PasswordHasher();
            java.util.function.Function<String, String> hash = a -> store.accounts()
                    .user(org.tegami.mime.EmailAddress.parse(a).orElseThrow()).orElseThrow().passwordHash();
            assertTrue(hasher.verify("first password".toCharArray(), hash.apply("alice@example.test")));
            assertTrue(hasher.verify("with spaces inside".toCharArray(), hash.apply("bob@example.test")));
            assertEquals(carolHash, hash.apply("carol@example.test"), "a given hash is stored as it is");
        }
        assertEquals("1||tegami: line 2: the user alice@example.test already exists\n",
                String.join("|", cli("", "user", "import", dir.resolve("users.txt").toString())));
        assertEquals("0|imported 1 of 1 users\n|", String.join("|", cli("frank@example.test long enough\n", "user", "import", "-")));
        String help = cli("", "user", "import", "--help")[1];
        assertTrue(help.contains("ADDRESS PASSWORD") && help.contains("{ARGON2ID}HASH"), help);
    }

    @Test
    void adminCommandsRemoveChangeAndRefuse() throws Exception {
        config("hostname = \"mail.example.test\"\n");
        cli("", "domain", "add", "example.test");
        cli("first password\n", "user", "add", "alice@example.test", "--password-stdin");
        cli("first password\n", "user", "add", "bob@example.test", "--password-stdin");
        assertEquals("1||tegami: no terminal to ask for the password: pass it with --password-stdin, e.g. echo 'secret'"
                + " | tegami user add alice@example.com --password-stdin\n", String.join("|", cli("", "user", "add", "carol@example.test")));
        assertEquals("1||tegami: the domain other.test is not local: add it first with 'tegami domain add other.test'\n",
                String.join("|", cli("", "alias", "add", "x@other.test", "alice@example.test")));
        assertEquals("1||tegami: \"alice\" is not an email address (expected local@domain)\n",
                String.join("|", cli("", "user", "remove", "alice")));
        assertEquals("0|password changed for alice@example.test\n|",
                String.join("|", cli("second password\n", "user", "passwd", "alice@example.test", "--password-stdin")));
        try (var store = org.tegami.store.embedded.EmbeddedStore.open(dir.resolve("data"), InstantSource.system())) {
            String hash = store.accounts().user(org.tegami.mime.EmailAddress.parse("alice@example.test").orElseThrow())
                    .orElseThrow().passwordHash();
            assertTrue(new org.tegami.auth.PasswordHasher().verify("second password".toCharArray(), hash), "stored hashed, new one");
            assertTrue(!hash.contains("second password"));
        }
        assertEquals("1||tegami: no user ghost@example.test\n",
                String.join("|", cli("second password\n", "user", "passwd", "ghost@example.test", "--password-stdin")));
        assertEquals("0|alias sales@example.test -> alice@example.test, bob@example.test\n|",
                String.join("|", cli("", "alias", "add", "Sales@example.test", "alice@example.test", "bob@example.test")));
        assertEquals("0|sales@example.test -> alice@example.test, bob@example.test\n|", String.join("|", cli("", "alias", "list")));
        assertEquals("0|alias sales@example.test -> alice@example.test, Someone@gmail.example\nnote: example.test has no DKIM"
                        + " key, so forwarded copies go without an ARC seal (receivers may refuse mail from DMARC p=reject senders):"
                        + " tegami dkim generate example.test\n|",
                String.join("|", cli("", "alias", "add", "sales@example.test", "alice@example.test", "Someone@Gmail.example")),
                "a remote target is forwarded to, its local part as written");
        cli("", "dkim", "generate", "example.test");
        assertEquals("0|alias @example.test -> all@remote.example\n|",
                String.join("|", cli("", "alias", "add", "@example.test", "all@remote.example")), "a catch-all too; with a key, no note");
        assertEquals("0|removed alias @example.test\n|", String.join("|", cli("", "alias", "remove", "@example.test")));
        assertEquals("0|removed alias sales@example.test\n|", String.join("|", cli("", "alias", "remove", "sales@example.test")));
        assertEquals("1||tegami: no alias sales@example.test\n", String.join("|", cli("", "alias", "remove", "sales@example.test")));
        assertEquals("0||", String.join("|", cli("", "alias", "list")));
        assertEquals("0|removed user bob@example.test\n|", String.join("|", cli("", "user", "remove", "bob@example.test")));
        assertEquals("0|alice@example.test\n|", String.join("|", cli("", "user", "list")));
        assertEquals("0|removed domain example.test\n|", String.join("|", cli("", "domain", "remove", "example.test")));
        assertEquals("1||tegami: no domain example.test\n", String.join("|", cli("", "domain", "remove", "example.test")));
        assertEquals("0||", String.join("|", cli("", "domain", "list")));
        assertEquals("2", cli("", "alias", "add", "only-alias@example.test")[0], "a missing TARGET is a usage error");
    }

    @Test
    void portInUseSaysWhatAndHowToFix() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path f = config("hostname = \"mail.example.test\"\ndata_dir = \"d\"\n[listen]\nsmtp = [\"127.0.0.1:" + taken.getLocalPort()
                    + "\"]\nsubmission = []\nsubmissions = []\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n");
            var e = assertThrows(TegamiException.class, () -> TegamiServer.start(ConfigLoader.load(f), InstantSource.system()));
            assertEquals("Cannot listen for smtp on 127.0.0.1:" + taken.getLocalPort() + ": the port is already in use by another"
                    + " program (find it with: ss -ltnp 'sport = :" + taken.getLocalPort() + "'); stop it or change [listen] smtp"
                    + " in tegami.toml.", e.getMessage());
        }
    }

    @Test
    void serverServesAutoconfigForHostedDomainsOnly() throws Exception {
        Path f = config("hostname = \"mail.example.test\"\ndata_dir = \"d\"\n[listen]\nsmtp = []\nsubmission = [\"127.0.0.1:0\"]\n"
                + "submissions = [\"127.0.0.1:0\"]\npop3 = []\npop3s = [\"127.0.0.1:0\"]\nimap = []\nimaps = [\"127.0.0.1:0\"]\nmanagesieve = []\nmetrics = []\nhttp = [\"127.0.0.1:0\"]\n");
        try (TegamiServer s = TegamiServer.start(ConfigLoader.load(f), InstantSource.system());
             var client = java.net.http.HttpClient.newHttpClient()) {
            s.store().accounts().addDomain("example.test");
            String base = "http://127.0.0.1:" + s.http().getFirst().port();
            var ok = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    base + "/mail/config-v1.1.xml?emailaddress=alice%40example.test")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertTrue(ok.body().contains("<incomingServer type=\"pop3\">") && ok.body().contains("<outgoingServer type=\"smtp\">"), ok.body());
            assertTrue(ok.body().contains("<incomingServer type=\"imap\">"), "IMAP on 993 is offered: " + ok.body());
            assertTrue(ok.body().indexOf("type=\"imap\"") < ok.body().indexOf("type=\"pop3\""), "IMAP before POP3");
            var unknown = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    base + "/mail/config-v1.1.xml?emailaddress=bob%40elsewhere.test")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(404, unknown.statusCode());
            // RFC 8461 §3.3: the policy file; java.net.http does not let us set Host, so speak HTTP/1.1 by hand.
            try (var sock = new java.net.Socket("127.0.0.1", s.http().getFirst().port())) {
                sock.getOutputStream().write(("GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.test\r\n"
                        + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String resp = new String(sock.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                assertTrue(resp.startsWith("HTTP/1.1 200"), resp);
                assertTrue(resp.endsWith("\r\n\r\nversion: STSv1\r\nmode: testing\r\nmx: mail.example.test\r\nmax_age: 604800\r\n"), resp);
            }
        }
    }
}
