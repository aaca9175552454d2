package org.tegami.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tegami.server.http.ClientSettings.Service;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** The autoconfig listener over real sockets on loopback, read back with javax.xml as a client would. */
class AutoconfigHttpTest {
    static final ClientSettings SETTINGS = new ClientSettings("mail.example.test", Map.of(
            Service.POP3S, 995, Service.POP3, 110, Service.SUBMISSIONS, 465, Service.SUBMISSION, 587), true);

    AutoconfigHttp http;
    HttpClient client;
    String base;

    @BeforeEach
    void start() {
        http = new AutoconfigHttp(new InetSocketAddress("127.0.0.1", 0), Optional.empty(), "mail.example.test", SETTINGS,
                "example.test"::equals);
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        base = "http://127.0.0.1:" + http.port();
    }

    @AfterEach
    void stop() {
        client.close();
        http.close();
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, HttpRequest.BodyPublisher body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "text/xml").POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        // The plist DOCTYPE names Apple's DTD; a test must not fetch it.
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static String child(Element e, String name) {
        return e.getElementsByTagName(name).item(0).getTextContent();
    }

    private static List<Element> elements(Document d, String name) {
        NodeList nl = d.getElementsByTagName(name);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nl.getLength(); i++) out.add((Element) nl.item(i));
        return out;
    }

    private static String server(Element e) {
        return e.getAttribute("type") + " " + child(e, "hostname") + " " + child(e, "port") + " " + child(e, "socketType")
                + " " + child(e, "username");
    }

    @Test
    void thunderbirdListsOnlyEnabledServicesImplicitTlsFirst() throws Exception {
        var r = get("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=alice%40example.test");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/xml; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
        Document d = parse(r.body());
        assertEquals("example.test", ((Element) d.getElementsByTagName("emailProvider").item(0)).getAttribute("id"));
        assertEquals(List.of("pop3 mail.example.test 995 SSL %EMAILADDRESS%", "pop3 mail.example.test 110 STARTTLS %EMAILADDRESS%"),
                elements(d, "incomingServer").stream().map(AutoconfigHttpTest::server).toList());
        assertEquals(List.of("smtp mail.example.test 465 SSL %EMAILADDRESS%", "smtp mail.example.test 587 STARTTLS %EMAILADDRESS%"),
                elements(d, "outgoingServer").stream().map(AutoconfigHttpTest::server).toList());
        assertFalse(r.body().contains("imap"), "IMAP is not enabled: " + r.body());

        var legacy = get("/mail/config-v1.1.xml?emailaddress=Alice%40EXAMPLE.test");
        assertEquals(200, legacy.statusCode());
        assertEquals(r.body(), legacy.body());
    }

    @Test
    void autodiscoverPoxAnswersWithEscapedLoginName() throws Exception {
        String request = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                + "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\">"
                + "<Request><EMailAddress>o'hara&amp;co@example.test</EMailAddress>"
                + "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
                + "</AcceptableResponseSchema></Request></Autodiscover>";
        // Outlook capitalises the path.
        var r = post("/Autodiscover/Autodiscover.xml", HttpRequest.BodyPublishers.ofString(request));
        assertEquals(200, r.statusCode(), r.body());
        Document d = parse(r.body());
        List<String> protocols = elements(d, "Protocol").stream().map(p -> child(p, "Type") + " " + child(p, "Server") + " "
                + child(p, "Port") + " " + child(p, "Encryption") + " " + child(p, "LoginName")).toList();
        assertEquals(List.of("POP3 mail.example.test 995 SSL o'hara&co@example.test", "POP3 mail.example.test 110 TLS o'hara&co@example.test",
                "SMTP mail.example.test 465 SSL o'hara&co@example.test", "SMTP mail.example.test 587 TLS o'hara&co@example.test"), protocols);
        assertEquals("settings", child(d.getDocumentElement(), "Action"));

        var wrongMethod = get("/autodiscover/autodiscover.xml");
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElseThrow());
    }

    @Test
    void autodiscoverPoxRejectsDoctypesAndUnknownDomains() throws Exception {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<Autodiscover><Request><EMailAddress>&x;@example.test</EMailAddress></Request></Autodiscover>";
        var r = post("/autodiscover/autodiscover.xml", HttpRequest.BodyPublishers.ofString(xxe));
        assertEquals(400, r.statusCode());
        assertEquals("expected an Autodiscover request with an EMailAddress element\n", r.body());
        var other = post("/autodiscover/autodiscover.xml", HttpRequest.BodyPublishers.ofString(
                "<Autodiscover><Request><EMailAddress>bob@other.test</EMailAddress></Request></Autodiscover>"));
        assertEquals(404, other.statusCode());
    }

    @Test
    void autodiscoverJsonV2PointsAtThePoxEndpoint() throws Exception {
        String expected = "{\"Protocol\":\"AutodiscoverV1\",\"Url\":\"https://mail.example.test/autodiscover/autodiscover.xml\"}";
        var q = get("/autodiscover/autodiscover.json?Email=alice%40example.test&Protocol=AutodiscoverV1");
        assertEquals(200, q.statusCode(), q.body());
        assertEquals(expected, q.body());
        assertEquals("application/json; charset=utf-8", q.headers().firstValue("Content-Type").orElseThrow());
        var path = get("/autodiscover/autodiscover.json/v1.0/alice@example.test?Protocol=AutodiscoverV1");
        assertEquals(200, path.statusCode(), path.body());
        assertEquals(expected, path.body());
        var ews = get("/autodiscover/autodiscover.json?Email=alice%40example.test&Protocol=Ews");
        assertEquals(400, ews.statusCode());
        assertTrue(ews.body().startsWith("{\"ErrorCode\":\"InvalidProtocol\""), ews.body());
        assertEquals(404, get("/autodiscover/autodiscover.json?Email=bob%40other.test&Protocol=AutodiscoverV1").statusCode());
    }

    /** The values of a plist {@code <dict>}, keyed by {@code <key>}, as "type:text". */
    private static Map<String, String> dict(Element dict) {
        Map<String, String> out = new LinkedHashMap<>();
        String key = null;
        for (Node n = dict.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (!(n instanceof Element e)) continue;
            if (e.getTagName().equals("key")) {
                key = e.getTextContent();
            } else {
                out.put(key, e.getTagName() + ":" + e.getTextContent());
            }
        }
        return out;
    }

    @Test
    void mobileconfigIsAPlistWithAManagedMailPayload() throws Exception {
        var r = get("/apple/mail.mobileconfig?emailaddress=alice%40example.test");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/x-apple-aspen-config", r.headers().firstValue("Content-Type").orElseThrow());
        Document d = parse(r.body());
        assertEquals("plist", d.getDocumentElement().getTagName());
        Element top = (Element) d.getDocumentElement().getElementsByTagName("dict").item(0);
        Map<String, String> profile = dict(top);
        assertEquals("string:Configuration", profile.get("PayloadType"));
        assertEquals("integer:1", profile.get("PayloadVersion"));
        Element inner = (Element) ((Element) top.getElementsByTagName("array").item(0)).getElementsByTagName("dict").item(0);
        Map<String, String> mail = dict(inner);
        assertEquals("string:com.apple.mail.managed", mail.get("PayloadType"));
        assertEquals("string:EmailTypePOP", mail.get("EmailAccountType"));
        assertEquals("string:mail.example.test", mail.get("IncomingMailServerHostName"));
        assertEquals("integer:995", mail.get("IncomingMailServerPortNumber"));
        assertEquals("true:", mail.get("IncomingMailServerUseSSL"));
        assertEquals("string:alice@example.test", mail.get("IncomingMailServerUsername"));
        assertEquals("integer:465", mail.get("OutgoingMailServerPortNumber"));
        assertEquals("true:", mail.get("OutgoingMailServerUseSSL"));
        // Same address, same UUID: reinstalling replaces the account.
        assertEquals(r.body(), get("/apple/mail.mobileconfig?emailaddress=alice%40example.test").body());
        assertNotEquals(profile.get("PayloadUUID"), mail.get("PayloadUUID"));
    }

    @Test
    void badOrMissingAddressIs400() throws Exception {
        var missing = get("/.well-known/autoconfig/mail/config-v1.1.xml");
        assertEquals(400, missing.statusCode());
        assertEquals("missing emailaddress parameter (expected local@domain)\n", missing.body());
        var bad = get("/apple/mail.mobileconfig?emailaddress=not-an-address");
        assertEquals(400, bad.statusCode());
        assertEquals("emailaddress is not an email address (expected local@domain)\n", bad.body());
        assertEquals(400, get("/mail/config-v1.1.xml?emailaddress=%3Cx%3E%40example.test").statusCode());
        // A malformed escape never reaches a handler: the JDK server refuses the request line itself.
        assertTrue(rawAll("GET /mail/config-v1.1.xml?emailaddress=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .startsWith("HTTP/1.1 400 Bad Request\r\n"));
    }

    @Test
    void unknownDomainsAndOtherPathsAre404() throws Exception {
        var other = get("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=bob%40other.test");
        assertEquals(404, other.statusCode());
        assertEquals("no mail service for this domain here\n", other.body());
        assertEquals(404, get("/etc/passwd").statusCode());
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/.well-known/autoconfig/mail/config-v1.1.xml/../../../../etc/passwd").statusCode());
        assertEquals("HTTP/1.1 404 Not Found", raw("GET /mail/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals("HTTP/1.1 405 Method Not Allowed", raw("DELETE /mail/config-v1.1.xml HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    /** Sends a raw request and returns everything the server sent until it closed. */
    private String rawAll(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", http.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** Sends a raw request and returns the status line. */
    private String raw(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", http.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != -1 && c != '\n'; ) line.append((char) c);
            return line.toString().strip();
        }
    }

    @Test
    void oversizedBodiesAre413() throws Exception {
        String big = "<Autodiscover>" + "x".repeat(AutoconfigHttp.MAX_BODY) + "</Autodiscover>";
        var sized = post("/autodiscover/autodiscover.xml", HttpRequest.BodyPublishers.ofString(big));
        assertEquals(413, sized.statusCode());
        assertEquals("request body larger than 65536 bytes\n", sized.body());
        // Chunked, so the length is known only by reading.
        var chunked = post("/autodiscover/autodiscover.xml", HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))));
        assertEquals(413, chunked.statusCode());
        // A declared gigabyte is refused before any of it is read.
        assertEquals("HTTP/1.1 413 Request Entity Too Large", raw("POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 1000000000\r\n\r\n<Autodiscover>"));
        // The limit is exact: a body of MAX_BODY bytes is read and judged on content.
        String exact = "<Autodiscover><Request><EMailAddress>alice@example.test</EMailAddress></Request></Autodiscover>";
        exact = exact + " ".repeat(AutoconfigHttp.MAX_BODY - exact.length());
        assertEquals(200, post("/autodiscover/autodiscover.xml", HttpRequest.BodyPublishers.ofString(exact)).statusCode());
    }

    @Test
    void tooManyHeadersAreRefused() throws Exception {
        // The JDK counts distinct header names.
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 100; i++) headers.append("X-Filler-").append(i).append(": x\r\n");
        String reply = rawAll("GET /mail/config-v1.1.xml?emailaddress=alice%40example.test HTTP/1.1\r\nHost: x\r\n" + headers
                + "Connection: close\r\n\r\n");
        // Past sun.net.httpserver.maxReqHeaders (64 here) the JDK drops the connection without a reply.
        assertEquals("", reply);
        String few = rawAll("GET /mail/config-v1.1.xml?emailaddress=alice%40example.test HTTP/1.1\r\nHost: x\r\n"
                + headers.substring(0, headers.indexOf("X-Filler-40:")) + "Connection: close\r\n\r\n");
        assertTrue(few.startsWith("HTTP/1.1 200 OK\r\n"), few);
    }

    @Test
    void servesHttpsWithTheGivenContext(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("ks.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "mail", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=mail.example.test",
                "-ext", "SAN=dns:mail.example.test,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext serverCtx = SSLContext.getInstance("TLS");
        serverCtx.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext clientCtx = SSLContext.getInstance("TLS");
        clientCtx.init(null, tmf.getTrustManagers(), null);

        try (var https = new AutoconfigHttp(new InetSocketAddress("127.0.0.1", 0), Optional.of(() -> serverCtx), "mail.example.test",
                SETTINGS, "example.test"::equals);
             HttpClient tlsClient = HttpClient.newBuilder().sslContext(clientCtx).build()) {
            var r = tlsClient.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https.port()
                    + "/autodiscover/autodiscover.json?Email=alice%40example.test&Protocol=AutodiscoverV1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("{\"Protocol\":\"AutodiscoverV1\",\"Url\":\"https://mail.example.test/autodiscover/autodiscover.xml\"}", r.body());
            assertEquals("TLSv1.3", r.sslSession().orElseThrow().getProtocol());
        }
    }
}
