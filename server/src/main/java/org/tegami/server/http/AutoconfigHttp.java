package org.tegami.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import org.tegami.core.TegamiException;
import org.tegami.mime.EmailAddress;
import org.tegami.net.tls.TlsContext;

/**
 * The HTTP(S) listener that lets mail clients configure themselves: Thunderbird autoconfig, Microsoft Autodiscover
 * (POX and JSON v2) and Apple configuration profiles, for every hosted domain. Nothing else of the server is
 * reachable through it. Each exchange runs on its own virtual thread; handlers share only immutable state.
 */
public final class AutoconfigHttp implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AutoconfigHttp.class.getName());

    /** Largest request body read (an Autodiscover POX request is well under 1 KiB). */
    public static final int MAX_BODY = 64 * 1024;
    /** A too-large body up to this size is read and discarded so the client sees the 413 rather than a reset. */
    static final long MAX_DISCARD = 1024 * 1024;

    static {
        HttpServerLimits.apply();
    }

    /** The endpoints, by path; anything else is 404. */
    private enum Endpoint {
        THUNDERBIRD("GET"), AUTODISCOVER_POX("POST"), AUTODISCOVER_JSON("GET"), MOBILECONFIG("GET"), MTA_STS("GET"),
        ACME_CHALLENGE("GET");

        final String method;

        Endpoint(String method) {
            this.method = method;
        }
    }

    private static final String JSON_PREFIX = "/autodiscover/autodiscover.json";

    private final HttpServer server;
    private final ExecutorService executor;
    private final String hostname;
    private final ClientSettings settings;
    private final Predicate<String> isLocalDomain;
    private final Acme acme;

    /**
     * What the listener answers for an ACME client (RFC 8555) running in this process.
     *
     * @param httpToken HTTP-01 (RFC 8555 §8.3): the key authorization to serve for a token, if one is pending
     * @param tlsAlpn whether HTTPS also offers the acme-tls/1 protocol, for TLS-ALPN-01 (RFC 8737)
     */
    public record Acme(java.util.function.Function<String, Optional<String>> httpToken, boolean tlsAlpn) {
        /** No ACME client: the challenge path is 404 and only http/1.1 is spoken. */
        public static final Acme NONE = new Acme(t -> Optional.empty(), false);
    }

    /** ACME tokens are base64url (RFC 8555 §8.3: at least 128 bits of entropy); this bounds what is looked up. */
    private static final java.util.regex.Pattern ACME_TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{16,256}");
    static final String ACME_PREFIX = "/.well-known/acme-challenge/";

    /** As the full constructor, without an ACME client. */
    public AutoconfigHttp(InetSocketAddress bind, Optional<java.util.function.Supplier<SSLContext>> tls, String hostname,
                          ClientSettings settings, Predicate<String> isLocalDomain) {
        this(bind, tls, hostname, settings, isLocalDomain, Acme.NONE);
    }

    /**
     * Binds and starts serving.
     *
     * @param tls present: HTTPS with the context it supplies, asked for each new connection so a renewed
     *            certificate is served without a restart (TLS 1.3 and 1.2, AEAD suites only); absent: plain HTTP
     * @param hostname this server's name, used in the Autodiscover v2 redirect
     * @param isLocalDomain whether a (lower-case) domain is hosted here; others get 404
     * @param acme the ACME challenges answered here ({@link Acme#NONE} without ACME)
     * @throws TegamiException if the address cannot be bound
     */
    public AutoconfigHttp(InetSocketAddress bind, Optional<java.util.function.Supplier<SSLContext>> tls, String hostname,
                          ClientSettings settings, Predicate<String> isLocalDomain, Acme acme) {
        this.acme = acme;
        this.hostname = hostname;
        this.settings = settings;
        this.isLocalDomain = isLocalDomain;
        try {
            if (tls.isPresent()) {
                HttpsServer https = HttpsServer.create(bind, 64);
                java.util.function.Supplier<SSLContext> source = tls.get();
                https.setHttpsConfigurator(new HttpsConfigurator(source.get()) {
                    @Override
                    public SSLContext getSSLContext() {
                        return source.get(); // per connection: picks up a reloaded certificate
                    }

                    @Override
                    public void configure(HttpsParameters params) {
                        var p = source.get().getDefaultSSLParameters();
                        p.setProtocols(TlsContext.protocols().toArray(String[]::new));
                        // The same rule as the mail listeners: forward secrecy and AEAD only.
                        p.setCipherSuites(java.util.Arrays.stream(p.getCipherSuites())
                                .filter(c -> c.startsWith("TLS_AES_") || c.startsWith("TLS_CHACHA20_")
                                        || (c.contains("_ECDHE_") && (c.contains("_GCM_") || c.contains("CHACHA20"))))
                                .toArray(String[]::new));
                        // RFC 8737 §3: the validation handshake asks for acme-tls/1; browsers keep http/1.1
                        if (acme.tlsAlpn()) p.setApplicationProtocols(new String[] {"http/1.1",
                                org.tegami.net.tls.AcmeTlsChallenges.ACME_TLS_1});
                        params.setSSLParameters(p);
                    }
                });
                server = https;
            } else {
                server = HttpServer.create(bind, 64);
            }
        } catch (IOException e) {
            throw new TegamiException("cannot listen for " + (tls.isPresent() ? "https" : "http") + " on " + bind
                    + ": " + e.getMessage(), e);
        }
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** A response decided by a handler: status, content type, body, extra headers. */
    private record Reply(int status, String contentType, String body, Map<String, String> headers) {
        static Reply text(int status, String message) {
            return new Reply(status, "text/plain; charset=utf-8", message + "\n", Map.of());
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        org.tegami.core.metrics.Metrics.httpRequest(server instanceof HttpsServer ? "https" : "http");
        try (ex) {
            Reply r;
            try {
                r = route(ex);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "autoconfig request " + ex.getRequestURI().getRawPath() + " failed", e);
                r = Reply.text(500, "internal error");
            }
            send(ex, r);
        }
    }

    private Reply route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        Optional<Endpoint> ep = endpoint(path);
        if (ep.isEmpty()) return Reply.text(404, "not found");
        if (!ep.get().method.equals(ex.getRequestMethod())) {
            return new Reply(405, "text/plain; charset=utf-8", "method not allowed\n", Map.of("Allow", ep.get().method));
        }
        Map<String, String> query;
        try {
            query = query(ex.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            return Reply.text(400, "malformed query string");
        }
        return switch (ep.get()) {
            case THUNDERBIRD -> withAddress(query.get("emailaddress"), "emailaddress", a ->
                    new Reply(200, "application/xml; charset=utf-8", ClientConfigDocuments.thunderbird(settings, a.domain()), Map.of()));
            case MOBILECONFIG -> withAddress(query.get("emailaddress"), "emailaddress", a ->
                    new Reply(200, "application/x-apple-aspen-config", ClientConfigDocuments.mobileconfig(settings, a),
                            Map.of("Content-Disposition", "attachment; filename=\"mail.mobileconfig\"")));
            case AUTODISCOVER_JSON -> autodiscoverJson(path, query);
            case AUTODISCOVER_POX -> autodiscoverPox(ex);
            case MTA_STS -> mtaStsPolicy(ex);
            case ACME_CHALLENGE -> acmeChallenge(path);
        };
    }

    /**
     * RFC 8461 §3.2: the policy for {@code Host: mta-sts.DOMAIN} of a hosted domain, in testing mode until the
     * operator has a certificate for that name and switches to enforce (the same text {@code tegami dns} prints).
     */
    private Reply mtaStsPolicy(HttpExchange ex) {
        String host = Optional.ofNullable(ex.getRequestHeaders().getFirst("Host")).orElse("").toLowerCase(java.util.Locale.ROOT);
        int colon = host.lastIndexOf(':');
        if (colon > 0 && !host.endsWith("]")) host = host.substring(0, colon);
        if (!host.startsWith("mta-sts.") || !isLocalDomain.test(host.substring("mta-sts.".length()))) {
            return Reply.text(404, "no MTA-STS policy for this host");
        }
        return new Reply(200, "text/plain", "version: STSv1\r\nmode: testing\r\nmx: "
                + settings.hostname().toLowerCase(java.util.Locale.ROOT) + "\r\nmax_age: 604800\r\n", Map.of());
    }

    /** RFC 8555 §8.3: the key authorization of a pending HTTP-01 challenge, as application/octet-stream. */
    private Reply acmeChallenge(String path) {
        String token = path.substring(ACME_PREFIX.length());
        if (!ACME_TOKEN.matcher(token).matches()) return Reply.text(404, "not found");
        return acme.httpToken().apply(token)
                .map(k -> new Reply(200, "application/octet-stream", k, Map.of()))
                .orElseGet(() -> Reply.text(404, "no such ACME challenge"));
    }

    private static Optional<Endpoint> endpoint(String path) {
        if (path.startsWith(ACME_PREFIX)) return Optional.of(Endpoint.ACME_CHALLENGE);
        if (path.equals("/.well-known/autoconfig/mail/config-v1.1.xml") || path.equals("/mail/config-v1.1.xml")) {
            return Optional.of(Endpoint.THUNDERBIRD);
        }
        if (path.equals("/apple/mail.mobileconfig")) return Optional.of(Endpoint.MOBILECONFIG);
        if (path.equals("/.well-known/mta-sts.txt")) return Optional.of(Endpoint.MTA_STS);
        // Outlook spells these /Autodiscover/Autodiscover.xml; Microsoft's servers match without case.
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.equals("/autodiscover/autodiscover.xml")) return Optional.of(Endpoint.AUTODISCOVER_POX);
        if (lower.equals(JSON_PREFIX) || lower.startsWith(JSON_PREFIX + "/v1.0/")) return Optional.of(Endpoint.AUTODISCOVER_JSON);
        return Optional.empty();
    }

    private Reply withAddress(String raw, String param, java.util.function.Function<EmailAddress, Reply> ok) {
        if (raw == null || raw.isEmpty()) return Reply.text(400, "missing " + param + " parameter (expected local@domain)");
        Optional<EmailAddress> a = EmailAddress.parse(raw);
        if (a.isEmpty()) return Reply.text(400, param + " is not an email address (expected local@domain)");
        if (!isLocalDomain.test(a.get().domain())) return Reply.text(404, "no mail service for this domain here");
        return ok.apply(a.get());
    }

    /** Autodiscover v2: {@code ?Email=a@b&Protocol=AutodiscoverV1} or {@code /v1.0/a@b?Protocol=AutodiscoverV1}. */
    private Reply autodiscoverJson(String rawPath, Map<String, String> query) {
        String email = query.get("email");
        if (rawPath.length() > JSON_PREFIX.length()) {
            try {
                email = URLDecoder.decode(rawPath.substring(JSON_PREFIX.length() + "/v1.0/".length()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Reply.text(400, "malformed path");
            }
        }
        String protocol = query.getOrDefault("protocol", "");
        if (!protocol.equalsIgnoreCase("AutodiscoverV1")) {
            return new Reply(400, "application/json; charset=utf-8", ClientConfigDocuments.autodiscoverJsonError(protocol), Map.of());
        }
        return withAddress(email, "Email", a ->
                new Reply(200, "application/json; charset=utf-8", ClientConfigDocuments.autodiscoverJson(hostname), Map.of()));
    }

    private Reply autodiscoverPox(HttpExchange ex) throws IOException {
        Optional<byte[]> body = readBody(ex);
        if (body.isEmpty()) return Reply.text(413, "request body larger than " + MAX_BODY + " bytes");
        Optional<String> email = ClientConfigDocuments.poxRequestEmail(body.get());
        if (email.isEmpty()) return Reply.text(400, "expected an Autodiscover request with an EMailAddress element");
        return withAddress(email.get(), "EMailAddress", a ->
                new Reply(200, "text/xml; charset=utf-8", ClientConfigDocuments.autodiscoverPox(settings, a), Map.of()));
    }

    /** The body, or empty when it exceeds {@link #MAX_BODY}; never buffers more than MAX_BODY + 1 bytes. */
    private static Optional<byte[]> readBody(HttpExchange ex) throws IOException {
        String cl = ex.getRequestHeaders().getFirst("Content-Length");
        long declared = -1;
        if (cl != null) {
            try {
                declared = Long.parseLong(cl.strip());
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        InputStream in = ex.getRequestBody();
        if (declared > MAX_BODY) {
            // Reading the rest keeps the connection orderly; beyond MAX_DISCARD closing it is cheaper.
            if (declared <= MAX_DISCARD) in.skipNBytes(declared);
            else ex.getResponseHeaders().set("Connection", "close");
            return Optional.empty();
        }
        byte[] b = in.readNBytes(MAX_BODY + 1);
        if (b.length > MAX_BODY) {
            if (!drained(in)) ex.getResponseHeaders().set("Connection", "close");
            return Optional.empty();
        }
        return Optional.of(b);
    }

    /** Discards up to {@link #MAX_DISCARD} bytes; true when the body ended within that. */
    private static boolean drained(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            total += n;
            if (total > MAX_DISCARD) return false;
        }
        return true;
    }

    /** Query parameters with lower-case names (Outlook sends {@code Email}, others {@code email}); first wins. */
    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return out;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k.toLowerCase(Locale.ROOT), v);
        }
        return out;
    }

    private static void send(HttpExchange ex, Reply r) throws IOException {
        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        var h = ex.getResponseHeaders();
        h.set("Content-Type", r.contentType());
        h.set("Cache-Control", "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        r.headers().forEach(h::set);
        ex.sendResponseHeaders(r.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
