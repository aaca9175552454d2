package org.tegami.server.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tegami.core.Limits;
import org.tegami.core.TegamiException;
import org.tegami.mime.EmailAddress;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Reads {@code tegami.toml}. Every key is optional; an unknown key or a wrong type is an error naming the file,
 * line and key, because a typo must never silently fall back to a default.
 */
public final class ConfigLoader {
    /** Services and their default listen addresses (the operator interface README documents). */
    public static final Map<String, List<String>> DEFAULT_LISTEN = defaults();

    private static final Set<String> TOP = Set.of("hostname", "data_dir", "listen", "tls", "limits", "dns", "outbound",
            "spam", "inbound", "forwarding", "sieve", "fetch", "log", "store", "blobs");
    private static final Set<String> LOG = Set.of("format", "history_days");
    private static final Set<String> STORE = Set.of("kind", "url", "user", "password");
    private static final Set<String> BLOBS = Set.of("kind", "endpoint", "bucket", "region", "access_key", "secret_key",
            "path_style");
    private static final Set<String> FORWARDING = Set.of("max_per_hour", "srs_max_age_days");
    private static final Set<String> SIEVE = Set.of("max_scripts", "max_script_size", "before", "after");
    private static final Set<String> FETCH = Set.of("enabled", "interval");
    private static final Set<String> INBOUND = Set.of("verify", "dmarc_reject", "trusted_arc_sealers", "dmarc_reports");
    private static final Set<String> SPAM = Set.of("enabled", "junk_score", "reject_score", "learning", "dnsbl", "greylisting",
            "greylist_delay", "rspamd", "rspamd_reject", "rspamd_controller", "rspamd_password");
    private static final Set<String> DNS = Set.of("nameservers", "dane", "trust_anchor");
    private static final Set<String> OUTBOUND = Set.of("mx_port", "mta_sts_port", "tls_ca", "give_up_after_days", "relay", "relay_security",
            "relay_username", "relay_password", "relay_for", "connections_per_host", "messages_per_connection",
            "idle_timeout_seconds", "host_backoff_seconds", "tls_reports");
    private static final Set<String> TLS = Set.of("cert", "key", "acme", "acme_email", "acme_ca");
    private static final Set<String> LIMITS = Set.of("message_size", "max_recipients", "connections", "connections_per_ip",
            "messages_per_hour");

    private ConfigLoader() {}

    private static Map<String, List<String>> defaults() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("smtp", List.of("0.0.0.0:25"));
        m.put("submission", List.of("0.0.0.0:587"));
        m.put("submissions", List.of("0.0.0.0:465"));
        m.put("pop3", List.of("0.0.0.0:110"));
        m.put("pop3s", List.of("0.0.0.0:995"));
        m.put("imap", List.of("0.0.0.0:143"));
        m.put("imaps", List.of("0.0.0.0:993"));
        m.put("managesieve", List.of("0.0.0.0:4190")); // RFC 5804 §1.8: STARTTLS, AUTHENTICATE only after it
        m.put("http", List.of());
        m.put("https", List.of());
        m.put("metrics", List.of()); // ADR 0017: Prometheus /metrics, off unless an address is given
        return m;
    }

    /**
     * Loads {@code file}; when it does not exist and {@code required} is false, returns the defaults with the data
     * directory relative to the working directory.
     */
    public static TegamiConfig load(Path file, boolean required) {
        if (!Files.exists(file)) {
            if (required) {
                throw new TegamiException("config file " + file + " not found (create it, or leave out --config to use"
                        + " ./tegami.toml or the defaults)");
            }
            return build(file, Toml.parse(""), Path.of("").toAbsolutePath(), Optional.empty());
        }
        TomlParseResult toml;
        try {
            toml = Toml.parse(file);
        } catch (IOException e) {
            throw new TegamiException("cannot read config file " + file + ": " + e.getMessage());
        } catch (org.tomlj.TomlParseError e) {
            throw syntaxError(file, e); // tomlj throws some errors instead of listing them, e.g. a bad escape in a quoted key
        }
        if (toml.hasErrors()) throw syntaxError(file, toml.errors().getFirst());
        Path base = file.toAbsolutePath().getParent();
        return build(file, toml, base, Optional.of(file));
    }

    private static TegamiException syntaxError(Path file, org.tomlj.TomlParseError err) {
        return new TegamiException(file + ":" + err.position().line() + ":" + err.position().column()
                + ": TOML syntax error: " + err.getMessage().replaceFirst(" \\(line \\d+, column \\d+\\)$", ""));
    }

    public static TegamiConfig load(Path file) {
        return load(file, true);
    }

    private static TegamiConfig build(Path file, TomlParseResult toml, Path base, Optional<Path> source) {
        Checker c = new Checker(file, toml);
        c.onlyKeys(toml, "", TOP);
        String hostname = c.string("hostname").orElseGet(ConfigLoader::defaultHostname);
        if (!EmailAddress.validDomain(hostname) || hostname.startsWith("[")) {
            throw c.error("hostname", "hostname \"" + hostname + "\" is not a valid domain name");
        }
        Path dataDir = base.resolve(c.string("data_dir").orElse("data")).normalize();

        Map<String, List<InetSocketAddress>> listen = new LinkedHashMap<>();
        TomlTable lt = c.table("listen");
        if (lt != null) c.onlyKeys(lt, "listen.", DEFAULT_LISTEN.keySet());
        for (var e : DEFAULT_LISTEN.entrySet()) {
            String key = "listen." + e.getKey();
            List<String> addrs = c.stringList(key).orElse(e.getValue());
            List<InetSocketAddress> out = new ArrayList<>();
            for (String a : addrs) out.add(c.address(key, a));
            listen.put(e.getKey(), List.copyOf(out));
        }

        TomlTable tt = c.table("tls");
        if (tt != null) c.onlyKeys(tt, "tls.", TLS);
        Optional<Path> cert = c.string("tls.cert").map(base::resolve);
        Optional<Path> key = c.string("tls.key").map(base::resolve);
        if (cert.isPresent() != key.isPresent()) {
            throw c.error(cert.isPresent() ? "tls.cert" : "tls.key", "set both [tls] cert and key, or neither"
                    + " (then a self-signed certificate is generated)");
        }
        Optional<org.tegami.server.acme.AcmeSettings> acme = acme(c, base, listen);
        if (acme.isPresent() && cert.isPresent()) {
            throw c.error("tls.acme", "set either [tls] acme (certificates obtained here) or cert and key (files), not both");
        }

        TomlTable lim = c.table("limits");
        if (lim != null) c.onlyKeys(lim, "limits.", LIMITS);
        Limits d = Limits.DEFAULTS;
        Limits limits = d.withMessageSize(c.positive("limits.message_size").orElse(d.messageSize()))
                .withConnections((int) c.positive("limits.connections").orElse((long) d.connectionsTotal()).longValue(),
                        (int) c.positive("limits.connections_per_ip").orElse((long) d.connectionsPerIp()).longValue());
        limits = limits.withRecipients((int) (long) c.positive("limits.max_recipients").orElse((long) d.recipients()))
                .withMessagesPerHour((int) (long) c.positive("limits.messages_per_hour").orElse((long) d.messagesPerHour()));
        TomlTable dns = c.table("dns");
        if (dns != null) c.onlyKeys(dns, "dns.", DNS);
        List<InetSocketAddress> nameservers = new ArrayList<>();
        for (String a : c.stringList("dns.nameservers").orElse(List.of())) nameservers.add(c.address("dns.nameservers", a));
        TomlTable outbound = c.table("outbound");
        if (outbound != null) c.onlyKeys(outbound, "outbound.", OUTBOUND);
        long mxPort = c.positive("outbound.mx_port").orElse(25L);
        if (mxPort > 65535) throw c.error("outbound.mx_port", "must be a port number (1-65535)");
        long giveUp = c.positive("outbound.give_up_after_days").orElse(5L);
        if (giveUp > 30) throw c.error("outbound.give_up_after_days", "must be 1 to 30 (days before undeliverable mail bounces)");
        long mtaStsPort = c.positive("outbound.mta_sts_port").orElse(443L);
        if (mtaStsPort > 65535) throw c.error("outbound.mta_sts_port", "must be a port number (1-65535)");
        javax.net.ssl.SSLContext trust = trustContext(c, c.string("outbound.tls_ca").map(base::resolve));
        return new TegamiConfig(hostname, dataDir, listen, cert, key, limits, List.copyOf(nameservers), (int) mxPort,
                relay(c, "outbound.", trust), relaysBySender(c, trust), trust, (int) mtaStsPort,
                java.time.Duration.ofDays(giveUp), connections(c), spam(c), inbound(c), abuse(c), forwarding(c), sieve(c),
                siteScript(c, base, "sieve.before"), siteScript(c, base, "sieve.after"), fetch(c), dnssecAnchors(c, base),
                c.bool("outbound.tls_reports").orElse(false), source, log(c), acme, store(c), blobs(c));
    }

    /**
     * {@code [blobs]}: {@code kind = "embedded"} (default: files under the data directory) or {@code "s3"} with
     * {@code endpoint}, {@code bucket}, {@code region} ("us-east-1"), {@code access_key}, {@code secret_key} and
     * {@code path_style} (false). Whether the bucket exists and takes the keys is checked when the store opens.
     */
    private static Optional<org.tegami.objects.s3.S3Settings> blobs(Checker c) {
        TomlTable t = c.table("blobs");
        if (t == null) return Optional.empty();
        c.onlyKeys(t, "blobs.", BLOBS);
        String kind = c.string("blobs.kind").orElse("embedded");
        if (kind.equals("embedded")) {
            for (String k : BLOBS.stream().sorted().toList()) {
                if (!k.equals("kind") && t.contains(k)) {
                    throw c.error("blobs." + k, "is used only with kind = \"s3\" (with kind = \"embedded\", blobs are files"
                            + " under data_dir): set kind = \"s3\" or remove this key");
                }
            }
            return Optional.empty();
        }
        if (!kind.equals("s3")) {
            throw c.error("blobs.kind", "must be \"embedded\" (files under data_dir, the default) or \"s3\" (an S3-compatible"
                    + " bucket), not \"" + kind + "\"");
        }
        java.net.URI endpoint = httpUrl(c, "blobs.endpoint", "https://s3.eu-west-1.amazonaws.com").orElseThrow(() ->
                c.error("blobs", "kind = \"s3\" needs endpoint = \"https://...\" (the S3 API's URL, e.g."
                        + " \"https://s3.eu-west-1.amazonaws.com\" or \"http://127.0.0.1:9000\" for a local MinIO)"));
        if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null || endpoint.getRawUserInfo() != null) {
            throw c.error("blobs.endpoint", "must be a plain URL such as \"https://s3.eu-west-1.amazonaws.com\" (no user,"
                    + " query or fragment; the keys go in access_key and secret_key)");
        }
        String bucket = c.string("blobs.bucket").orElseThrow(() -> c.error("blobs",
                "kind = \"s3\" needs bucket = \"NAME\" (an existing bucket; create it with your provider's tool, e.g."
                        + " `aws s3 mb s3://tegami`)"));
        // S3's bucket naming rules (3-63 of lowercase letters, digits, dots, hyphens); also keeps the name out of URLs' way
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw c.error("blobs.bucket", "\"" + bucket + "\" is not an S3 bucket name (3-63 lowercase letters, digits,"
                    + " dots and hyphens)");
        }
        String region = c.string("blobs.region").orElse("us-east-1");
        if (!region.matches("[a-z0-9-]{1,64}")) throw c.error("blobs.region", "must be a region name such as \"us-east-1\"");
        List<String> keys = new ArrayList<>();
        for (String k : List.of("access_key", "secret_key")) {
            String why = ": the key pair of an S3 user that may read, write, list and delete in the bucket";
            Optional<String> v = c.string("blobs." + k);
            if (v.isEmpty()) throw c.error("blobs", "kind = \"s3\" needs " + k + " = \"...\"" + why);
            if (v.get().isBlank()) throw c.error("blobs." + k, "must not be empty" + why);
            keys.add(v.get());
        }
        return Optional.of(new org.tegami.objects.s3.S3Settings(endpoint, bucket, region, keys.get(0), keys.get(1),
                c.bool("blobs.path_style").orElse(false)));
    }

    /** {@code [store]}: kind "embedded" (default) or "postgresql" with url (required), user and password. */
    private static StoreSettings store(Checker c) {
        TomlTable t = c.table("store");
        if (t == null) return new StoreSettings.Embedded();
        c.onlyKeys(t, "store.", STORE);
        String kind = c.string("store.kind").orElse("embedded");
        switch (kind) {
            case "embedded" -> {
                for (String k : List.of("url", "user", "password")) {
                    if (c.string("store." + k).isPresent()) {
                        throw c.error("store." + k, "only for kind = \"postgresql\" (the embedded store lives in data_dir)");
                    }
                }
                return new StoreSettings.Embedded();
            }
            case "postgresql" -> {
                String url = c.string("store.url").orElseThrow(() -> c.error("store.kind",
                        "kind = \"postgresql\" needs url = \"jdbc:postgresql://host:5432/database\""));
                if (!url.startsWith("jdbc:postgresql://")) {
                    throw c.error("store.url", "must be a PostgreSQL JDBC URL: jdbc:postgresql://host:5432/database");
                }
                return new StoreSettings.Postgres(url, c.string("store.user").orElse(""), c.string("store.password").orElse(""));
            }
            default -> throw c.error("store.kind", "unknown store kind \"" + kind + "\" (allowed: "
                    + String.join(", ", StoreSettings.KINDS) + ")");
        }
    }

    /** {@code [tls] acme}: the CA's directory URL (https), with {@code acme_email} and {@code acme_ca}. */
    private static Optional<org.tegami.server.acme.AcmeSettings> acme(Checker c, Path base,
                                                                     Map<String, List<InetSocketAddress>> listen) {
        Optional<String> url = c.string("tls.acme");
        Optional<String> email = c.string("tls.acme_email");
        Optional<Path> ca = c.string("tls.acme_ca").map(base::resolve);
        if (url.isEmpty()) {
            if (email.isPresent()) throw c.error("tls.acme_email", "needs [tls] acme (the CA's directory URL)");
            if (ca.isPresent()) throw c.error("tls.acme_ca", "needs [tls] acme (the CA's directory URL)");
            return Optional.empty();
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(url.get());
        } catch (java.net.URISyntaxException e) {
            throw c.error("tls.acme", "is not a URL: " + e.getMessage());
        }
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw c.error("tls.acme", "must be the CA's https:// directory URL, e.g."
                    + " \"https://acme-v02.api.letsencrypt.org/directory\"");
        }
        if (email.isPresent() && EmailAddress.parse(email.get()).isEmpty()) {
            throw c.error("tls.acme_email", "\"" + email.get() + "\" is not an email address");
        }
        if (listen.getOrDefault("http", List.of()).isEmpty() && listen.getOrDefault("https", List.of()).isEmpty()) {
            throw c.error("tls.acme", "the CA must reach this server to validate it: set [listen] http = [\"0.0.0.0:80\"]"
                    + " (HTTP-01) or https = [\"0.0.0.0:443\"] (TLS-ALPN-01)");
        }
        return Optional.of(new org.tegami.server.acme.AcmeSettings(uri, email, ca));
    }

    /**
     * {@code [log] format}: "text" (default, one line per event) or "json" (one object per line); {@code
     * history_days}: how long the trace history keeps lines about messages (0: none).
     */
    private static org.tegami.server.log.LogSettings log(Checker c) {
        TomlTable t = c.table("log");
        if (t != null) c.onlyKeys(t, "log.", LOG);
        var format = switch (c.string("log.format").orElse("text")) {
            case "text" -> org.tegami.server.log.LogFormat.TEXT;
            case "json" -> org.tegami.server.log.LogFormat.JSON;
            default -> throw c.error("log.format", "must be \"text\" or \"json\"");
        };
        long days = c.wholeNumber("log.history_days").orElse(org.tegami.server.log.LogSettings.DEFAULTS.history().toDays());
        if (days < 0 || days > 3650) throw c.error("log.history_days", "must be 0 (keep no history) to 3650");
        return new org.tegami.server.log.LogSettings(format, java.time.Duration.ofDays(days));
    }

    /** {@code [outbound]} connection reuse and politeness per MX host. */
    private static org.tegami.queue.QueueRunner.Connections connections(Checker c) {
        var d = org.tegami.queue.QueueRunner.Connections.DEFAULTS;
        long perHost = c.positive("outbound.connections_per_host").orElse((long) d.perHost());
        if (perHost > 1000) throw c.error("outbound.connections_per_host", "must be 1 to 1000");
        long perConnection = c.positive("outbound.messages_per_connection").orElse((long) d.messagesPerConnection());
        if (perConnection > 100_000) throw c.error("outbound.messages_per_connection", "must be 1 to 100000 (1: a new connection per message)");
        long idle = c.positive("outbound.idle_timeout_seconds").orElse(d.idle().toSeconds());
        if (idle > 300) throw c.error("outbound.idle_timeout_seconds", "must be 1 to 300 (RFC 5321 §4.5.3.2.7: servers wait 5 minutes)");
        long rest = c.positive("outbound.host_backoff_seconds").orElse(d.hostBackoff().toSeconds());
        if (rest > 3600) throw c.error("outbound.host_backoff_seconds", "must be 1 to 3600");
        return new org.tegami.queue.QueueRunner.Connections((int) perHost, (int) perConnection,
                java.time.Duration.ofSeconds(idle), java.time.Duration.ofSeconds(rest));
    }

    /**
     * {@code [dns] dane} (default true) and {@code [dns] trust_anchor}: a file of DS or DNSKEY records in zone-file
     * syntax (default: the root zone's KSKs), read and parsed now so a broken file stops the server at startup.
     */
    private static Optional<String> dnssecAnchors(Checker c, Path base) {
        if (!c.bool("dns.dane").orElse(true)) return Optional.empty();
        Optional<Path> file = c.string("dns.trust_anchor").map(base::resolve);
        if (file.isEmpty()) return Optional.of(org.tegami.queue.dane.DnssecResolver.ROOT_ANCHORS);
        String text;
        try {
            text = java.nio.file.Files.readString(file.get(), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw c.error("dns.trust_anchor", "cannot read the trust anchor file " + file.get() + " (" + e.getMessage() + ")");
        }
        try {
            var m = new org.xbill.DNS.Master(new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            int n = 0;
            for (org.xbill.DNS.Record r; (r = m.nextRecord()) != null; ) {
                if (r.getType() != org.xbill.DNS.Type.DS && r.getType() != org.xbill.DNS.Type.DNSKEY) {
                    throw c.error("dns.trust_anchor", file.get() + ": only DS and DNSKEY records may be trust anchors, not " + r);
                }
                n++;
            }
            if (n == 0) throw c.error("dns.trust_anchor", file.get() + " holds no DS or DNSKEY record");
        } catch (java.io.IOException | RuntimeException e) {
            if (e instanceof org.tegami.core.TegamiException t) throw t;
            throw c.error("dns.trust_anchor", file.get() + ": not DS or DNSKEY records in zone-file syntax (" + e.getMessage() + ")");
        }
        return Optional.of(text);
    }

    /** {@code [forwarding]}: copies per alias and hour, and how long SRS addresses take bounces. */
    private static org.tegami.delivery.forward.ForwardingSettings forwarding(Checker c) {
        TomlTable t = c.table("forwarding");
        if (t != null) c.onlyKeys(t, "forwarding.", FORWARDING);
        var d = org.tegami.delivery.forward.ForwardingSettings.DEFAULTS;
        long perHour = c.positive("forwarding.max_per_hour").orElse((long) d.maxPerHour());
        if (perHour > 1_000_000) throw c.error("forwarding.max_per_hour", "must be 1 to 1000000");
        long days = c.positive("forwarding.srs_max_age_days").orElse(d.srsMaxAge().toDays());
        // the day stamp wraps at 1024 days; beyond half of that an old address could look new
        if (days > 365) throw c.error("forwarding.srs_max_age_days", "must be 1 to 365 (days a bounce to a forwarded copy is accepted)");
        return new org.tegami.delivery.forward.ForwardingSettings((int) perHour, d.maxReceived(), java.time.Duration.ofDays(days));
    }

    /**
     * {@code [sieve] before}/{@code after}: a site script's file (relative to this file), read and compiled now so a
     * mistake stops the server at startup with its line and column rather than at the first message.
     */
    private static Optional<String> siteScript(Checker c, Path base, String key) {
        Optional<Path> file = c.string(key).map(base::resolve);
        if (file.isEmpty()) return Optional.empty();
        String text;
        try {
            text = java.nio.file.Files.readString(file.get(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw c.error(key, "cannot read the Sieve script " + file.get() + " (" + e.getMessage() + ")");
        }
        try {
            org.tegami.sieve.Sieve.compile(text, org.tegami.sieve.SieveLimits.DEFAULTS);
        } catch (org.tegami.sieve.SieveException e) {
            throw c.error(key, file.get() + ": " + e.getMessage());
        }
        return Optional.of(text);
    }

    /**
     * {@code [sieve]}: how many Sieve scripts an account may keep ({@code max_scripts}) and how large each may be
     * ({@code max_script_size}: bytes, or a string with a k or M suffix such as "64k").
     */
    private static org.tegami.store.SieveScriptStore.Quota sieve(Checker c) {
        TomlTable t = c.table("sieve");
        if (t != null) c.onlyKeys(t, "sieve.", SIEVE);
        var d = org.tegami.store.SieveScriptStore.Quota.DEFAULTS;
        long scripts = c.positive("sieve.max_scripts").orElse((long) d.maxScripts());
        if (scripts > 1000) throw c.error("sieve.max_scripts", "must be 1 to 1000");
        long size = d.maxScriptSize();
        if (c.toml().contains("sieve.max_script_size")) {
            Object v = c.toml().get("sieve.max_script_size");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})([kKmM]?)").matcher(String.valueOf(v));
            if (!(v instanceof String || v instanceof Long) || !m.matches()) {
                throw c.error("sieve.max_script_size", "must be a size such as \"64k\", \"1M\" or whole bytes");
            }
            size = Long.parseLong(m.group(1)) * switch (m.group(2)) {
                case "k", "K" -> 1024L;
                case "m", "M" -> 1024L * 1024;
                default -> 1L;
            };
            // a script is read whole into memory by ManageSieve and by delivery
            if (size < 1 || size > 16L * 1024 * 1024) throw c.error("sieve.max_script_size", "must be 1 byte to 16M");
        }
        return new org.tegami.store.SieveScriptStore.Quota((int) scripts, (int) size);
    }

    /** {@code [fetch]}: the scheduler on (default) or off, and the interval between polls of one source. */
    private static org.tegami.fetch.FetchSettings fetch(Checker c) {
        TomlTable t = c.table("fetch");
        if (t != null) c.onlyKeys(t, "fetch.", FETCH);
        var d = org.tegami.fetch.FetchSettings.DEFAULTS;
        java.time.Duration interval = d.interval();
        if (c.toml().contains("fetch.interval")) {
            interval = duration(c, "fetch.interval");
            if (interval.compareTo(java.time.Duration.ofMinutes(1)) < 0 || interval.compareTo(java.time.Duration.ofDays(1)) > 0) {
                throw c.error("fetch.interval", "must be from 1 minute to 24 hours (e.g. \"5m\")");
            }
        }
        return new org.tegami.fetch.FetchSettings(c.bool("fetch.enabled").orElse(d.enabled()), interval, d.concurrency(), d.tick());
    }

    /** A duration such as "30s", "5m", "1h", or whole seconds. */
    private static java.time.Duration duration(Checker c, String key) {
        Object v = c.toml().get(key);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})([smh]?)").matcher(String.valueOf(v));
        if (!(v instanceof String || v instanceof Long) || !m.matches()) {
            throw c.error(key, "must be a duration such as \"5m\", \"30s\", \"1h\" or whole seconds");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofSeconds(n);
        };
    }

    /** {@code [inbound]}: sender authentication on and DMARC reject honoured unless turned off. */
    private static org.tegami.delivery.InboundSettings inbound(Checker c) {
        TomlTable t = c.table("inbound");
        if (t != null) c.onlyKeys(t, "inbound.", INBOUND);
        var d = org.tegami.delivery.InboundSettings.DEFAULTS;
        List<String> sealers = c.stringList("inbound.trusted_arc_sealers").orElse(d.trustedArcSealers());
        for (String s : sealers) {
            if (!s.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")) {
                throw c.error("inbound.trusted_arc_sealers", "'" + s + "' is not a domain name (give the d= domain of the forwarder's ARC-Seal)");
            }
        }
        return new org.tegami.delivery.InboundSettings(c.bool("inbound.verify").orElse(d.verify()),
                c.bool("inbound.dmarc_reject").orElse(d.dmarcReject()), sealers,
                c.bool("inbound.dmarc_reports").orElse(d.dmarcReports()));
    }

    /**
     * {@code [spam]}'s abuse defences, all off by default: {@code dnsbl} zones, {@code greylisting} with its
     * {@code greylist_delay} ("30s", "5m", "1h", or whole seconds), {@code rspamd} (an http URL) and whether its
     * reject is honoured ({@code rspamd_reject}).
     */
    private static org.tegami.delivery.abuse.AbuseSettings abuse(Checker c) {
        var d = org.tegami.delivery.abuse.AbuseSettings.DEFAULTS;
        List<String> zones = c.stringList("spam.dnsbl").orElse(d.dnsbl());
        for (String z : zones) {
            if (!EmailAddress.validDomain(z.endsWith(".") ? z.substring(0, z.length() - 1) : z) || !z.contains(".")) {
                throw c.error("spam.dnsbl", "'" + z + "' is not a DNS zone (e.g. \"zen.spamhaus.org\")");
            }
        }
        java.time.Duration delay = d.greylistDelay();
        if (c.toml().contains("spam.greylist_delay")) {
            Object v = c.toml().get("spam.greylist_delay");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})([smh]?)").matcher(String.valueOf(v));
            if (!(v instanceof String || v instanceof Long) || !m.matches()) {
                throw c.error("spam.greylist_delay", "must be a duration such as \"5m\", \"30s\", \"1h\" or whole seconds");
            }
            long n = Long.parseLong(m.group(1));
            delay = switch (m.group(2)) {
                case "m" -> java.time.Duration.ofMinutes(n);
                case "h" -> java.time.Duration.ofHours(n);
                default -> java.time.Duration.ofSeconds(n);
            };
            if (delay.compareTo(org.tegami.delivery.abuse.GreylistStage.RETRY_WINDOW) >= 0) {
                throw c.error("spam.greylist_delay", "must be below 24 hours (a retry later than that starts over)");
            }
        }
        Optional<java.net.URI> rspamd = httpUrl(c, "spam.rspamd", "http://127.0.0.1:11333");
        Optional<java.net.URI> controller = httpUrl(c, "spam.rspamd_controller", "http://127.0.0.1:11334");
        if (controller.isPresent() && rspamd.isEmpty()) {
            throw c.error("spam.rspamd_controller", "is used only with [spam] rspamd: set that too, or remove this key");
        }
        return new org.tegami.delivery.abuse.AbuseSettings(zones, c.bool("spam.greylisting").orElse(d.greylisting()),
                delay, rspamd, c.bool("spam.rspamd_reject").orElse(d.rspamdReject()), controller,
                c.string("spam.rspamd_password"));
    }

    private static Optional<java.net.URI> httpUrl(Checker c, String key, String example) {
        return c.string(key).map(u -> {
            try {
                java.net.URI uri = new java.net.URI(u);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new java.net.URISyntaxException(u, "not an http URL");
                }
                return uri;
            } catch (java.net.URISyntaxException e) {
                throw c.error(key, "'" + u + "' is not an http URL such as \"" + example + "\"");
            }
        });
    }

    /** {@code [spam]}: scores are fractions in (0, 1]; reject_score absent (the default) never refuses. */
    private static org.tegami.delivery.spam.SpamSettings spam(Checker c) {
        TomlTable t = c.table("spam");
        if (t != null) c.onlyKeys(t, "spam.", SPAM);
        var d = org.tegami.delivery.spam.SpamSettings.DEFAULTS;
        double junk = c.fraction("spam.junk_score").orElse(d.junkScore());
        java.util.OptionalDouble reject = c.fraction("spam.reject_score").map(java.util.OptionalDouble::of)
                .orElse(java.util.OptionalDouble.empty());
        if (reject.isPresent() && reject.getAsDouble() < junk) {
            throw c.error("spam.reject_score", "must not be below junk_score (" + junk + ")");
        }
        return new org.tegami.delivery.spam.SpamSettings(c.bool("spam.enabled").orElse(d.enabled()), junk, reject,
                c.bool("spam.learning").orElse(d.learning()));
    }

    /** {@code [outbound] relay}: always TLS (STARTTLS or implicit) with a verified certificate; login optional. */
    private static Optional<org.tegami.queue.QueueRunner.Relay> relay(Checker c, String p, javax.net.ssl.SSLContext trust) {
        Optional<String> hostPort = c.string(p + "relay");
        if (hostPort.isEmpty()) {
            for (String k : List.of("relay_security", "relay_username", "relay_password")) {
                if (c.toml().contains(p + k)) throw c.error(p + k, "needs relay = \"host:port\" beside it");
            }
            return Optional.empty();
        }
        int colon = hostPort.get().lastIndexOf(':');
        int port;
        try {
            port = Integer.parseInt(hostPort.get().substring(colon + 1));
        } catch (RuntimeException e) {
            port = -1;
        }
        if (colon <= 0 || port < 1 || port > 65535) throw c.error(p + "relay", "must be \"host:port\", e.g. \"smtp.provider.example:587\"");
        String host = hostPort.get().substring(0, colon);
        String security = c.string(p + "relay_security").orElse(port == 465 ? "tls" : "starttls");
        if (!security.equals("tls") && !security.equals("starttls")) {
            throw c.error(p + "relay_security", "must be \"starttls\" (port 587) or \"tls\" (port 465)");
        }
        Optional<String> user = c.string(p + "relay_username");
        Optional<String> password = c.string(p + "relay_password");
        if (user.isPresent() != password.isPresent()) {
            throw c.error(user.isPresent() ? p + "relay_username" : p + "relay_password", "set both relay_username and relay_password");
        }
        return Optional.of(new org.tegami.queue.QueueRunner.Relay(host, port, new org.tegami.queue.SmtpClient.Security(
                trust, true, security.equals("tls"), user.orElse(null), password.orElse(null))));
    }

    /**
     * {@code [outbound.relay_for."example.org"]}: a smarthost for mail whose envelope sender is in that domain
     * (each hosted domain may use its own provider); keys as for the global relay.
     */
    private static Map<String, org.tegami.queue.QueueRunner.Relay> relaysBySender(Checker c, javax.net.ssl.SSLContext trust) {
        Map<String, org.tegami.queue.QueueRunner.Relay> out = new LinkedHashMap<>();
        TomlTable t = c.table("outbound.relay_for");
        if (t == null) return out;
        for (String domain : t.keySet()) {
            String p = "outbound.relay_for." + keyPart(domain) + ".";
            if (!t.isTable(List.of(domain))) throw c.error(p.substring(0, p.length() - 1), "must be a table of relay settings");
            c.onlyKeys(t.getTable(List.of(domain)), p, Set.of("relay", "relay_security", "relay_username", "relay_password"));
            var relay = relay(c, p, trust);
            if (relay.isEmpty()) throw c.error(p.substring(0, p.length() - 1), "needs relay = \"host:port\"");
            out.put(domain.toLowerCase(java.util.Locale.ROOT), relay.get());
        }
        return Map.copyOf(out);
    }

    /** The JDK's trusted CAs, plus the certificates of an extra PEM file when given (a private relay's CA). */
    private static javax.net.ssl.SSLContext trustContext(Checker c, Optional<Path> extra) {
        try {
            var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            if (extra.isEmpty()) {
                tmf.init((java.security.KeyStore) null);
            } else {
                var ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
                ks.load(null, null);
                var defaults = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                defaults.init((java.security.KeyStore) null);
                int n = 0;
                for (var tm : defaults.getTrustManagers()) {
                    if (tm instanceof javax.net.ssl.X509TrustManager x) {
                        for (var cert : x.getAcceptedIssuers()) ks.setCertificateEntry("system-" + n++, cert);
                    }
                }
                try (var in = Files.newInputStream(extra.get())) {
                    for (var cert : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        ks.setCertificateEntry("relay-" + n++, cert);
                    }
                }
                tmf.init(ks);
            }
            var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw c.error("outbound.tls_ca", "cannot read trusted certificates from " + extra.map(Path::toString).orElse("the JDK")
                    + ": " + e.getMessage());
        }
    }

    static String defaultHostname() {
        try {
            String h = InetAddress.getLocalHost().getCanonicalHostName();
            return EmailAddress.validDomain(h) && !h.matches("[0-9.]+") ? h : "localhost";
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** One part of a dotted key as TOML writes it: bare when it can be, else a basic string with escapes. */
    static String keyPart(String k) {
        if (!k.isEmpty() && k.chars().allMatch(c -> c < 0x80 && (Character.isLetterOrDigit(c) || c == '_' || c == '-'))) return k;
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /** Typed access that turns every mistake into "file:line: key: what is wrong and how to fix it". */
    private record Checker(Path file, TomlParseResult toml) {
        TegamiException error(String key, String msg) {
            TomlPosition p;
            try {
                p = toml.inputPositionOf(key);
            } catch (IllegalArgumentException e) {
                p = null; // a key tomlj cannot read back as a dotted key: the message still names it
            }
            return new TegamiException(file + (p == null ? "" : ":" + p.line()) + ": " + key + ": " + msg);
        }

        void onlyKeys(TomlTable t, String prefix, Set<String> allowed) {
            for (String k : t.keySet()) {
                if (!allowed.contains(k)) {
                    throw error(prefix + keyPart(k), "unknown key (known here: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
        }

        TomlTable table(String key) {
            if (!toml.contains(key)) return null;
            if (!toml.isTable(key)) throw error(key, "must be a table [" + key + "]");
            return toml.getTable(key);
        }

        Optional<String> string(String key) {
            if (!toml.contains(key)) return Optional.empty();
            if (!toml.isString(key)) throw error(key, "must be a string in double quotes");
            return Optional.of(toml.getString(key));
        }

        Optional<Double> fraction(String key) {
            if (!toml.contains(key)) return Optional.empty();
            double v = toml.isDouble(key) ? toml.getDouble(key) : toml.isLong(key) ? toml.getLong(key) : -1;
            if (!(v > 0 && v <= 1)) throw error(key, "must be a number above 0 and at most 1, e.g. 0.9");
            return Optional.of(v);
        }

        Optional<Boolean> bool(String key) {
            if (!toml.contains(key)) return Optional.empty();
            if (!toml.isBoolean(key)) throw error(key, "must be true or false");
            return Optional.of(toml.getBoolean(key));
        }

        Optional<Long> wholeNumber(String key) {
            if (!toml.contains(key)) return Optional.empty();
            if (!toml.isLong(key)) throw error(key, "must be a whole number");
            return Optional.of(toml.getLong(key));
        }

        Optional<Long> positive(String key) {
            if (!toml.contains(key)) return Optional.empty();
            if (!toml.isLong(key) || toml.getLong(key) <= 0) throw error(key, "must be a positive whole number");
            return Optional.of(toml.getLong(key));
        }

        Optional<List<String>> stringList(String key) {
            if (!toml.contains(key)) return Optional.empty();
            if (!toml.isArray(key)) throw error(key, "must be a list of \"host:port\" strings, e.g. [\"0.0.0.0:25\"]");
            TomlArray a = toml.getArray(key);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                if (!(a.get(i) instanceof String s)) throw error(key, "must be a list of \"host:port\" strings");
                out.add(s);
            }
            return Optional.of(out);
        }

        InetSocketAddress address(String key, String hostPort) {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) throw error(key, "\"" + hostPort + "\" is not host:port (e.g. \"0.0.0.0:25\" or \"[::]:25\")");
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) throw error(key, "\"" + hostPort + "\" has no valid port (0-65535)");
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                throw error(key, "cannot resolve \"" + host + "\"; use an IP address such as 0.0.0.0 or 127.0.0.1");
            }
        }
    }
}
