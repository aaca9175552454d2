package org.tegami.core.metrics;

import java.util.Locale;
import java.util.Set;
import org.tegami.core.log.LogContext;

/**
 * The one place protocol code reports what it counts. Nothing here knows Prometheus: the server installs a
 * {@link Sink} when a metrics listener is configured; until then every call is a volatile read and a return.
 *
 * <p>Every label value passes through a fixed set here, so a family's series stay bounded whatever a peer sends:
 * no user names, addresses or free text ever become a label (an unknown value becomes {@code "other"}).
 * Thread-safe: sinks must be.
 */
public final class Metrics {

    /** The kind of a family, as Prometheus knows it. */
    public enum Kind { COUNTER, GAUGE, HISTOGRAM }

    /** Every metric family Tegami exports (documented in docs/metrics.md). */
    public enum Family {
        CONNECTIONS("tegami_connections_total", Kind.COUNTER, "Connections accepted and served, by listener.", "service"),
        CONNECTIONS_OPEN("tegami_connections_open", Kind.GAUGE, "Connections open now, by listener.", "service"),
        SMTP_MESSAGES("tegami_smtp_messages_total", Kind.COUNTER,
                "Messages at the end of DATA/BDAT, by listener and reply class.", "service", "result"),
        AUTH_ATTEMPTS("tegami_auth_attempts_total", Kind.COUNTER, "Password checks, by protocol and outcome.",
                "protocol", "result"),
        IMAP_COMMANDS("tegami_imap_commands_total", Kind.COUNTER, "IMAP commands executed, by command.", "command"),
        IMAP_COMMAND_SECONDS("tegami_imap_command_seconds", Kind.HISTOGRAM,
                "Time to execute an IMAP command, reply included, by command.", "command"),
        POP3_COMMANDS("tegami_pop3_commands_total", Kind.COUNTER, "POP3 commands executed, by command.", "command"),
        MANAGESIEVE_COMMANDS("tegami_managesieve_commands_total", Kind.COUNTER,
                "ManageSieve commands executed, by command.", "command"),
        QUEUE_MESSAGES("tegami_queue_messages", Kind.GAUGE, "Entries in the outbound queue."),
        OUTBOUND_DELIVERIES("tegami_outbound_deliveries_total", Kind.COUNTER,
                "Outbound delivery attempts per recipient, by outcome.", "result"),
        TLS_HANDSHAKES("tegami_tls_handshakes_total", Kind.COUNTER, "Completed server TLS handshakes, by listener and"
                + " protocol version.", "service", "version"),
        INBOUND_VERDICTS("tegami_inbound_verdicts_total", Kind.COUNTER,
                "Verdicts of the inbound checks (spf, dkim, dmarc, spam), by check and result.", "check", "result");

        private final String metricName;
        private final Kind kind;
        private final String help;
        private final String[] labels;

        Family(String metricName, Kind kind, String help, String... labels) {
            this.metricName = metricName;
            this.kind = kind;
            this.help = help;
            this.labels = labels;
        }

        public String metricName() {
            return metricName;
        }

        public Kind kind() {
            return kind;
        }

        public String help() {
            return help;
        }

        public String[] labels() {
            return labels.clone();
        }
    }

    /** Receives the counts; label values arrive already bounded, in the order of {@link Family#labels()}. */
    public interface Sink {
        /** Adds {@code amount} to a counter or gauge. */
        void add(Family family, double amount, String... labels);

        /** Sets a gauge. */
        void set(Family family, double value, String... labels);

        /** Records one observation of a histogram. */
        void observe(Family family, double value, String... labels);
    }

    static final String OTHER = "other";
    static final Set<String> SERVICES = Set.of("smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s",
            "managesieve", "http", "https");
    static final Set<String> SMTP_RESULTS = Set.of("accepted", "rejected", "tempfail");
    static final Set<String> PROTOCOLS = Set.of("smtp", "imap", "pop3", "managesieve");
    static final Set<String> AUTH_RESULTS = Set.of("success", "failure", "throttled");
    static final Set<String> OUTBOUND_RESULTS = Set.of("delivered", "deferred", "bounced");
    static final Set<String> TLS_VERSIONS = Set.of("TLSv1.2", "TLSv1.3");
    static final Set<String> CHECKS = Set.of("spf", "dkim", "dmarc", "spam");
    /** RFC 8601 §2.7 result keywords of SPF, DKIM and DMARC, and the spam classifier's verdicts. */
    static final Set<String> VERDICTS = Set.of("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror",
            "policy", "ham", "junk", "reject");
    /** The IMAP command records by their lowercased type name (ListCmd is LIST). */
    static final Set<String> IMAP_COMMANDS = Set.of("capability", "noop", "logout", "starttls", "authenticate", "login",
            "enable", "select", "examine", "create", "delete", "rename", "subscribe", "unsubscribe", "list", "lsub",
            "namespace", "status", "append", "catenate", "replace", "setmetadata", "getmetadata", "getquota",
            "getquotaroot", "notify", "setacl", "deleteacl", "getacl", "listrights", "myrights", "setquota", "idle",
            "check", "close", "unselect", "expunge", "unauthenticate", "compress", "uidexpunge", "search", "sort",
            "cancelupdate", "thread", "multisearch", "fetch", "store", "copy", "move", "id");

    /** The POP3 command records by their lowercased type name (RFC 1939, 2449, 2595, 5034, 6856). */
    static final Set<String> POP3_COMMANDS = Set.of("user", "pass", "stat", "list", "retr", "dele", "noop", "rset", "quit",
            "top", "uidl", "capa", "stls", "auth", "utf8");
    /** The ManageSieve command records by their lowercased type name (RFC 5804 §2). */
    static final Set<String> MANAGESIEVE_COMMANDS = Set.of("authenticate", "starttls", "logout", "capability", "havespace",
            "putscript", "listscripts", "setactive", "getscript", "deletescript", "renamescript", "checkscript", "noop",
            "unauthenticate");

    private static volatile Sink sink;

    private Metrics() {}

    /** Starts sending counts to {@code s} (the server does this when a metrics listener is configured). */
    public static void install(Sink s) {
        sink = s;
    }

    /** Stops sending counts to {@code s}, if it is the installed sink. */
    public static void uninstall(Sink s) {
        if (sink == s) sink = null;
    }

    /** Whether a sink is installed; callers with costly label work may skip it when not. */
    public static boolean enabled() {
        return sink != null;
    }

    static String bound(String value, Set<String> allowed) {
        return value != null && allowed.contains(value) ? value : OTHER;
    }

    /** A connection was accepted on the listener of {@code service}. */
    public static void connectionOpened(String service) {
        Sink s = sink;
        if (s == null) return;
        String v = bound(service, SERVICES);
        s.add(Family.CONNECTIONS, 1, v);
        s.add(Family.CONNECTIONS_OPEN, 1, v);
    }

    /** A connection counted by {@link #connectionOpened} ended. */
    public static void connectionClosed(String service) {
        Sink s = sink;
        if (s == null) return;
        s.add(Family.CONNECTIONS_OPEN, -1, bound(service, SERVICES));
    }

    /** An HTTP request (the JDK's server shows no connections, so each request counts as one, never open). */
    public static void httpRequest(String service) {
        Sink s = sink;
        if (s == null) return;
        s.add(Family.CONNECTIONS, 1, bound(service, SERVICES));
    }

    /** A TLS handshake completed; {@code protocol} as {@code SSLSession.getProtocol()} names it. */
    public static void tlsHandshake(String service, String protocol) {
        Sink s = sink;
        if (s == null) return;
        s.add(Family.TLS_HANDSHAKES, 1, bound(service, SERVICES), bound(protocol, TLS_VERSIONS));
    }

    /**
     * The end of one message's data, by the class of the reply (2xx, 5xx or 4xx); the service is that of the
     * connection this thread serves.
     */
    public static void smtpMessage(int replyCode) {
        Sink s = sink;
        if (s == null) return;
        String result = replyCode < 300 ? "accepted" : replyCode >= 500 ? "rejected" : "tempfail";
        s.add(Family.SMTP_MESSAGES, 1, bound(LogContext.service().orElse(""), SERVICES), result);
    }

    /**
     * One password check ({@code success}, {@code failure}, {@code throttled}); the protocol is taken from the
     * service of the connection this thread serves.
     */
    public static void authAttempt(String result) {
        Sink s = sink;
        if (s == null) return;
        s.add(Family.AUTH_ATTEMPTS, 1, protocolOf(LogContext.service().orElse("")), bound(result, AUTH_RESULTS));
    }

    static String protocolOf(String service) {
        return switch (service) {
            case "smtp", "submission", "submissions" -> "smtp";
            case "imap", "imaps" -> "imap";
            case "pop3", "pop3s" -> "pop3";
            case "managesieve" -> "managesieve";
            default -> OTHER;
        };
    }

    /** One IMAP command executed in {@code nanos}; {@code command} is the lowercased name of its record type. */
    public static void imapCommand(String command, long nanos) {
        Sink s = sink;
        if (s == null) return;
        String c = "listcmd".equals(command) ? "list" : bound(command, IMAP_COMMANDS);
        s.add(Family.IMAP_COMMANDS, 1, c);
        s.observe(Family.IMAP_COMMAND_SECONDS, nanos / 1e9, c);
    }

    /** One POP3 command parsed and executed; {@code command} is the lowercased name of its record type. */
    public static void pop3Command(String command) {
        Sink s = sink;
        if (s == null) return;
        s.add(Family.POP3_COMMANDS, 1, bound(command, POP3_COMMANDS));
    }

    /** One ManageSieve command parsed and executed; {@code command} is the lowercased name of its record type. */
    public static void manageSieveCommand(String command) {
        Sink s = sink;
        if (s == null) return;
        s.add(Family.MANAGESIEVE_COMMANDS, 1, bound(command, MANAGESIEVE_COMMANDS));
    }

    /** One outbound attempt for one recipient ended: {@code delivered}, {@code deferred} or {@code bounced}. */
    public static void outboundDelivery(String result) {
        Sink s = sink;
        if (s == null) return;
        s.add(Family.OUTBOUND_DELIVERIES, 1, bound(result, OUTBOUND_RESULTS));
    }

    /** The verdict of one inbound check; the result keyword is lowercased before it is bounded. */
    public static void inboundVerdict(String check, String result) {
        Sink s = sink;
        if (s == null) return;
        String r = result == null ? null : result.toLowerCase(Locale.ROOT);
        s.add(Family.INBOUND_VERDICTS, 1, bound(check, CHECKS), bound(r, VERDICTS));
    }
}
