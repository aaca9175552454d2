package org.tegami.server.http;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import org.tegami.server.config.TegamiConfig;

/**
 * What a mail client needs to know about this server: its hostname and which client services listen on which
 * port. The single source for autoconfig, Autodiscover, Apple profiles and {@code tegami dns}.
 *
 * @param hostname the name clients connect to (the certificate's name)
 * @param ports enabled client services and their ports; a service not in the map is not offered
 * @param inboundSmtp whether the MX service (port 25) listens, i.e. whether an MX record makes sense
 */
public record ClientSettings(String hostname, Map<Service, Integer> ports, boolean inboundSmtp) {

    /** Mail protocols as clients name them. */
    public enum Protocol { IMAP, POP3, SMTP }

    /** Implicit TLS from the first byte, or STARTTLS on a plain connection (never plaintext). */
    public enum Security { SSL, STARTTLS }

    /**
     * Client services in the order a client should prefer them: IMAP before POP3, implicit TLS before STARTTLS
     * (RFC 8314 §3.3, §5.1).
     */
    public enum Service {
        IMAPS("imaps", Protocol.IMAP, Security.SSL, 993),
        IMAP("imap", Protocol.IMAP, Security.STARTTLS, 143),
        POP3S("pop3s", Protocol.POP3, Security.SSL, 995),
        POP3("pop3", Protocol.POP3, Security.STARTTLS, 110),
        SUBMISSIONS("submissions", Protocol.SMTP, Security.SSL, 465),
        SUBMISSION("submission", Protocol.SMTP, Security.STARTTLS, 587);

        private final String configKey;
        private final Protocol protocol;
        private final Security security;
        private final int standardPort;

        Service(String configKey, Protocol protocol, Security security, int standardPort) {
            this.configKey = configKey;
            this.protocol = protocol;
            this.security = security;
            this.standardPort = standardPort;
        }

        /** The {@code [listen]} key in tegami.toml, which is also the RFC 6186 / RFC 8314 SRV service name. */
        public String configKey() {
            return configKey;
        }

        public Protocol protocol() {
            return protocol;
        }

        public Security security() {
            return security;
        }

        public int standardPort() {
            return standardPort;
        }

        public boolean incoming() {
            return protocol != Protocol.SMTP;
        }
    }

    public ClientSettings {
        Objects.requireNonNull(hostname, "hostname");
        if (hostname.isBlank()) throw new IllegalArgumentException("hostname must not be blank");
        EnumMap<Service, Integer> copy = new EnumMap<>(Service.class);
        ports.forEach((s, p) -> {
            if (p < 1 || p > 65535) throw new IllegalArgumentException(s.configKey() + ": port " + p + " out of range");
            copy.put(Objects.requireNonNull(s), p);
        });
        ports = Collections.unmodifiableMap(copy);
    }

    /**
     * From the listeners really bound (their actual ports, also when the config said port 0): what a running
     * server advertises.
     */
    public static ClientSettings fromBound(String hostname, java.util.Map<String, Integer> boundPorts) {
        EnumMap<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            Integer port = boundPorts.get(s.configKey());
            if (port != null) ports.put(s, port);
        }
        return new ClientSettings(hostname, ports, boundPorts.containsKey("smtp"));
    }

    public static ClientSettings from(TegamiConfig cfg) {
        EnumMap<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            var addrs = cfg.listen(s.configKey());
            if (!addrs.isEmpty() && addrs.getFirst().getPort() != 0) ports.put(s, addrs.getFirst().getPort());
        }
        return new ClientSettings(cfg.hostname(), ports, !cfg.listen("smtp").isEmpty());
    }

    public OptionalInt port(Service s) {
        Integer p = ports.get(s);
        return p == null ? OptionalInt.empty() : OptionalInt.of(p);
    }

    /** Enabled services in preference order. */
    public List<Service> enabled() {
        return Arrays.stream(Service.values()).filter(ports::containsKey).toList();
    }

    /** Enabled IMAP and POP3 services in preference order. */
    public List<Service> incoming() {
        return enabled().stream().filter(Service::incoming).toList();
    }

    /** Enabled submission services in preference order. */
    public List<Service> outgoing() {
        return enabled().stream().filter(s -> !s.incoming()).toList();
    }
}
