package org.tegami.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.auth.PasswordHasher;
import org.tegami.mime.EmailAddress;
import org.tegami.server.config.ConfigLoader;
import org.tegami.store.AccountId;
import org.tegami.store.MessageMeta;
import org.tegami.testkit.TestDnsServer;

/**
 * Sender authentication on port 25 over the wire (RFC 7208 SPF, RFC 6376 DKIM, RFC 7489 DMARC, RFC 8601
 * Authentication-Results): the test DNS server publishes the sender domains' records, an independent signer
 * (dkimpy, Debian's python3-dkim) signs, and what the server stores (or refuses) is checked for each case.
 */
class InboundAuthenticationTest {
    private static final String HOST = "mail.example.test"; // TestConfigs' hostname

    @TempDir
    static Path dir;
    private static KeyPair key;
    private static Path keyFile;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        key = g.generateKeyPair();
        byte[] pkcs1 = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getPrivate().getEncoded())
                .parsePrivateKey().toASN1Primitive().getEncoded();
        keyFile = Files.writeString(dir.resolve("sel.key"), "-----BEGIN RSA PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs1) + "\n-----END RSA PRIVATE KEY-----\n");
    }

    /** A TXT record in zone-file syntax, split into strings of at most 255 characters (RFC 1035 §3.3.14). */
    private static String txt(String name, String value) {
        StringBuilder sb = new StringBuilder(name + " 300 IN TXT");
        for (int i = 0; i < value.length(); i += 200) sb.append(" \"").append(value, i, Math.min(value.length(), i + 200)).append('"');
        return sb.toString();
    }

    /** The message signed by dkimpy for d=good.example s=sel, relaxed/relaxed; the signature field comes first. */
    private static String dkimpySign(String message) throws Exception {
        Path msg = Files.writeString(dir.resolve("m.eml"), message);
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", """
                import dkim, sys
                msg = open(sys.argv[1], "rb").read()
                sig = dkim.sign(msg, b"sel", b"good.example", open(sys.argv[2], "rb").read(),
                                canonicalize=(b"relaxed", b"relaxed"), include_headers=[b"from", b"to", b"subject"])
                sys.stdout.write(sig.decode())
                """, msg.toString(), keyFile.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.replace("\r\n", "\n").replace("\n", "\r\n") + message;
    }

    /** One SMTP transaction on port 25; the reply to the end of DATA. */
    private static String send(int port, String mailFrom, String message) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            for (String cmd : List.of("EHLO client.good.example", "MAIL FROM:<" + mailFrom + ">", "RCPT TO:<alice@example.test>", "DATA")) {
                out.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                reply(in);
            }
            out.write((message.replace("\r\n.", "\r\n..") + ".\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String r = reply(in);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return r;
        }
    }

    private static String reply(BufferedReader in) throws Exception {
        String line;
        StringBuilder all = new StringBuilder();
        do {
            line = in.readLine();
            all.append(line).append('\n');
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    private static String message(String from, String subject, String extraHeaders) {
        return extraHeaders + "From: " + from + "\r\nTo: alice@example.test\r\nSubject: " + subject + "\r\n\r\nHello Alice.\r\n";
    }

    /** The stored messages of a mailbox, as they are read by clients (prefix and blob). */
    private static List<String> messages(TegamiServer server, AccountId alice, String mailbox) throws Exception {
        var mb = server.store().mail().mailbox(alice, mailbox);
        List<String> out = new ArrayList<>();
        if (mb.isEmpty()) return out;
        for (MessageMeta m : server.store().mail().messages(mb.get().id())) {
            try (InputStream in = server.store().blobs().open(m.content())) {
                out.add(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    private static String only(List<String> found, String subject) {
        List<String> m = found.stream().filter(x -> x.contains("Subject: " + subject + "\r\n")).toList();
        assertEquals(1, m.size(), subject + " in " + found.size() + " messages");
        return m.getFirst();
    }

    @Test
    void spfDkimDmarcDecideWhereMailGoes() throws Exception {
        String p = Base64.getEncoder().encodeToString(key.getPublic().getEncoded());
        try (TestDnsServer dns = new TestDnsServer()) {
            dns.add(txt("good.example.", "v=spf1 ip4:127.0.0.1 -all"))
                    .add(txt("sel._domainkey.good.example.", "v=DKIM1; k=rsa; p=" + p))
                    .add(txt("_dmarc.good.example.", "v=DMARC1; p=reject"))
                    .add(txt("bank.example.", "v=spf1 ip4:192.0.2.1 -all"))
                    .add(txt("_dmarc.bank.example.", "v=DMARC1; p=reject"))
                    .add(txt("shop.example.", "v=spf1 ip4:192.0.2.1 -all"))
                    .add(txt("_dmarc.shop.example.", "v=DMARC1; p=quarantine"))
                    .add(txt("soft.example.", "v=spf1 ~all"));
            Path f = TestConfigs.write(dir, java.util.Set.of("smtp"),
                    "[dns]\nnameservers = [\"127.0.0.1:" + dns.address().getPort() + "\"]\n");
            try (TegamiServer server = TegamiServer.start(ConfigLoader.load(f), InstantSource.system())) {
                server.store().accounts().addDomain("example.test");
                AccountId alice = server.store().accounts().addUser(EmailAddress.parse("alice@example.test").orElseThrow(),
                        new PasswordHasher().hash("alice-password".toCharArray())).id();
                int port = server.port("smtp");

                // signed by the domain, from an address SPF allows: pass, pass, pass, to the INBOX
                assertTrue(send(port, "news@good.example", dkimpySign(message("news@good.example", "signed", "")))
                        .startsWith("250 2.0.0"));
                // signed, then the body changed on the way: dkim=fail, but SPF passes aligned, so DMARC passes
                String tampered = dkimpySign(message("news@good.example", "tampered", "")).replace("Hello Alice.", "Pay here.");
                assertTrue(send(port, "news@good.example", tampered).startsWith("250 2.0.0"));
                // a forged From of a p=reject domain from an address its SPF does not allow: refused, nothing stored
                assertEquals("550 5.7.1 Message refused: bank.example asks receivers to reject mail that fails its DMARC check",
                        send(port, "alert@bank.example", message("alert@bank.example", "forged", "")));
                // p=quarantine: to Junk
                assertTrue(send(port, "sale@shop.example", message("sale@shop.example", "quarantined", "")).startsWith("250 2.0.0"));
                // softfail without DMARC: delivered, judged
                assertTrue(send(port, "a@soft.example", message("a@soft.example", "softfail", "")).startsWith("250 2.0.0"));
                // an Authentication-Results claiming our name from outside is removed (RFC 8601 §5)
                assertTrue(send(port, "a@soft.example", message("a@soft.example", "forged-results",
                        "Authentication-Results: " + HOST + "; dkim=pass header.d=bank.example; dmarc=pass\r\n"
                                + "Authentication-Results: other.example; spf=pass\r\n")).startsWith("250 2.0.0"));

                List<String> inbox = messages(server, alice, "INBOX");
                List<String> junk = messages(server, alice, "Junk");
                String signed = only(inbox, "signed");
                assertTrue(signed.startsWith("Authentication-Results: " + HOST + ";\r\n\tspf=pass smtp.mailfrom=news@good.example;\r\n"
                        + "\tdkim=pass header.d=good.example header.s=sel header.b="), signed);
                assertTrue(signed.contains(";\r\n\tdmarc=pass header.from=good.example;\r\n"), signed);
                String t = only(inbox, "tampered");
                assertTrue(t.contains("\tdkim=fail header.d=good.example") && t.contains("\tdmarc=pass header.from=good.example"), t);
                assertTrue(inbox.stream().noneMatch(x -> x.contains("Subject: forged\r\n")));
                assertTrue(junk.stream().noneMatch(x -> x.contains("Subject: forged\r\n")));
                String q = only(junk, "quarantined");
                assertTrue(q.contains("\tspf=fail smtp.mailfrom=sale@shop.example;") && q.contains("\tdmarc=fail header.from=shop.example"), q);
                assertFalse(inbox.stream().anyMatch(x -> x.contains("Subject: quarantined\r\n")));
                String soft = only(inbox, "softfail");
                assertTrue(soft.contains("\tspf=softfail smtp.mailfrom=a@soft.example;") && soft.contains("\tdmarc=none"), soft);
                String forged = only(inbox, "forged-results");
                assertEquals(1, forged.split("Authentication-Results: " + HOST, -1).length - 1, forged); // ours alone
                assertFalse(forged.contains("header.d=bank.example"), forged);
                assertTrue(forged.contains("Authentication-Results: other.example; spf=pass\r\n"), forged);
            }
        }
    }
}
