package org.tegami.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.server.http.ClientSettings;
import org.tegami.server.http.ClientSettings.Service;

/** {@code tegami dns}: the exact zone lines for a sample configuration. */
class DnsCommandTest {
    static final Instant NOW = Instant.parse("2026-11-28T21:30:59Z");
    static final ClientSettings SETTINGS = new ClientSettings("Mail.Example.test", Map.of(
            Service.POP3S, 995, Service.POP3, 110, Service.SUBMISSIONS, 465, Service.SUBMISSION, 587), true);

    @TempDir
    Path dir;

    private static List<String> records(List<String> all) {
        return all.stream().filter(l -> !l.isEmpty() && !l.startsWith(";")).toList();
    }

    @Test
    void recordsForASampleDomain() {
        List<String> all = DnsCommand.records("example.test", SETTINGS, List.of(), NOW);
        assertEquals(List.of(
                "example.test. IN MX 10 mail.example.test.",
                "example.test. IN TXT \"v=spf1 mx -all\"",
                "_dmarc.example.test. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.test\"",
                "_mta-sts.example.test. IN TXT \"v=STSv1; id=202611282130\"",
                "mta-sts.example.test. IN CNAME mail.example.test.",
                "_smtp._tls.example.test. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.test\"",
                "_submissions._tcp.example.test. IN SRV 0 1 465 mail.example.test.",
                "_submission._tcp.example.test. IN SRV 10 1 587 mail.example.test.",
                "_imaps._tcp.example.test. IN SRV 0 0 0 .",
                "_imap._tcp.example.test. IN SRV 0 0 0 .",
                "_pop3s._tcp.example.test. IN SRV 0 1 995 mail.example.test.",
                "_pop3._tcp.example.test. IN SRV 10 1 110 mail.example.test.",
                "autoconfig.example.test. IN CNAME mail.example.test.",
                "autodiscover.example.test. IN CNAME mail.example.test.",
                "_autodiscover._tcp.example.test. IN SRV 0 1 443 mail.example.test."), records(all));
        assertTrue(all.contains("; DKIM: no signing key yet; run 'tegami dkim generate example.test' and publish the records it prints."));
        assertTrue(all.contains(";   mx: mail.example.test"));
        assertTrue(all.contains("; PTR: the reverse DNS of those addresses should be mail.example.test. (set at your hosting provider);"));
        assertTrue(all.contains("; mail.example.test. IN A    <IPv4 address>"));
        // Every record line is in zone-file form: owner, class, type.
        records(all).forEach(l -> assertTrue(l.matches("[a-z0-9_.-]+\\. IN (MX|TXT|CNAME|SRV) .+"), l));
    }

    /** RFC 7672 §3.1.1: {@code 3 1 1} is the SHA-256 of the key's SubjectPublicKeyInfo, as openssl computes it. */
    @Test
    void tlsaRecordOfOurKeyMatchesOpenssl() throws Exception {
        var tls = org.tegami.net.tls.TlsContext.selfSigned(dir, "mail.example.test", java.time.InstantSource.system());
        var leaf = tls.certificateChain().getFirst();
        List<String> all = DnsCommand.records("example.test", SETTINGS, List.of(), NOW, java.util.OptionalInt.empty(),
                java.util.Optional.of(leaf));
        List<String> tlsa = records(all).stream().filter(l -> l.contains("TLSA")).toList();
        Process p = new ProcessBuilder("sh", "-c", "openssl x509 -in \"$0\" -pubkey -noout | openssl pkey -pubin -outform DER"
                + " | openssl dgst -sha256 -hex | sed 's/.*= //'", dir.resolve("tls/selfsigned-cert.pem").toString())
                .redirectErrorStream(true).start();
        String hash = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertEquals(List.of("_25._tcp.mail.example.test. IN TLSA 3 1 1 " + hash), tlsa);
        assertTrue(all.stream().anyMatch(l -> l.contains("publish the")), "the rotation advice is printed");
        assertTrue(records(DnsCommand.records("example.test", SETTINGS, List.of(), NOW)).stream().noneMatch(l -> l.contains("TLSA")));
    }

    @Test
    void manageSieveSrvRecordOnlyWhenItListens() {
        List<String> on = records(DnsCommand.records("example.test", SETTINGS, List.of(), NOW, java.util.OptionalInt.of(4190)));
        assertEquals(List.of("_sieve._tcp.example.test. IN SRV 0 1 4190 mail.example.test."),
                on.stream().filter(l -> l.contains("sieve")).toList());
        assertTrue(records(DnsCommand.records("example.test", SETTINGS, List.of(), NOW)).stream().noneMatch(l -> l.contains("sieve")));
    }

    @Test
    void commandReadsTheConfigAndPrintsDkimKeysOnceGenerated() throws Exception {
        Path f = dir.resolve("tegami.toml");
        Files.writeString(f, "hostname = \"mx.example.test\"\ndata_dir = \"data\"\n[listen]\nsmtp = []\nsubmission = []\n"
                + "submissions = [\"0.0.0.0:465\"]\npop3 = []\npop3s = [\"0.0.0.0:995\"]\n");
        new org.tegami.mailauth.dkim.DkimKeys(dir.resolve("data")).generate("example.test");
        PrintStream old = System.out;
        var buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = Cli.commandLine(new DnsCommand()).execute("--config", f.toString(), "Example.TEST");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("\nexample.test. IN MX 10 mx.example.test.\n"), out);
        assertTrue(out.contains("; warning: [listen] smtp is empty, so this server does not accept mail from the internet\n"), out);
        assertTrue(out.contains("\n_submission._tcp.example.test. IN SRV 0 0 0 .\n"), out);
        assertTrue(out.contains("\n_pop3s._tcp.example.test. IN SRV 0 1 995 mx.example.test.\n"), out);
        // [listen] managesieve defaults to 0.0.0.0:4190: RFC 5804 §1.8
        assertTrue(out.contains("\n_sieve._tcp.example.test. IN SRV 0 1 4190 mx.example.test.\n"), out);
        assertEquals(2, out.lines().filter(l -> l.matches("[a-z0-9]+\\._domainkey\\.example\\.test\\. IN TXT \\( \"v=DKIM1; .+")).count(), out);

        var err = new ByteArrayOutputStream();
        var cl = Cli.commandLine(new DnsCommand());
        cl.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        assertEquals(1, cl.execute("--config", f.toString(), "not a domain"));
        assertEquals("tegami: \"not a domain\" is not a domain name\n", err.toString(StandardCharsets.UTF_8));
    }
}
