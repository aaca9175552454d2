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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 *
 * <p>With a cache file the cache outlives restarts (RFC 8461 §5.1: otherwise every restart would open a window in
 * which an attacker who blocks the policy fetch gets plaintext or an unchecked certificate). The file is rewritten
 * whole, atomically (temporary file, fsync, rename), whenever a policy is learned; unreadable lines are skipped and
 * expired policies dropped when it is read. At most {@value #MAX_CACHED} domains are kept, soonest to expire
 * dropped first.
 */
public final class MtaStsResolver {
    private static final Logger LOG = System.getLogger(MtaStsResolver.class.getName());
    private static final int MAX_POLICY = 64 * 1024;
    private static final int TIMEOUT_MS = 30_000;

    private record Cached(String id, MtaStsPolicy policy, Instant expires) {}

    /** Domains whose policies are kept. */
    static final int MAX_CACHED = 10_000;

    private final Function<String, Optional<String>> txtLookup;
    private final Function<String, List<InetAddress>> addressLookup;
    private final SSLContext trust;
    private final int httpsPort;
    private final InstantSource clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Optional<Path> cacheFile;

    /**
     * @param txtLookup     the {@code v=STSv1} TXT value at a name, if any
     * @param addressLookup addresses of a host (through the same resolver as MX lookups)
     * @param trust         verifies the policy host's certificate (the JDK's CAs unless configured otherwise)
     * @param httpsPort     443; tests use another port
     */
    public MtaStsResolver(Function<String, Optional<String>> txtLookup, Function<String, List<InetAddress>> addressLookup,
                          SSLContext trust, int httpsPort, InstantSource clock) {
        this(txtLookup, addressLookup, trust, httpsPort, clock, Optional.empty());
    }

    /** @param cacheFile where the policy cache is kept across restarts (e.g. {@code data_dir/mta-sts-cache}) */
    public MtaStsResolver(Function<String, Optional<String>> txtLookup, Function<String, List<InetAddress>> addressLookup,
                          SSLContext trust, int httpsPort, InstantSource clock, Optional<Path> cacheFile) {
        this.txtLookup = txtLookup;
        this.addressLookup = addressLookup;
        this.trust = trust;
        this.httpsPort = httpsPort;
        this.clock = clock;
        this.cacheFile = cacheFile;
        cacheFile.ifPresent(this::load);
    }

    /** How many domains' policies are cached. */
    public int cached() {
        return cache.size();
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
            save(now);
            return fetched;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "MTA-STS policy of " + d + " unavailable: " + e.getMessage());
            return live(cached, now);
        }
    }

    /** Reads the cache file; a missing file is an empty cache, a bad line is skipped. */
    private void load(Path file) {
        if (!Files.exists(file)) return;
        Instant now = clock.instant();
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            lines.limit(MAX_CACHED).forEach(line -> {
                // domain, id, expiry (epoch seconds), mode, max_age (seconds), mx patterns joined by ','
                String[] f = line.split("\t", -1);
                if (f.length != 6 || !f[2].matches("[0-9]{1,12}") || !f[4].matches("[0-9]{1,10}")) return;
                Instant expires = Instant.ofEpochSecond(Long.parseLong(f[2]));
                if (!now.isBefore(expires)) return;
                MtaStsPolicy.Mode mode;
                try {
                    mode = MtaStsPolicy.Mode.valueOf(f[3]);
                } catch (IllegalArgumentException e) {
                    return;
                }
                List<String> mx = f[5].isEmpty() ? List.of() : List.of(f[5].split(","));
                cache.put(f[0], new Cached(f[1], new MtaStsPolicy(mode, mx, Duration.ofSeconds(Long.parseLong(f[4]))), expires));
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.log(Level.WARNING, "MTA-STS policy cache " + file + " unreadable (" + e.getMessage()
                    + "); starting with an empty cache");
        }
    }

    /** Rewrites the cache file atomically: expired entries dropped, at most {@link #MAX_CACHED}. */
    private synchronized void save(Instant now) {
        if (cacheFile.isEmpty()) return;
        cache.entrySet().removeIf(e -> !now.isBefore(e.getValue().expires()));
        if (cache.size() > MAX_CACHED) {
            cache.entrySet().stream().sorted(java.util.Comparator.comparing(e -> e.getValue().expires()))
                    .limit(cache.size() - MAX_CACHED).map(Map.Entry::getKey).toList().forEach(cache::remove);
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Cached> e : new java.util.TreeMap<>(cache).entrySet()) {
            Cached c = e.getValue();
            b.append(e.getKey()).append('\t').append(c.id()).append('\t').append(c.expires().getEpochSecond()).append('\t')
                    .append(c.policy().mode().name()).append('\t').append(c.policy().maxAge().toSeconds()).append('\t')
                    .append(String.join(",", c.policy().mx())).append('\n');
        }
        Path file = cacheFile.get();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "MTA-STS policy cache " + file + " not saved: " + e.getMessage());
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
            // sts-id = 1*32(ALPHA / DIGIT)
            if (p.startsWith("id=") && p.substring(3).matches("[A-Za-z0-9]{1,32}")) return Optional.of(p.substring(3));
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

    /**
     * Undoes HTTP/1.1 chunked transfer coding (RFC 9112 §7.1): hex sizes with optional extensions, then the data;
     * a zero size ends it (trailers ignored). Web servers in front of many policy hosts answer this way.
     */
    static String dechunk(String body) throws IOException {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int eol = body.indexOf("\r\n", at);
            if (eol < 0) throw new IOException("malformed chunked policy response");
            String size = body.substring(at, eol);
            int semi = size.indexOf(';');
            if (semi >= 0) size = size.substring(0, semi);
            size = size.strip();
            if (!size.matches("[0-9a-fA-F]{1,6}")) throw new IOException("malformed chunk size");
            int n = Integer.parseInt(size, 16);
            if (n == 0) return out.toString();
            int start = eol + 2;
            if (start + n + 2 > body.length() || !body.startsWith("\r\n", start + n)) {
                throw new IOException("truncated chunked policy response");
            }
            out.append(body, start, start + n);
            if (out.length() > MAX_POLICY) throw new IOException("policy too large");
            at = start + n + 2;
        }
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
        String body = resp.substring(end + 4);
        if (head.toLowerCase(Locale.ROOT).contains("\r\ntransfer-encoding: chunked")) body = dechunk(body);
        if (body.length() > MAX_POLICY) throw new IOException("policy too large");
        return body;
    }
}
