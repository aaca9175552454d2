package org.tegami.queue.mtasts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Finds a domain's MTA-STS policy (RFC 8461 §3): the {@code _mta-sts} TXT record says one exists and its id;
 * the policy itself comes from {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt} over HTTPS with a valid
 * certificate, no redirects, at most 64 KiB. Policies are cached for their max_age and refreshed when the id
 * changes; a cached policy stays in force when DNS or HTTPS fail (§5.1), which is what defeats a downgrade.
 */
public final class MtaStsResolver {
    private static final Logger LOG = System.getLogger(MtaStsResolver.class.getName());
    private static final int MAX_POLICY = 64 * 1024;
    private static final int TIMEOUT_MS = 30_000;

    private record Cached(String id, MtaStsPolicy policy, Instant expires) {}

    private final Function<String, Optional<String>> txtLookup;
    private final Function<String, List<InetAddress>> addressLookup;
    private final SSLContext trust;
    private final int httpsPort;
    private final InstantSource clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /**
     * @param txtLookup     the {@code v=STSv1} TXT value at a name, if any
     * @param addressLookup addresses of a host (through the same resolver as MX lookups)
     * @param trust         verifies the policy host's certificate (the JDK's CAs unless configured otherwise)
     * @param httpsPort     443; tests use another port
     */
    public MtaStsResolver(Function<String, Optional<String>> txtLookup, Function<String, List<InetAddress>> addressLookup,
                          SSLContext trust, int httpsPort, InstantSource clock) {
        this.txtLookup = txtLookup;
        this.addressLookup = addressLookup;
        this.trust = trust;
        this.httpsPort = httpsPort;
        this.clock = clock;
    }

    /** The policy in force for mail to {@code domain}, if any. */
    public Optional<MtaStsPolicy> policy(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        Cached cached = cache.get(d);
        Optional<String> txt = txtLookup.apply("_mta-sts." + d);
        Optional<String> id = txt.flatMap(MtaStsResolver::idOf);
        if (id.isEmpty()) return live(cached, now);
        if (cached != null && cached.id().equals(id.get()) && now.isBefore(cached.expires())) return Optional.of(cached.policy());
        try {
            Optional<MtaStsPolicy> fetched = fetch(d).flatMap(MtaStsPolicy::parse);
            if (fetched.isEmpty()) return live(cached, now);
            cache.put(d, new Cached(id.get(), fetched.get(), now.plus(fetched.get().maxAge())));
            return fetched;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "MTA-STS policy of " + d + " unavailable: " + e.getMessage());
            return live(cached, now);
        }
    }

    private static Optional<MtaStsPolicy> live(Cached c, Instant now) {
        return c != null && now.isBefore(c.expires()) ? Optional.of(c.policy()) : Optional.empty();
    }

    /** RFC 8461 §3.1: {@code v=STSv1; id=...}. */
    static Optional<String> idOf(String txt) {
        if (!txt.strip().startsWith("v=STSv1")) return Optional.empty();
        for (String part : txt.split(";")) {
            String p = part.strip();
            if (p.startsWith("id=") && p.length() > 3 && p.length() <= 35) return Optional.of(p.substring(3));
        }
        return Optional.empty();
    }

    private Optional<String> fetch(String domain) throws IOException {
        String host = "mta-sts." + domain;
        List<InetAddress> addrs = addressLookup.apply(host);
        if (addrs.isEmpty()) throw new IOException("no address for " + host);
        IOException last = null;
        for (InetAddress a : addrs) {
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(a, httpsPort), TIMEOUT_MS);
                plain.setSoTimeout(TIMEOUT_MS);
                SSLSocket tls = (SSLSocket) trust.getSocketFactory().createSocket(plain, host, httpsPort, true);
                var params = tls.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name mta-sts.DOMAIN
                params.setServerNames(List.of(new javax.net.ssl.SNIHostName(host)));
                tls.setSSLParameters(params);
                tls.startHandshake();
                OutputStream out = tls.getOutputStream();
                out.write(("GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return Optional.of(body(tls.getInputStream()));
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    /** Minimal HTTP/1.1 response reading: status 200 only (no redirects, §3.3), bounded body. */
    private static String body(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            all.write(buf, 0, n);
            if (all.size() > MAX_POLICY + 8192) throw new IOException("policy too large");
        }
        String resp = all.toString(StandardCharsets.UTF_8);
        int end = resp.indexOf("\r\n\r\n");
        if (end < 0) throw new IOException("malformed HTTP response");
        String head = resp.substring(0, end);
        if (!head.startsWith("HTTP/1.1 200") && !head.startsWith("HTTP/1.0 200")) {
            throw new IOException("policy fetch answered " + head.lines().findFirst().orElse(""));
        }
        if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
            throw new IOException("chunked policy responses are not supported");
        }
        String body = resp.substring(end + 4);
        if (body.length() > MAX_POLICY) throw new IOException("policy too large");
        return body;
    }
}
