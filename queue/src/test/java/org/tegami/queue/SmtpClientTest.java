package org.tegami.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The SMTP client against scripted peers: each answer decides one recipient's status. */
class SmtpClientTest {

    /** A one-connection peer: {@code script} maps each command line to the reply (null: drop the connection). */
    private static final class Peer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final List<String> commands = new CopyOnWriteArrayList<>();

        Peer(String ehlo, Function<String, String> script) throws Exception {
            Thread.ofVirtual().start(() -> {
                try (Socket s = server.accept()) {
                    var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    OutputStream out = s.getOutputStream();
                    out.write("220 peer ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                    for (String line; (line = in.readLine()) != null; ) {
                        commands.add(line);
                        String reply = line.startsWith("EHLO") ? ehlo : script.apply(line);
                        if (line.equals("DATA") && reply != null && reply.startsWith("354")) {
                            out.write(reply.getBytes(StandardCharsets.US_ASCII));
                            for (String l; (l = in.readLine()) != null && !l.equals("."); ) commands.add("> " + l);
                            reply = script.apply(".");
                        }
                        if (reply == null) return; // drop the connection
                        out.write(reply.getBytes(StandardCharsets.US_ASCII));
                        if (line.equals("QUIT")) return;
                    }
                } catch (Exception ignored) {
                    // test peer
                }
            });
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    private static final byte[] BODY = "Subject: t\r\n\r\n.hi\r\n".getBytes(StandardCharsets.US_ASCII);

    private static Map<String, DeliveryStatus> send(Peer p, String sender, List<String> rcpts) {
        return new SmtpClient("client.test").send("peer.test", p.address(),
                new SmtpClient.Outgoing(sender, rcpts, BODY.length, () -> new ByteArrayInputStream(BODY), false));
    }

    private static String ok(String line) {
        return switch (line.substring(0, Math.min(4, line.length()))) {
            case "MAIL" -> "250 2.1.0 ok\r\n";
            case "RCPT" -> line.contains("bad@") ? "550 5.1.1 no such user\r\n" : "250 2.1.5 ok\r\n";
            case "DATA" -> "354 go\r\n";
            case "." -> "250 2.0.0 stored\r\n";
            case "QUIT" -> "221 bye\r\n";
            default -> "500 unexpected\r\n";
        };
    }

    @Test
    void perRecipientResultsWithoutStartTls() throws Exception {
        try (Peer p = new Peer("250-peer\r\n250 8BITMIME\r\n", SmtpClientTest::ok)) {
            var r = send(p, "a@local.test", List.of("good@peer.test", "bad@peer.test"));
            assertEquals(new DeliveryStatus.Delivered("peer.test", "250 2.0.0 stored"), r.get("good@peer.test"));
            assertEquals(new DeliveryStatus.PermFailed("550 5.1.1 no such user", "peer.test"), r.get("bad@peer.test"));
            assertEquals(List.of("EHLO client.test", "MAIL FROM:<a@local.test>", "RCPT TO:<good@peer.test>",
                    "RCPT TO:<bad@peer.test>", "DATA", "> Subject: t", "> ", "> ..hi", "QUIT"), p.commands,
                    "plain text when STARTTLS is not offered (opportunistic), dot-stuffed data");
        }
    }

    @Test
    void connectionDroppedMidDataIsTemporary() throws Exception {
        try (Peer p = new Peer("250 peer\r\n", line -> line.equals(".") ? null : ok(line))) {
            var r = send(p, "a@local.test", List.of("good@peer.test"));
            assertEquals(DeliveryStatus.TempFailed.class, r.get("good@peer.test").getClass(), r.toString());
        }
    }

    @Test
    void utf8AddressToAPeerWithoutSmtputf8Bounces() throws Exception {
        try (Peer p = new Peer("250-peer\r\n250 SIZE 100000\r\n", SmtpClientTest::ok)) {
            var r = send(p, "a@local.test", List.of("ü@peer.test"));
            assertEquals(new DeliveryStatus.PermFailed("553 5.6.7 peer.test does not support SMTPUTF8", "peer.test"),
                    r.get("ü@peer.test"));
        }
    }

    @Test
    void messageOverThePeersSizeBounces() throws Exception {
        try (Peer p = new Peer("250-peer\r\n250 SIZE 10\r\n", SmtpClientTest::ok)) {
            var r = send(p, "a@local.test", List.of("good@peer.test"));
            assertEquals(new DeliveryStatus.PermFailed("552 5.3.4 message too big for peer.test (limit 10 bytes)", "peer.test"),
                    r.get("good@peer.test"));
        }
    }

    @Test
    void temporaryMailFromRefusalIsRetriedLater() throws Exception {
        try (Peer p = new Peer("250 peer\r\n", line -> line.startsWith("MAIL") ? "451 4.7.1 greylisted\r\n" : ok(line))) {
            var r = send(p, "a@local.test", List.of("good@peer.test"));
            assertEquals(new DeliveryStatus.TempFailed("peer.test: 451 4.7.1 greylisted"), r.get("good@peer.test"));
        }
    }

    @Test
    void pipelinesMailRcptAndDataWhenOffered() throws Exception {
        try (Peer p = new Peer("250-peer\r\n250 PIPELINING\r\n", SmtpClientTest::ok)) {
            var r = send(p, "a@local.test", List.of("good@peer.test", "bad@peer.test", "also@peer.test"));
            assertEquals(DeliveryStatus.Delivered.class, r.get("also@peer.test").getClass());
            assertEquals(new DeliveryStatus.PermFailed("550 5.1.1 no such user", "peer.test"), r.get("bad@peer.test"));
            assertEquals(List.of("EHLO client.test", "MAIL FROM:<a@local.test>", "RCPT TO:<good@peer.test>",
                    "RCPT TO:<bad@peer.test>", "RCPT TO:<also@peer.test>", "DATA", "> Subject: t", "> ", "> ..hi", "QUIT"), p.commands);
        }
    }

    /** RFC 7672 §2.2: a host with usable TLSA records and no STARTTLS gets no mail in clear text, not even MAIL FROM. */
    @Test
    void daneHostWithoutStartTlsGetsNothing() throws Exception {
        try (Peer p = new Peer("250-peer\r\n250 8BITMIME\r\n", SmtpClientTest::ok)) {
            var dane = new org.tegami.queue.dane.Dane.HostPolicy.Required("peer.test", List.of(
                    new org.tegami.queue.dane.Tlsa(3, 1, 1, new byte[32])));
            var r = new SmtpClient("client.test").send("peer.test", p.address(),
                    new SmtpClient.Outgoing("a@local.test", List.of("good@peer.test"), BODY.length, () -> new ByteArrayInputStream(BODY), false),
                    SmtpClient.Security.dane(dane.context()));
            assertEquals(new DeliveryStatus.TempFailed("peer.test does not offer STARTTLS, which its DANE TLSA records require (RFC 7672 §2.2)"),
                    r.get("good@peer.test"));
            Thread.sleep(100);
            assertEquals(List.of("EHLO client.test"), p.commands.stream().filter(c -> !c.equals("QUIT")).toList());
        }
    }

    private static final org.tegami.store.EnvelopeParams DSN = new org.tegami.store.EnvelopeParams(
            java.util.Optional.of(org.tegami.store.EnvelopeParams.Ret.HDRS), java.util.Optional.of("id+1=2 x"), org.tegami.store.EnvelopeParams.Tls.DEFAULT, Map.of(
            "good@peer.test", new org.tegami.store.EnvelopeParams.Rcpt(java.util.Optional.of(java.util.Set.of(
                    org.tegami.store.EnvelopeParams.Notify.DELAY, org.tegami.store.EnvelopeParams.Notify.SUCCESS)),
                    java.util.Optional.of("rfc822"), java.util.Optional.of("List+Good@peer.test")),
            "never@peer.test", new org.tegami.store.EnvelopeParams.Rcpt(java.util.Optional.of(java.util.Set.of()),
                    java.util.Optional.empty(), java.util.Optional.empty())));

    private static Map<String, DeliveryStatus> sendDsn(Peer p) {
        return new SmtpClient("client.test").send("peer.test", p.address(), new SmtpClient.Outgoing("a@local.test",
                List.of("good@peer.test", "never@peer.test", "plain@peer.test"), BODY.length,
                () -> new ByteArrayInputStream(BODY), false, DSN));
    }

    /** RFC 3461 §5.2.1: a next hop that offers DSN gets RET, ENVID, NOTIFY and ORCPT as they came, xtext-encoded. */
    @Test
    void dsnParametersAreRelayedToAPeerThatOffersDsn() throws Exception {
        try (Peer p = new Peer("250-peer\r\n250-PIPELINING\r\n250 DSN\r\n", SmtpClientTest::ok)) {
            var r = sendDsn(p);
            assertEquals(new DeliveryStatus.Delivered("peer.test", "250 2.0.0 stored", true), r.get("good@peer.test"),
                    "delivered with the parameters: the peer reports from here");
            assertEquals(List.of("EHLO client.test", "MAIL FROM:<a@local.test> RET=HDRS ENVID=id+2B1+3D2+20x",
                    "RCPT TO:<good@peer.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;List+2BGood@peer.test",
                    "RCPT TO:<never@peer.test> NOTIFY=NEVER", "RCPT TO:<plain@peer.test>",
                    "DATA", "> Subject: t", "> ", "> ..hi", "QUIT"), p.commands);
        }
    }

    /** A next hop without DSN gets none of them (RFC 5321 §4.1.1.11: no parameters it did not announce). */
    @Test
    void dsnParametersAreNotSentToAPeerWithoutDsn() throws Exception {
        try (Peer p = new Peer("250-peer\r\n250 PIPELINING\r\n", SmtpClientTest::ok)) {
            var r = sendDsn(p);
            assertEquals(new DeliveryStatus.Delivered("peer.test", "250 2.0.0 stored", false), r.get("good@peer.test"));
            assertEquals(List.of("EHLO client.test", "MAIL FROM:<a@local.test>", "RCPT TO:<good@peer.test>",
                    "RCPT TO:<never@peer.test>", "RCPT TO:<plain@peer.test>", "DATA", "> Subject: t", "> ", "> ..hi", "QUIT"),
                    p.commands);
        }
    }
}
