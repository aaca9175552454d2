package org.tegami.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.queue.MxResolver;
import org.tegami.mailauth.dkim.DkimKeys;
import org.tegami.server.config.ConfigLoader;
import org.tegami.server.config.TegamiConfig;
import org.tegami.testkit.TestDnsServer;

/** {@code tegami check} against a DNS server started by the test, with right and wrong records. */
class CheckCommandTest {
    @TempDir
    Path dir;

    private void openssl(String... args) throws Exception {
        var cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), out);
    }

    /** A certificate for mail.example.test signed by a test CA, as certbot would leave it. */
    private void certificate() throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "30", "-subj", "/CN=Test CA");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "privkey.pem",
                "-out", "leaf.csr", "-subj", "/CN=mail.example.test");
        Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:mail.example.test\n");
        openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "leaf.pem", "-days", "30", "-extfile", "ext.cnf");
        Files.writeString(dir.resolve("fullchain.pem"), Files.readString(dir.resolve("leaf.pem")) + Files.readString(dir.resolve("ca.pem")));
    }

    private static List<String> verdicts(List<CheckCommand.Finding> f) {
        return f.stream().map(x -> x.verdict() + " " + x.what()).toList();
    }

    @Test
    void reportsOkMissingAndWrongPerRecord() throws Exception {
        certificate();
        Files.writeString(dir.resolve("tegami.toml"), "hostname = \"mail.example.test\"\n[listen]\nsmtp = [\"0.0.0.0:25\"]\n"
                + "submission = [\"0.0.0.0:587\"]\nsubmissions = [\"0.0.0.0:465\"]\npop3 = []\npop3s = []\nimap = []\nimaps = []\nmanagesieve = []\nmetrics = []\n"
                + "[tls]\ncert = \"fullchain.pem\"\nkey = \"privkey.pem\"\n");
        try (TestDnsServer dns = new TestDnsServer()) {
            Files.writeString(dir.resolve("tegami.toml"), Files.readString(dir.resolve("tegami.toml"))
                    + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n");
            TegamiConfig cfg = ConfigLoader.load(dir.resolve("tegami.toml"));
            MxResolver resolver = new MxResolver(cfg.nameservers());

            // Nothing published yet: every required record is missing, the certificate is fine.
            assertEquals(List.of("MISSING MX", "MISSING A/AAAA", "MISSING SPF", "MISSING DKIM", "MISSING DMARC",
                    "MISSING MTA-STS", "MISSING TLS-RPT", "MISSING SRV", "MISSING SRV", "OK TLS", "MISSING DANE"),
                    verdicts(CheckCommand.check(cfg, "example.test", resolver, InstantSource.system())));

            var keys = new DkimKeys(cfg.dataDir()).generate("example.test");
            dns.add("example.test. 300 IN MX 10 mail.example.test.").add("mail.example.test. 300 IN A 192.0.2.25")
                    .add("example.test. 300 IN TXT \"v=spf1 mx -all\"")
                    .add("_dmarc.example.test. 300 IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.test\"")
                    .add("_mta-sts.example.test. 300 IN TXT \"v=STSv1; id=1\"")
                    .add("_smtp._tls.example.test. 300 IN TXT \"v=TLSRPTv1; rua=mailto:postmaster@example.test\"")
                    .add("_submissions._tcp.example.test. 300 IN SRV 0 1 465 mail.example.test.")
                    .add("_submission._tcp.example.test. 300 IN SRV 0 1 587 mail.example.test.");
            for (var k : keys) {
                String rec = k.dnsRecord();
                StringBuilder q = new StringBuilder();
                for (int i = 0; i < rec.length(); i += 250) q.append(" \"").append(rec, i, Math.min(rec.length(), i + 250)).append('"');
                dns.add(k.dnsName() + ". 300 IN TXT" + q);
            }
            MxResolver fresh = new MxResolver(cfg.nameservers()); // no cached answers from the first round
            assertEquals(List.of("OK MX", "OK A/AAAA", "OK SPF", "OK DKIM", "OK DKIM", "OK DMARC", "OK MTA-STS", "OK TLS-RPT",
                    "OK SRV", "OK SRV", "OK TLS", "MISSING DANE"), verdicts(CheckCommand.check(cfg, "example.test", fresh, InstantSource.system())));

            // A domain whose MX points elsewhere and whose SPF allows anyone.
            dns.add("other.test. 300 IN MX 10 mx.elsewhere.test.").add("other.test. 300 IN TXT \"v=spf1 +all\"");
            var other = CheckCommand.check(cfg, "other.test", fresh, InstantSource.system());
            assertEquals("WRONG MX", verdicts(other).get(0));
            assertEquals("WRONG SPF", verdicts(other).get(2));
            assertEquals("other.test -> mx.elsewhere.test; expected mail.example.test", other.get(0).detail());
            // "all" without a qualifier is "+all" (RFC 7208 §4.6.2)
            dns.add("third.test. 300 IN TXT \"v=spf1 a ALL\"");
            assertEquals("WRONG SPF", verdicts(CheckCommand.check(cfg, "third.test", fresh, InstantSource.system())).get(2));
            assertEquals(false, CheckCommand.allowsAnyone("v=spf1 mx ~all"));
            assertEquals(false, CheckCommand.allowsAnyone("v=spf1 include:_spf.allmail.example -all"));
        }
    }

    /** The TLSA record of our host name against our certificate, through DNSSEC-validated lookups of a signed root. */
    @Test
    void comparesThePublishedTlsaRecordWithOurCertificate() throws Exception {
        certificate();
        var leaf = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(dir.resolve("leaf.pem")));
        var ca = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(dir.resolve("ca.pem")));
        String caSpki = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(ca.getPublicKey().getEncoded()));
        for (String[] c : new String[][] {
                {"3 1 1 " + "ab".repeat(32), "WRONG", "does not match our certificate"},
                {org.tegami.queue.dane.Tlsa.daneEe311(leaf), "OK", "matches our certificate"},
                {"2 1 1 " + caSpki, "OK", "matches our certificate"},     // DANE-TA: our CA's key, our host name
                {null, "MISSING", "no DNSSEC-signed TLSA record"}}) {
            try (TestDnsServer dns = new TestDnsServer()) {
                var root = new org.tegami.testkit.SignedZone(".").add("mail.example.test. 300 IN A 192.0.2.25");
                if (c[0] != null) root.add("_25._tcp.mail.example.test. 300 IN TLSA " + c[0]);
                dns.addZone(root);
                Files.writeString(dir.resolve("anchor.txt"), root.trustAnchor() + "\n");
                Files.writeString(dir.resolve("tegami.toml"), "hostname = \"mail.example.test\"\n[listen]\nsmtp = [\"0.0.0.0:25\"]\n"
                        + "[tls]\ncert = \"fullchain.pem\"\nkey = \"privkey.pem\"\n"
                        + "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\ntrust_anchor = \"anchor.txt\"\n");
                TegamiConfig cfg = ConfigLoader.load(dir.resolve("tegami.toml"));
                var f = CheckCommand.dane(cfg, "mail.example.test", InstantSource.system());
                assertEquals(c[1], f.verdict().name(), f.toString());
                org.junit.jupiter.api.Assertions.assertTrue(f.detail().contains(c[2]), f.toString());
            }
        }
    }
}
